#!/bin/sh
# scipy: numerical tests with pytest (the test folder is read-only: no cache).
set -eu
exec python3 -m pytest -q -p no:cacheprovider /imagestack/test
