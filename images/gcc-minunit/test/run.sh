#!/bin/sh
# gcc-minunit: the shipped start point is red (6 * 9 != 42), the fix (6 * 7) is green.
set -eu
START=${START_POINT:-/start_point}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  mkdir "$work/$1" && cp -R "$START"/. "$work/$1"/
  [ -z "$2" ] || sed -i "$2" "$work/$1/hiker.c"
  (cd "$work/$1" && timeout 30 sh ./cyber-dojo.sh) >"$work/$1.out" 2>&1 || true
  grep -q "$3" "$work/$1.out" || { sed 's/^/    | /' "$work/$1.out" >&2; echo "FAIL: $1: expected $3" >&2; exit 1; }
  echo "$1: $3"
}
run start '' '^FAILED: answer() == 42'
run fixed 's/6 \* 9/6 * 7/' '^ALL TESTS PASSED (1)'
echo "gcc-minunit: ok (red, green)"
