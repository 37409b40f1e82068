// [probe] and [safe_z_home] through the whole host in batch mode. In batch mode an endstop
// "triggers" at the end of its move, so a probing move ends at Z position_min (-2 here).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> g_out;  // replies and recorded commands of the running batch

// [probe_test_recorder]: REC_VALUE records its line; every reply is kept.
class TestRecorder : public PrinterObject {
 public:
  explicit TestRecorder(const ConfigWrapper& config) {
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_output_handler([](const std::string& m) {
      if (m != "ok") g_out.push_back(m);
    });
    gcode.register_command("REC_VALUE",
                           [](GCodeCommand& g) { g_out.push_back(g.get_commandline()); });
  }
};

const bool kRegistered = [] {
  register_module("probe_test_recorder",
                  [](ConfigWrapper& c) { return std::make_shared<TestRecorder>(c); });
  return true;
}();

const char* kConfig = R"([probe_test_recorder]
[stepper_x]
step_pin: PF0
dir_pin: PF1
enable_pin: !PD7
microsteps: 16
rotation_distance: 40
endstop_pin: ^PE5
position_endstop: 0
position_max: 200
homing_speed: 50
[stepper_y]
step_pin: PF6
dir_pin: !PF7
enable_pin: !PF2
microsteps: 16
rotation_distance: 40
endstop_pin: ^PJ1
position_endstop: 0
position_max: 200
homing_speed: 50
[stepper_z]
step_pin: PL3
dir_pin: PL1
enable_pin: !PK0
microsteps: 16
rotation_distance: 8
endstop_pin: probe:z_virtual_endstop
position_min: -2
position_max: 200
[extruder]
step_pin: PA4
dir_pin: PA6
enable_pin: !PA2
microsteps: 16
rotation_distance: 33.5
nozzle_diameter: 0.500
filament_diameter: 3.500
heater_pin: PB4
sensor_type: EPCOS 100K B57560G104F
sensor_pin: PK5
control: pid
pid_Kp: 22.2
pid_Ki: 1.08
pid_Kd: 114
min_temp: 0
max_temp: 210
min_extrude_temp: 0
[mcu]
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
  REC_VALUE TOOLHEAD={"%.2f,%.2f,%.2f,%.2f" % (p.x, p.y, p.z, p.e)}
)";

struct BatchRun {
  std::string result;
  std::vector<std::string> out;
};

BatchRun run_batch(const std::string& extra_cfg, const std::string& gcode) {
  fs::path dir = fs::temp_directory_path() / ("kpp_probe_batch_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "printer.cfg") << kConfig << extra_cfg;
  std::ofstream(dir / "in.gcode") << gcode;
  StartArgs args;
  args.config_file = (dir / "printer.cfg").string();
  args.debug_input = (dir / "in.gcode").string();
  args.debug_output = (dir / "out.bin").string();
  args.dictionaries["mcu"] = std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/atmega2560.dict";
  args.gcode_fd = open(args.debug_input.c_str(), O_RDONLY);
  g_out.clear();
  BatchRun run;
  {
    Reactor reactor(make_virtual_time_source());
    Printer printer(reactor, args);
    run.result = printer.run();
  }
  close(args.gcode_fd);
  fs::remove_all(dir);
  run.out = g_out;
  return run;
}

std::vector<std::string> matching(const std::vector<std::string>& lines, std::string_view prefix) {
  std::vector<std::string> out;
  for (auto& l : lines)
    if (l.starts_with(prefix)) out.push_back(l);
  return out;
}

const std::string kProbe = "[probe]\npin: PH6\nz_offset: 1.15\n";

TEST(ProbeBatch, ProbeReportsEachSampleAndTheResult) {
  auto run = run_batch(kProbe + "samples: 2\n", "G28\nPROBE\nSHOW\nQUERY_PROBE\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "// probe at"),
            (std::vector<std::string>{"// probe at 0.000,0.000 is z=-2.000000",
                                      "// probe at 0.000,0.000 is z=-2.000000"}));
  EXPECT_EQ(matching(run.out, "// Result"), (std::vector<std::string>{"// Result is z=-2.000000"}));
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.00,0.00,-2.00,0.00"}));
  EXPECT_EQ(matching(run.out, "// probe:"), (std::vector<std::string>{"// probe: open"}));
}

TEST(ProbeBatch, HomingZViaTheProbeUsesZOffset) {
  auto run = run_batch(kProbe, "G28\nSHOW\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.00,0.00,1.15,0.00"}));
}

TEST(ProbeBatch, MustHomeFirst) {
  auto run = run_batch(kProbe, "PROBE\n");
  EXPECT_EQ(matching(run.out, "!!"), (std::vector<std::string>{"!! Must home before probe"}));
}

TEST(ProbeBatch, ActivateAndDeactivateScripts) {
  std::string scripts = "samples: 2\nactivate_gcode: REC_VALUE A=1\ndeactivate_gcode: REC_VALUE D=1\n";
  auto run = run_batch(kProbe + scripts, "G28\nREC_VALUE M=1\nPROBE\n");
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE A=1", "REC_VALUE D=1", "REC_VALUE A=1",
                                      "REC_VALUE D=1", "REC_VALUE M=1", "REC_VALUE A=1",
                                      "REC_VALUE D=1", "REC_VALUE A=1", "REC_VALUE D=1"}));
  // deactivate_on_each_sample off: deployed once per homing (two moves) and once per PROBE.
  run = run_batch(kProbe + scripts + "deactivate_on_each_sample: False\n",
                  "G28\nREC_VALUE M=1\nPROBE\n");
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE A=1", "REC_VALUE D=1", "REC_VALUE M=1",
                                      "REC_VALUE A=1", "REC_VALUE D=1"}));
}

TEST(ProbeBatch, AccuracyAndOffsetApply) {
  auto run = run_batch(kProbe, "G28\nPROBE_ACCURACY SAMPLES=3\nSET_GCODE_OFFSET Z=0.1\n"
                               "Z_OFFSET_APPLY_PROBE\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "// probe at").size(), 3u);
  EXPECT_EQ(matching(run.out, "// probe accuracy results"),
            (std::vector<std::string>{
                "// probe accuracy results: maximum -2.000000, minimum -2.000000, range "
                "0.000000, average -2.000000, median -2.000000, standard deviation 0.000000"}));
  auto applied = matching(run.out, "// probe: z_offset: 1.050");
  EXPECT_EQ(applied.size(), 1u);
}

TEST(ProbeBatch, CalibrateWithTestzAndAccept) {
  auto run = run_batch(kProbe, "G28\nPROBE_CALIBRATE\nTESTZ Z=-1\nTESTZ Z=-\nACCEPT\nTESTZ Z=1\n");
  EXPECT_EQ(matching(run.out, "// Z position"),
            (std::vector<std::string>{"// Z position: ?????? --> 3.000 <-- ??????",
                                      "// Z position: ?????? --> 2.000 <-- 3.000",
                                      "// Z position: ?????? --> 1.800 <-- 2.000"}));
  // The probe triggered at -2; the nozzle touches at 1.8.
  EXPECT_EQ(matching(run.out, "// probe: z_offset: -3.800").size(), 1u);
  // The session's commands are gone after ACCEPT.
  EXPECT_EQ(matching(run.out, "// Unknown command"),
            (std::vector<std::string>{"// Unknown command:\"TESTZ\""}));
}

TEST(ProbeBatch, CalibrateAbortAndFailedAccept) {
  auto run = run_batch(kProbe, "G28\nPROBE_CALIBRATE\nABORT\nPROBE_CALIBRATE\nACCEPT\n");
  EXPECT_EQ(matching(run.out, "// probe: z_offset").size(), 0u);
  EXPECT_EQ(matching(run.out, "// Manual probe failed!").size(), 1u);
  EXPECT_EQ(run.result, "exit");
}

TEST(SafeZHome, HomesZAtTheSafeSpotAndHops) {
  auto run = run_batch(kProbe + "[safe_z_home]\nhome_xy_position: 100,50\nz_hop: 10\n",
                       "G28\nSHOW\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=100.00,50.00,10.00,0.00"}));
  run = run_batch(kProbe + "[safe_z_home]\nhome_xy_position: 100,50\nmove_to_previous: True\n",
                  "G28\nSHOW\nG28 Z\n");
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.00,0.00,1.15,0.00"}));
}

TEST(SafeZHome, NeedsXAndYHomed) {
  auto run = run_batch(kProbe + "[safe_z_home]\nhome_xy_position: 100,50\n", "G28 Z\n");
  EXPECT_EQ(matching(run.out, "!!"), (std::vector<std::string>{"!! Must home X and Y axes first"}));
}

}  // namespace
}  // namespace kpp
