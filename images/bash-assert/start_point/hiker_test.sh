set -u
. ./assert.sh
. ./hiker.sh || exit 2   # a syntax error: no progress line (amber)

assert_equals 42 "$(answer)" "life, the universe and everything"

report
