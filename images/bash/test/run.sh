#!/bin/sh
# bash (and, inherited, bash-assert): the image runs as the architecture it was built for, on
# every platform of its index: x86_64 for linux/amd64, aarch64 for linux/arm64 (under QEMU
# emulation where the engine is amd64). Its Debian is that architecture's, and the user is
# the stack's non-root sandbox user.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }

dpkg_arch=$(dpkg --print-architecture)
built_for=${IMAGE_ARCH:-$dpkg_arch}   # empty IMAGE_ARCH: a classic-builder build, the engine's platform
case "$built_for" in
  amd64) want=x86_64 ;;
  arm64) want=aarch64 ;;
  *) fail "built for '$built_for', which this test does not know (amd64, arm64)" ;;
esac
machine=$(uname -m)
[ "$machine" = "$want" ] || fail "uname -m says $machine, expected $want (built for linux/$built_for)"
[ "$dpkg_arch" = "$built_for" ] || fail "Debian's architecture is $dpkg_arch, expected $built_for: the FROM did not resolve to this platform's base"

[ "$(id -u)" = 1000 ] || fail "uid is $(id -u), expected 1000"
[ "$(id -un)" = "${SANDBOX_USER:-sandbox}" ] || fail "user is '$(id -un)', expected '${SANDBOX_USER:-sandbox}'"
[ -w /sandbox ] || fail "/sandbox not writable"
bash -c 'echo "${BASH_VERSINFO[0]}"' | grep -qx 5 || fail "bash 5 expected, got $(bash --version | head -n 1)"
echo "bash: ok (uname -m $machine, linux/$built_for, $(id -un))"
