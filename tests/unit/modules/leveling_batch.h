// Batch-mode harness for the leveling tests: runs a config and G-code through the whole host
// with virtual time and keeps every G-code reply (the respond_info lines) of the run.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "core/printer.h"

namespace kpp::test {

inline std::vector<std::string> g_leveling_out;  // replies of the running batch

// [leveling_test_recorder]: keeps every reply; REC_VALUE records its own command line.
class LevelingRecorder : public PrinterObject {
 public:
  explicit LevelingRecorder(const ConfigWrapper& config) {
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_output_handler([](const std::string& m) {
      if (m != "ok") g_leveling_out.push_back(m);
    });
    gcode.register_command("REC_VALUE",
                           [](GCodeCommand& g) { g_leveling_out.push_back(g.get_commandline()); });
  }
};

inline const bool kLevelingRecorderRegistered = [] {
  register_module("leveling_test_recorder",
                  [](ConfigWrapper& c) { return std::make_shared<LevelingRecorder>(c); });
  return true;
}();

struct LevelingRun {
  std::string result;
  std::vector<std::string> out;
  // The replies starting with `prefix`.
  std::vector<std::string> with(std::string_view prefix) const {
    std::vector<std::string> r;
    for (auto& l : out)
      if (l.starts_with(prefix)) r.push_back(l);
    return r;
  }
};

inline LevelingRun run_leveling(const std::string& cfg, const std::string& gcode) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("kpp_leveling_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  std::ofstream(dir / "printer.cfg") << "[leveling_test_recorder]\n" << cfg;
  std::ofstream(dir / "in.gcode") << gcode;
  StartArgs args;
  args.config_file = (dir / "printer.cfg").string();
  args.debug_input = (dir / "in.gcode").string();
  args.debug_output = (dir / "out.bin").string();
  args.dictionaries["mcu"] = std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/atmega2560.dict";
  args.gcode_fd = open(args.debug_input.c_str(), O_RDONLY);
  g_leveling_out.clear();
  LevelingRun run;
  {
    Reactor reactor(make_virtual_time_source());
    Printer printer(reactor, args);
    run.result = printer.run();
    if (run.result != "exit") g_leveling_out.push_back(printer.get_state_message().first);
  }
  close(args.gcode_fd);
  fs::remove_all(dir);
  run.out = g_leveling_out;
  return run;
}

// A cartesian printer (200x200, Z from position_min -2) with X/Y endstops and `z_extra` added
// to [stepper_z] (an endstop_pin line is required there).
inline std::string cartesian_config(const std::string& z_extra) {
  return R"([stepper_x]
step_pin: PF0
dir_pin: PF1
enable_pin: !PD7
microsteps: 16
rotation_distance: 40
endstop_pin: ^PE5
position_endstop: 0
position_max: 250
homing_speed: 50
[stepper_y]
step_pin: PF6
dir_pin: !PF7
enable_pin: !PF2
microsteps: 16
rotation_distance: 40
endstop_pin: ^PJ1
position_endstop: 0
position_max: 250
homing_speed: 50
[stepper_z]
step_pin: PL3
dir_pin: PL1
enable_pin: !PK0
microsteps: 16
rotation_distance: 8
position_min: -2
position_max: 200
)" + z_extra + R"([mcu]
serial: /dev/ttyACM0
[printer]
kinematics: cartesian
max_velocity: 300
max_accel: 3000
max_z_velocity: 5
max_z_accel: 100
[gcode_macro SHOW]
gcode:
  {% set p = printer.toolhead.position %}
  REC_VALUE TOOLHEAD={"%.2f,%.2f,%.2f" % (p.x, p.y, p.z)}
)";
}

inline const std::string kProbeZ = "endstop_pin: probe:z_virtual_endstop\n";
inline const std::string kEndstopZ = "endstop_pin: ^PD3\nposition_endstop: 0.5\n";

}  // namespace kpp::test
