#!/bin/sh
# gcc-assert: red/amber/green. Copy the start point to a temp dir, run cyber-dojo.sh and
# classify its output with the progress_regexs of manifest.json ([red, green]; neither = amber):
#   the shipped start point (6 * 9 != 42)  -> red
#   a syntax error injected                 -> amber
#   the fix (6 * 7)                         -> green
set -eu
START=${START_POINT:-/start_point}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$START/manifest.json" ] || fail "$START/manifest.json missing"

# Read "progress_regexs": [ "red", "green" ] (one string per line; no jq/python in this image).
regexes=$(awk '
  /"progress_regexs"[[:space:]]*:/ { inside = 1; next }
  inside && /\]/                   { exit }
  inside {
    sub(/^[[:space:]]*"/, ""); sub(/"[[:space:]]*,?[[:space:]]*$/, "")
    gsub(/\\\\/, "\\"); gsub(/\\"/, "\"")
    print
  }' "$START/manifest.json")
[ "$(printf '%s\n' "$regexes" | grep -c .)" = 2 ] || fail "expected 2 progress_regexs, got: $regexes"
RED=$(printf '%s\n' "$regexes" | sed -n 1p)
GREEN=$(printf '%s\n' "$regexes" | sed -n 2p)

# Every visible file is shipped, and cyber-dojo.sh is one of them.
visible=$(awk '/"visible_filenames"[[:space:]]*:/ { v = 1; next } v && /\]/ { exit }
  v { gsub(/[[:space:]",]/, ""); if ($0 != "") print }' "$START/manifest.json")
printf '%s\n' "$visible" | grep -qx 'cyber-dojo.sh' || fail "cyber-dojo.sh not in visible_filenames"
for f in $visible; do [ -f "$START/$f" ] || fail "visible file $f missing from $START"; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# colour NAME SED-EXPRESSION: fresh copy, edit hiker.c, run cyber-dojo.sh, print the colour.
colour() {
  dir="$work/$1"
  mkdir "$dir"
  cp -R "$START"/. "$dir"/
  [ -z "$2" ] || sed -i "$2" "$dir/hiker.c"
  (cd "$dir" && timeout 30 sh ./cyber-dojo.sh) >"$dir.out" 2>&1 || true
  if grep -Eq -- "$RED" "$dir.out"; then echo red
  elif grep -Eq -- "$GREEN" "$dir.out"; then echo green
  else echo amber
  fi
}

check() {
  got=$(colour "$1" "$3")
  echo "$1: $got"
  [ "$got" = "$2" ] || { sed 's/^/    | /' "$work/$1.out" >&2; fail "$1: expected $2, got $got"; }
}

check start red   ''
check syntax amber 's/return 6 \* 9;/return 6 * 9/'
check fixed green  's/6 \* 9/6 * 7/'
echo "gcc-assert: ok (red, amber, green; CFLAGS='${CFLAGS:-}')"
