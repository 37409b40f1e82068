// Runs a printer config in batch mode in-process and decodes the MCU stream to text lines, as
// Klipper's parsedump prints them (shared by the batch-mode tests of every area).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/gcode.h"
#include "core/printer.h"
#include "mcu/dictionary.h"
#include "mcu/msgblock.h"

namespace kpp::test {

inline const std::string kAtmegaDict =
    std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/atmega2560.dict";

struct BatchRun {
  std::string result;
  std::string state;
  std::vector<std::string> lines;
  // G-code replies except "ok", and the command lines of REC_VALUE, in order, when the config
  // has [batch_test_replies].
  std::vector<std::string> replies;

  // The replies starting with `prefix`.
  std::vector<std::string> with(std::string_view prefix) const {
    std::vector<std::string> out;
    for (auto& l : replies)
      if (l.starts_with(prefix)) out.push_back(l);
    return out;
  }
  // The replies as a user reads them: without the "// " batch mode puts before informational
  // lines and without the "// Klipper state" lines.
  std::vector<std::string> info() const {
    std::vector<std::string> out;
    for (auto& m : replies) {
      if (m.starts_with("// Klipper state")) continue;
      out.push_back(m.starts_with("// ") ? m.substr(3) : m);
    }
    return out;
  }
};

// [batch_test_replies]: a config section that makes run_batch keep every G-code reply, and
// registers REC_VALUE, which records its own command line (macros use it to report values).
inline std::vector<std::string> g_batch_replies;
class BatchTestReplies : public PrinterObject {
 public:
  explicit BatchTestReplies(const ConfigWrapper& config) {
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_output_handler([](const std::string& m) {
      if (m != "ok") g_batch_replies.push_back(m);
    });
    gcode.register_command("REC_VALUE",
                           [](GCodeCommand& g) { g_batch_replies.push_back(g.get_commandline()); });
  }
};
inline const bool kBatchTestRepliesRegistered = [] {
  register_module("batch_test_replies",
                  [](ConfigWrapper& c) { return std::make_shared<BatchTestReplies>(c); });
  return true;
}();

inline BatchRun run_batch(const std::string& cfg_text, const std::string& gcode = "\n",
                          const std::string& dict = kAtmegaDict) {
  namespace fs = std::filesystem;
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() /
                 ("kpp_temp_batch_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir);
  std::ofstream(dir / "printer.cfg") << cfg_text;
  std::ofstream(dir / "in.gcode") << gcode;
  StartArgs args;
  args.config_file = (dir / "printer.cfg").string();
  args.debug_input = (dir / "in.gcode").string();
  args.debug_output = (dir / "out.bin").string();
  args.dictionaries["mcu"] = dict;
  args.gcode_fd = open(args.debug_input.c_str(), O_RDONLY);
  BatchRun run;
  g_batch_replies.clear();
  {
    Reactor reactor(make_virtual_time_source());
    Printer printer(reactor, args);
    run.result = printer.run();
    run.state = printer.get_state_message().first;
  }
  close(args.gcode_fd);
  run.replies = std::move(g_batch_replies);
  std::ifstream f(dir / "out.bin", std::ios::binary);
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), {});
  auto d = mcu::Dictionary::from_file(dict);
  mcu::BlockReader reader;
  reader.feed(data, [&](std::span<const uint8_t> block) {
    for (auto& m : d.decode_block(block)) run.lines.push_back(m.text());
  });
  fs::remove_all(dir);
  return run;
}

// The cartesian printer of Klipper's test/klippy configs (atmega2560 pins): stepper_x and
// stepper_y (80 steps/mm, endstops at 0), stepper_z (400 steps/mm) with `z` as the rest of its
// section, an optional [extruder] (cold extrusion allowed), [mcu] and [printer].
struct TestPrinter {
  double xy_max = 200;
  std::string z = "endstop_pin: ^PD3\nposition_endstop: 0.5\nposition_max: 200\n";
  bool extruder = false;
};

inline std::string test_printer_config(const TestPrinter& p = {}) {
  std::string cfg;
  const char* xy[2][5] = {{"x", "PF0", "PF1", "!PD7", "^PE5"},
                          {"y", "PF6", "!PF7", "!PF2", "^PJ1"}};
  for (auto& a : xy)
    cfg += std::string("[stepper_") + a[0] + "]\nstep_pin: " + a[1] + "\ndir_pin: " + a[2] +
           "\nenable_pin: " + a[3] +
           "\nmicrosteps: 16\nrotation_distance: 40\nendstop_pin: " + a[4] +
           "\nposition_endstop: 0\nposition_max: " + fmt::format("{:g}", p.xy_max) +
           "\nhoming_speed: 50\n";
  cfg +=
      "[stepper_z]\nstep_pin: PL3\ndir_pin: PL1\nenable_pin: !PK0\nmicrosteps: 16\n"
      "rotation_distance: 8\n" +
      p.z;
  if (p.extruder)
    cfg +=
        "[extruder]\nstep_pin: PA4\ndir_pin: PA6\nenable_pin: !PA2\nmicrosteps: 16\n"
        "rotation_distance: 33.5\nnozzle_diameter: 0.500\nfilament_diameter: 3.500\n"
        "heater_pin: PB4\nsensor_type: EPCOS 100K B57560G104F\nsensor_pin: PK5\n"
        "control: pid\npid_Kp: 22.2\npid_Ki: 1.08\npid_Kd: 114\nmin_temp: 0\n"
        "max_temp: 210\nmin_extrude_temp: 0\n";
  cfg +=
      "[mcu]\nserial: /dev/ttyACM0\n[printer]\nkinematics: cartesian\nmax_velocity: 300\n"
      "max_accel: 3000\nmax_z_velocity: 5\nmax_z_accel: 100\n";
  return cfg;
}

// A printer without kinematics: [mcu] and [printer] only (for modules that need no motion).
inline const std::string kNoKinematicsConfig =
    "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 100\n"
    "max_accel: 100\n";

// A cartesian printer on atmega2560 pins: X, Y, Z with endstops at 0, 80 steps/mm (16
// microsteps, rotation_distance 40), stepper_x first (oid 2 after its endstop and trsync).
inline std::string cartesian_config(double position_max = 200) {
  std::string cfg =
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: cartesian\nmax_velocity: 300\n"
      "max_accel: 3000\nmax_z_velocity: 25\nmax_z_accel: 100\n";
  const char* pins[3][4] = {{"x", "PF0", "PF1", "^PE5"},
                            {"y", "PF6", "PF7", "^PJ1"},
                            {"z", "PL3", "PL1", "^PD3"}};
  for (auto& p : pins)
    cfg += std::string("[stepper_") + p[0] + "]\nstep_pin: " + p[1] + "\ndir_pin: " + p[2] +
           "\nendstop_pin: " + p[3] +
           "\nmicrosteps: 16\nrotation_distance: 40\nposition_endstop: 0\nposition_max: " +
           std::to_string(position_max) + "\nhoming_speed: 50\n";
  return cfg;
}

// The lines starting with `prefix`.
inline std::vector<std::string> lines_with(const BatchRun& run, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& l : run.lines)
    if (l.starts_with(prefix)) out.push_back(l);
  return out;
}

}  // namespace kpp::test
