#!/bin/sh
# Runs every benchmark and prints its figures. Needs a build (npm run build).
set -eu
cd "$(dirname "$0")/.."
[ -f dist/ltspcfg-ts.js ] || npm run --silent build
node bench/cold-start.mjs
node bench/apply-scale.mjs
