#!/bin/sh
# python: python3 runs a script; pytest runs the tests in this folder.
set -eu
python3 /imagestack/test/smoke.py
# The test folder is mounted read-only: no cache, no bytecode.
python3 -m pytest -q -p no:cacheprovider /imagestack/test
