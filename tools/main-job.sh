#!/usr/bin/env bash
# The main job on the example stack: compile imagestack, bring up a Docker engine and a
# registry (tools/engine/up.sh), show the plan, then build, verify and push every image
# whose tag is missing from the registry. Safe to re-run: a second run builds nothing.
# The engine script is asked for linux/arm64 too (IMAGESTACK_PLATFORMS overrides the list):
# QEMU emulation and the base index of debian:bookworm-slim for both platforms, which the
# example's bash and bash-assert are built FROM (idempotent; the arm64 debootstrap, ~16 min
# once, is cached under /var/lib/imagestack/cache).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
npm run --silent build
# `imagestack` on PATH for any new shell (root: /usr/local/bin; otherwise say how).
BIN="$PWD/tools/imagestack/bin/imagestack.js"
if [ -w /usr/local/bin ]; then
  ln -sfn "$BIN" /usr/local/bin/imagestack
else
  echo "[main] add $(dirname "$BIN") to PATH, or run: npx imagestack" >&2
fi
source "$(bash tools/engine/up.sh --platforms "${IMAGESTACK_PLATFORMS:-linux/arm64}" --env-file)"
node tools/imagestack/bin/imagestack.js plan
node tools/imagestack/bin/imagestack.js build --parallel "${IMAGESTACK_PARALLEL:-2}" "$@"
