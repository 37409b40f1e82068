// Batch-mode harness for the leveling tests: runs a config and G-code through the whole host
// with virtual time and keeps every G-code reply (the respond_info lines) of the run.
#pragma once

#include <string>
#include <vector>

#include "../common/batch_util.h"

namespace kpp::test {

// A batch run whose replies end with the printer state when it did not exit cleanly.
using LevelingRun = BatchRun;

inline LevelingRun run_leveling(const std::string& cfg, const std::string& gcode) {
  auto run = run_batch("[batch_test_replies]\n" + cfg, gcode);
  if (run.result != "exit") run.replies.push_back(run.state);
  return run;
}

// A cartesian printer (250x250, Z from position_min -2) with X/Y endstops and `z_extra` added
// to [stepper_z] (an endstop_pin line is required there).
inline std::string cartesian_config(const std::string& z_extra) {
  return test_printer_config(
             {.xy_max = 250, .z = "position_min: -2\nposition_max: 200\n" + z_extra}) +
         R"([gcode_macro SHOW]
gcode:
  {% set p = printer.toolhead.position %}
  REC_VALUE TOOLHEAD={"%.2f,%.2f,%.2f" % (p.x, p.y, p.z)}
)";
}

inline const std::string kProbeZ = "endstop_pin: probe:z_virtual_endstop\n";
inline const std::string kEndstopZ = "endstop_pin: ^PD3\nposition_endstop: 0.5\n";

}  // namespace kpp::test
