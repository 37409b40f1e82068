#!/usr/bin/env bash
# The README's first command: install dependencies, build, then run the main job, a print on the
# simulated printer with the embedded default config (config/simulated-printer.cfg and
# config/demo-print.gcode), no hardware needed.
# Usage: scripts/demo.sh [build-dir] [sim-print options]   (DEMO_GCODE=file.gcode prints another
# file; DEMO_CONFIG=printer.cfg another machine)
#
# The job is build/bin/sim-print: host, sim MCU firmware and printer model in one process on
# virtual time, with a progress bar and a summary (print time, filament, the simulated nozzle's
# largest distance from the commanded path); see docs/running.md and docs/simulator.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  build=$1
  shift
fi
"$root/scripts/setup.sh" "$build"

bin=$build/bin
cfg=${DEMO_CONFIG:-$root/config/simulated-printer.cfg}
gcode=${DEMO_GCODE:-$root/config/demo-print.gcode}
[ -x "$bin/sim-print" ] || { echo "demo: $bin/sim-print is missing after the build" >&2; exit 1; }
echo
exec "$bin/sim-print" "$cfg" "$gcode" "$@"
