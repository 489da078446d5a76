#!/usr/bin/env bash
# Stop what tools/engine/up.sh started: the private dockerd and the registry.
# Data (images, registry content, the cached rootfs tarball) stays under $IMAGESTACK_STATE;
# pass --purge to delete it as well.
set -euo pipefail
STATE=${IMAGESTACK_STATE:-/var/lib/imagestack}
PORT=${IMAGESTACK_REGISTRY_PORT:-5000}

stop_pid() { # name pidfile
  [ -f "$2" ] || return 0
  local pid; pid=$(cat "$2")
  if kill -0 "$pid" 2>/dev/null; then
    echo "[engine] stopping $1 (pid $pid)" >&2
    kill "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$2"
}

stop_pid "registry on port $PORT" "$STATE/registry-$PORT.pid"
stop_pid dockerd "$STATE/dockerd.pid"
# The default socket's link to the private dockerd (made by up.sh) goes with it.
if [ -L /var/run/docker.sock ] && [ "$(readlink /var/run/docker.sock)" = "$STATE/docker.sock" ]; then
  rm -f /var/run/docker.sock
fi
if [ "${1:-}" = "--purge" ]; then
  echo "[engine] deleting $STATE" >&2
  rm -rf "${STATE:?}"
fi
