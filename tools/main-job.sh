#!/usr/bin/env bash
# The main job on the example stack: compile imagestack, bring up a Docker engine and a
# registry (tools/engine/up.sh), show the plan, then build, verify and push every image
# whose tag is missing from the registry. Safe to re-run: a second run builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
npm run --silent build
source "$(bash tools/engine/up.sh --env-file)"
node tools/imagestack/bin/imagestack.js plan
node tools/imagestack/bin/imagestack.js build --parallel "${IMAGESTACK_PARALLEL:-2}" "$@"
