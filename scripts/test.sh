#!/usr/bin/env bash
# Set up, build and run every test: unit, regression, golden comparison, end-to-end.
# Ends with the pass/fail counts of each suite. Usage: scripts/test.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/setup.sh" "$build"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
