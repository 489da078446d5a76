#!/usr/bin/env bash
# Make a Docker engine and an OCI registry available to imagestack, idempotently.
#
#   bash tools/engine/up.sh            # start (or reuse) engine + registry, print how to reach them
#   source "$(bash tools/engine/up.sh --env-file)"   # the same, then load DOCKER_HOST etc.
#
# Order of preference for the engine:
#   1. $DOCKER_HOST, if it answers;
#   2. the default socket /var/run/docker.sock, if it answers;
#   3. a private dockerd (installed from Debian's `docker.io` if missing) with its own
#      --data-root, --exec-root and socket under $IMAGESTACK_STATE.
# The registry: 127.0.0.1:$IMAGESTACK_REGISTRY_PORT (default 5000) if it answers /v2/,
# otherwise Debian's `docker-registry` started there with its data under $IMAGESTACK_STATE.
# The host tools it needs (docker CLI, openssl, pytest-3 for the example stack's host-side
# test) come from Debian when missing.
# The base image debian:bookworm-slim is pulled if the engine can, otherwise built from
# Debian's archive with debootstrap (minbase) and `docker import`; the rootfs tarball is
# cached under $IMAGESTACK_STATE/cache (never inside the repository).
#
# Other platforms, when asked (IMAGESTACK_PLATFORMS=linux/arm64, or --platforms linux/arm64):
# QEMU user-mode emulation from Debian's `qemu-user-static` (its binfmt handlers registered with
# the F flag, so containers of another architecture run without anything inside them), and
# debian:bookworm-slim for each such platform made from Debian's archive (debootstrap --arch
# under emulation, the rootfs tarball cached beside the amd64 one), its image config saying its
# architecture. Every platform's base (the engine's own included) is then pushed to the local
# registry and one OCI image index put under $REGISTRY/imagestack-base/debian:bookworm-slim,
# which a stack can name as its multi-platform base. See README "Platforms".
#
# Environment: IMAGESTACK_STATE (default /var/lib/imagestack), IMAGESTACK_REGISTRY_PORT
# (default 5000), IMAGESTACK_PLATFORMS (comma-separated, default none). Writes
# $IMAGESTACK_STATE/env with the exports to use.
set -euo pipefail

STATE=${IMAGESTACK_STATE:-/var/lib/imagestack}
PORT=${IMAGESTACK_REGISTRY_PORT:-5000}
BASE_IMAGE=debian:bookworm-slim
ENV_FILE="$STATE/env"

PLATFORMS=${IMAGESTACK_PLATFORMS:-}
if [ "${1:-}" = "--platforms" ]; then
  PLATFORMS=${2:?--platforms needs a list, e.g. linux/arm64}
  export IMAGESTACK_PLATFORMS=$PLATFORMS   # the --env-file re-run below inherits it
  shift 2
fi

if [ "${1:-}" = "--env-file" ]; then
  "$0" >&2
  echo "$ENV_FILE"
  exit 0
fi

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$STATE/cache" "$STATE/logs"

# Starts a daemon: "$@" in the background, in a session of its own (it outlives this script and
# is not killed with its process group), holding none of our file descriptors but 0-2 (the
# caller redirects those). An inherited descriptor would be kept for the daemon's life: a
# caller's `flock <file> bash up.sh` lock (held for good: every later flock waits), or a CI
# runner's pipe (its reader never sees the end). `$!` is the daemon's pid, as with `&`.
start_daemon() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
    done
    exec setsid "$@"
  ) &
}

need_root() {
  [ "$(id -u)" = 0 ] || die "$1 needs root (run as root, or start a Docker engine yourself and set DOCKER_HOST)"
}

apt_install() {
  need_root "installing $*"
  log "installing from Debian: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f "$STATE/.apt-updated" ] || [ -n "$(find "$STATE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
    apt-get update -qq >"$STATE/logs/apt.log" 2>&1 || die "apt-get update failed, see $STATE/logs/apt.log"
    touch "$STATE/.apt-updated"
  fi
  apt-get install -y -qq --no-install-recommends "$@" >>"$STATE/logs/apt.log" 2>&1 \
    || die "apt-get install $* failed, see $STATE/logs/apt.log"
}

engine_answers() { DOCKER_HOST="$1" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# --- the Docker client -------------------------------------------------------------
command -v docker >/dev/null 2>&1 || apt_install docker.io
# openssl: the registry auth tests make the token issuer's key and certificate with it.
command -v openssl >/dev/null 2>&1 || apt_install openssl
# pytest-3 (Debian's python3-pytest): the example stack's host-side test (images/python/host-test)
# runs on this machine, driving the image from outside; PyPI may be unreachable.
command -v pytest-3 >/dev/null 2>&1 || apt_install python3-pytest

# --- the engine --------------------------------------------------------------------
ENGINE=""
if [ -n "${DOCKER_HOST:-}" ] && engine_answers "$DOCKER_HOST"; then
  ENGINE=$DOCKER_HOST; log "using the engine at DOCKER_HOST=$ENGINE"
elif [ -S /var/run/docker.sock ] && engine_answers unix:///var/run/docker.sock; then
  ENGINE=unix:///var/run/docker.sock; log "using the engine at $ENGINE"
else
  SOCK="$STATE/docker.sock"
  ENGINE="unix://$SOCK"
  if engine_answers "$ENGINE"; then
    log "private dockerd already running at $ENGINE"
  else
    command -v dockerd >/dev/null 2>&1 || apt_install docker.io
    need_root "starting dockerd"
    mkdir -p "$STATE/docker" "$STATE/exec"
    rm -f "$SOCK" "$STATE/dockerd.pid"
    log "starting a private dockerd (data-root $STATE/docker, socket $SOCK)"
    start_daemon dockerd \
      --data-root "$STATE/docker" \
      --exec-root "$STATE/exec" \
      --host "$ENGINE" \
      --pidfile "$STATE/dockerd.pid" \
      >"$STATE/logs/dockerd.log" 2>&1 < /dev/null
    for _ in $(seq 1 60); do
      engine_answers "$ENGINE" && break
      sleep 0.5
    done
    engine_answers "$ENGINE" || { tail -n 30 "$STATE/logs/dockerd.log" >&2; die "dockerd did not answer within 30 s"; }
  fi
fi
export DOCKER_HOST=$ENGINE

# A new shell must reach the same engine with no further step (no DOCKER_HOST to set): when
# the engine is the private dockerd and nothing answers on the default socket, the default
# socket becomes a link to the private one. Any Docker client (and dockerode, which imagestack
# uses) tries /var/run/docker.sock first. A socket that answers there is never replaced.
DEFAULT_SOCK=/var/run/docker.sock
if [ "$ENGINE" = "unix://$STATE/docker.sock" ] && [ "$(id -u)" = 0 ]; then
  if [ -L "$DEFAULT_SOCK" ] && [ "$(readlink "$DEFAULT_SOCK")" = "$STATE/docker.sock" ]; then
    :
  elif [ ! -e "$DEFAULT_SOCK" ] || ! engine_answers "unix://$DEFAULT_SOCK"; then
    mkdir -p "$(dirname "$DEFAULT_SOCK")"
    rm -f "$DEFAULT_SOCK"
    ln -s "$STATE/docker.sock" "$DEFAULT_SOCK"
    log "linked $DEFAULT_SOCK to the private dockerd (a new shell's docker and imagestack reach it)"
  fi
fi

# --- the registry ------------------------------------------------------------------
REGISTRY="127.0.0.1:$PORT"
registry_answers() { curl -fs -o /dev/null --max-time 2 "http://$REGISTRY/v2/"; }
if registry_answers; then
  log "registry already answering at http://$REGISTRY"
else
  command -v docker-registry >/dev/null 2>&1 || apt_install docker-registry
  mkdir -p "$STATE/registry-$PORT"
  cat >"$STATE/registry-$PORT.yml" <<YML
version: 0.1
log:
  level: warn
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $STATE/registry-$PORT
  delete:
    enabled: true
http:
  addr: $REGISTRY
  headers:
    X-Content-Type-Options: [nosniff]
YML
  log "starting docker-registry at http://$REGISTRY (data $STATE/registry-$PORT)"
  start_daemon docker-registry serve "$STATE/registry-$PORT.yml" \
    >"$STATE/logs/registry-$PORT.log" 2>&1 < /dev/null
  echo $! >"$STATE/registry-$PORT.pid"
  for _ in $(seq 1 40); do registry_answers && break; sleep 0.25; done
  registry_answers || { tail -n 30 "$STATE/logs/registry-$PORT.log" >&2; die "registry did not answer within 10 s"; }
fi

# --- the base image ----------------------------------------------------------------
# debian bookworm minbase from Debian's archive into the tarball $1 (kept when already there),
# extra debootstrap options after it (e.g. --arch arm64); the log goes to $STATE/logs/$2.log.
debootstrap_tarball() {
  local tarball=$1 logname=$2 rootfs
  shift 2
  [ -s "$tarball" ] && return 0
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  need_root "debootstrap"
  rootfs=$(mktemp -d "$STATE/cache/rootfs.XXXXXX")
  debootstrap "$@" --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian \
    >"$STATE/logs/$logname.log" 2>&1 || { tail -n 20 "$STATE/logs/$logname.log" >&2; rm -rf "$rootfs"; die "debootstrap $* failed"; }
  # Slim it the way the official image is slimmed: no apt lists, no caches.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" --numeric-owner -cf "$tarball.partial" .
  mv "$tarball.partial" "$tarball"
  rm -rf "$rootfs"
}

if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  log "base image $BASE_IMAGE present"
elif timeout 30 docker pull -q "$BASE_IMAGE" >/dev/null 2>&1; then
  log "pulled $BASE_IMAGE"
else
  TARBALL="$STATE/cache/debian-bookworm-minbase.tar"
  [ -s "$TARBALL" ] || log "cannot pull $BASE_IMAGE: building it from Debian's archive with debootstrap (about 40 s)"
  debootstrap_tarball "$TARBALL" debootstrap
  log "importing $TARBALL as $BASE_IMAGE"
  docker import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$TARBALL" "$BASE_IMAGE" >/dev/null
fi

# --- other platforms: emulation and bases (only when asked) ------------------------
if [ -n "$PLATFORMS" ]; then
  # shellcheck source=tools/engine/platforms.sh
  . "$(dirname "$0")/platforms.sh"
  platforms_up "$PLATFORMS"
fi

cat >"$ENV_FILE" <<ENV
export DOCKER_HOST=$ENGINE
export IMAGESTACK_REGISTRY=$REGISTRY
ENV
log "ready: DOCKER_HOST=$ENGINE registry=http://$REGISTRY base=$BASE_IMAGE"
log "environment written to $ENV_FILE (optional: the default socket and registry already lead here)"
