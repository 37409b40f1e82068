#!/usr/bin/env bash
# Set up, build and run every test: unit, regression, golden comparison, end-to-end.
# Ends with the pass/fail counts of each suite. Usage: scripts/test.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
"$root/scripts/setup.sh" "$build"

status=0
(cd "$build" && ctest --output-on-failure -j"$(nproc)") || status=1

# Klipper's own regression suite and the comparison with real Klipper's MCU streams.
shared="$root/../shared"
if [ -d "$shared/klipper" ] && [ -x "$build/bin/klipper-suite" ]; then
  "$build/bin/klipper-suite" --shared "$shared" --bin "$build/bin" \
    --work "$build/klipper-suite" --expect "$root/tests/regression/klipper_expected_pass.txt" \
    || status=1
fi
exit $status
