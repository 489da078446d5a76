#!/bin/sh
# bash-assert: the shipped start point is red (6 * 9 != 42), a syntax error is amber (neither
# progress regex), the fix (6 * 7) is green.
set -eu
START=${START_POINT:-/start_point}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
  mkdir "$work/$1" && cp -R "$START"/. "$work/$1"/
  [ -z "$2" ] || sed -i "$2" "$work/$1/hiker.sh"
  (cd "$work/$1" && timeout 30 sh ./cyber-dojo.sh) >"$work/$1.out" 2>&1 || true
  if [ "$3" = amber ]; then
    ! grep -qE '^(FAILED: |ALL TESTS PASSED)' "$work/$1.out" || { sed 's/^/    | /' "$work/$1.out" >&2; echo "FAIL: $1: expected neither progress regex" >&2; exit 1; }
  else
    grep -q "$3" "$work/$1.out" || { sed 's/^/    | /' "$work/$1.out" >&2; echo "FAIL: $1: expected $3" >&2; exit 1; }
  fi
  echo "$1: $3"
}
run start '' "^FAILED: life, the universe and everything: expected '42', got '54'"
run amber 's/^answer() {/answer() {{/' amber
run fixed 's/6 \* 9/6 * 7/' '^ALL TESTS PASSED (1)'
echo "bash-assert: ok (red, amber, green)"
