#!/bin/sh
# gcc: compile and run C programs as the non-root user; CFLAGS carries the version's C standard.
set -eu
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /imagestack/test/*.c /imagestack/test/makefile "$work/"
cd "$work"

# 1. make + $(CC) $(CFLAGS): the program checks its own arithmetic and prints the C standard.
make --no-print-directory primes >build.log 2>&1 || { cat build.log; fail "make primes"; }
out=$(./primes 30)
[ "$out" = "2 3 5 7 11 13 17 19 23 29" ] || fail "primes 30 printed '$out'"

# 2. The image's CFLAGS select the version's standard (C_STD from specs.yml).
std=$(./primes --std)
case "${C_STD:-}" in
  c11) want=201112 ;;
  c17) want=201710 ;;
  *) want=$std; echo "note: C_STD='${C_STD:-}' not checked" ;;
esac
[ "$std" = "$want" ] || fail "__STDC_VERSION__ is $std, expected $want for C_STD=${C_STD:-}"

# 3. Warnings are errors when asked, and a compile error is reported (non-zero exit).
printf 'int main(void) { return 0 }\n' >broken.c
if $CC $CFLAGS -c broken.c -o broken.o 2>/dev/null; then fail "a syntax error compiled"; fi

echo "gcc: ok ($(gcc -dumpfullversion), CFLAGS='$CFLAGS', __STDC_VERSION__=$std)"
