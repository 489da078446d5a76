#!/bin/sh
# base: tini is PID 1, we run as the non-root user with a home, /sandbox is writable.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v tini >/dev/null || fail "tini not on PATH"
tini --version | grep -q '^tini version ' || fail "tini --version: $(tini --version 2>&1)"

[ "$(id -u)" = 1000 ] || fail "uid is $(id -u), expected 1000"
[ "$(id -u)" != 0 ] || fail "running as root"
[ "$(id -un)" = "${SANDBOX_USER:-sandbox}" ] || fail "user is '$(id -un)', expected '${SANDBOX_USER:-sandbox}'"
[ -d "$HOME" ] && [ -w "$HOME" ] || fail "home '$HOME' missing or not writable"
[ -w /sandbox ] || fail "/sandbox not writable"

# The image's ENTRYPOINT makes tini PID 1 (it reaps zombies, forwards signals).
pid1=$(tr '\0' ' ' </proc/1/cmdline)
case "$pid1" in
  */tini*|tini*) ;;
  *) fail "PID 1 is '$pid1', expected tini (was the ENTRYPOINT overridden?)" ;;
esac

[ -s /etc/ssl/certs/ca-certificates.crt ] || fail "ca-certificates bundle missing"
echo "base: ok ($(id -un), uid $(id -u), $(tini --version))"
