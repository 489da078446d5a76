#!/usr/bin/env bash
# Make a headless browser available for the site's browser tests, idempotently:
# Debian's `chromium` at /usr/bin/chromium (installed with apt-get when missing).
#
#   bash tools/browser/up.sh     # prints the browser's path
#
# Environment: IMAGESTACK_STATE (default /var/lib/imagestack) for the apt log.
set -euo pipefail

STATE=${IMAGESTACK_STATE:-/var/lib/imagestack}
BROWSER=/usr/bin/chromium

log() { printf '[browser] %s\n' "$*" >&2; }
die() { printf '[browser] error: %s\n' "$*" >&2; exit 1; }

if [ ! -x "$BROWSER" ]; then
  [ "$(id -u)" = 0 ] || die "installing chromium needs root (or install Debian's chromium yourself)"
  mkdir -p "$STATE/logs"
  export DEBIAN_FRONTEND=noninteractive
  log "installing Debian's chromium (about 100 MB, once)"
  if [ ! -f "$STATE/.apt-updated" ] || [ -n "$(find "$STATE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
    apt-get update -qq >"$STATE/logs/apt.log" 2>&1 || die "apt-get update failed, see $STATE/logs/apt.log"
    touch "$STATE/.apt-updated"
  fi
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >>"$STATE/logs/apt.log" 2>&1 \
    || die "apt-get install chromium failed, see $STATE/logs/apt.log"
fi
"$BROWSER" --version >&2 || die "$BROWSER does not start"
echo "$BROWSER"
