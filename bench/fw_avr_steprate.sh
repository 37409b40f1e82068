#!/usr/bin/env bash
# Step-rate benchmark of the AVR firmware (Klipper's docs/Benchmarks.md, AVR configuration) under
# simavr: the lowest `ticks` at which 60000 steps complete, for 1 and 3 steppers, found by
# bisection with ../shared/tools/avrsim/stepbench.py (timing corrections on, its default).
# Usage: bench/fw_avr_steprate.sh [build-dir] [chip]     (needs the build's avrsim and image)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
chip=${2:-atmega2560}
shared=$(grep '^KPP_SHARED_DIR:' "$build/CMakeCache.txt" | cut -d= -f2)
elf=$build/firmware/$chip/klipper.elf
for n in 1 3; do
  if [ "$n" = 1 ]; then lo=30 hi=200; else lo=150 hi=700; fi
  python3 "$shared/tools/avrsim/stepbench.py" "$elf" --avrsim "$build/bin/avrsim" \
    --mcu "$chip" --bisect --steppers "$n" --lo "$lo" --hi "$hi" --repeat 2 | tail -1
done
