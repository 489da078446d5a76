#!/bin/sh
# toolbox: the binary from the gcc stage runs on base (no compiler here), with the
# mime.types copied from the python image.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v mimeof >/dev/null || fail "mimeof not on PATH"
! command -v gcc >/dev/null 2>&1 || fail "gcc present: the build stage leaked into the final image"
[ -s /etc/mime.types ] || fail "/etc/mime.types missing (COPY --from python)"

expect() {
  got=$(mimeof "$1")
  [ "$got" = "$2" ] || fail "mimeof $1: got '$got', expected '$2'"
}
expect hiker.c          text/x-csrc
expect /tmp/specs.JSON  application/json
expect docs/index.html  text/html
expect photo.png        image/png
expect Makefile         application/octet-stream
expect .profile         application/octet-stream
[ "$(mimeof a.c b.py | wc -l)" = 2 ] || fail "one line per argument"
if MIME_TYPES=/nonexistent mimeof a.c 2>/dev/null; then fail "missing mime.types not reported"; fi
echo "toolbox: ok (mimeof, /etc/mime.types: $(grep -vc '^#' /etc/mime.types) types)"
