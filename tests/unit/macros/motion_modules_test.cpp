// [tuning_tower] and [exclude_object] through the whole host in batch mode: cartesian
// kinematics, an extruder (cold extrusion allowed), G-code moves through the move transform
// chain. Replies and a recording command are captured by a
// test module.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> g_out;  // replies and recorded commands of the running batch

// [test_recorder]: REC_VALUE records its line; every reply is kept.
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
  register_module("test_recorder",
                  [](ConfigWrapper& c) { return std::make_shared<TestRecorder>(c); });
  return true;
}();

const char* kConfig = R"([test_recorder]
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
endstop_pin: ^PD3
position_endstop: 0.5
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
  fs::path dir = fs::temp_directory_path() / ("kpp_motion_modules_" + std::to_string(getpid()));
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

TEST(TuningTower, RunsTheCommandAtEachNewHeight) {
  auto run = run_batch("", R"(G28
TUNING_TOWER COMMAND=REC_VALUE PARAMETER=V START=100 FACTOR=10
G1 Z0.2 F600
G1 X10 Y10 E0.5 F3000
G1 X20 E1
G1 Z0.4
G1 X10 E1.5
G1 X20 Z0.6
G1 Z0.8
G1 X10 E2
G1 Z5
G1 X20 E2.5
G1 Z0.3
G1 X10 E3
)");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "// Starting tuning test"),
            (std::vector<std::string>{"// Starting tuning test (start=100.000000 factor=10.000000)"}));
  // Heights 0.2, 0.4, 0.8 and 5 get a value; a move without extrusion does not; Z 0.3 (more than
  // 2 mm below the last height) ends the test.
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE V=102.000000000", "REC_VALUE V=104.000000000",
                                      "REC_VALUE V=108.000000000", "REC_VALUE V=150.000000000"}));
  EXPECT_EQ(matching(run.out, "// Ending tuning test mode").size(), 1u);
}

TEST(TuningTower, StepsAndSkip) {
  auto run = run_batch("", R"(G28
TUNING_TOWER COMMAND=M104 PARAMETER=S START=215 STEP_DELTA=-5 STEP_HEIGHT=10 SKIP=1
TUNING_TOWER COMMAND=REC_VALUE PARAMETER=T START=215 STEP_DELTA=-5 STEP_HEIGHT=10 SKIP=1
G1 Z0.5 F600
G1 X10 E0.5 F3000
G1 Z10.5
G1 X20 E1
G1 Z11.5
G1 X10 E1.5
)");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "// Starting tuning test").back(),
            "// Starting tuning test (start=215.000000 step_delta=-5.000000 "
            "step_height=10.000000 skip=1.000000)");
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE T=215.000000000", "REC_VALUE T=210.000000000"}));
}

TEST(TuningTower, ParameterErrors) {
  auto run = run_batch("", "TUNING_TOWER COMMAND=M104 PARAMETER=S START=1 FACTOR=1 STEP_DELTA=1\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_EQ(matching(run.out, "!!"),
            (std::vector<std::string>{"!! Cannot specify both FACTOR and STEP_DELTA/STEP_HEIGHT"}));
  run = run_batch("", "TUNING_TOWER COMMAND=M104 PARAMETER=S START=1 STEP_DELTA=1\n");
  EXPECT_EQ(matching(run.out, "!!"),
            (std::vector<std::string>{"!! Must specify both STEP_DELTA and STEP_HEIGHT"}));
}

TEST(ExcludeObject, SkipsMovesInsideAnExcludedObject) {
  auto run = run_batch("[exclude_object]\n", R"(G28
EXCLUDE_OBJECT_DEFINE NAME=part_b CENTER=50,50 POLYGON=[[40,40],[60,40],[60,60]]
EXCLUDE_OBJECT_DEFINE NAME=part_a CENTER=10,10
EXCLUDE_OBJECT_DEFINE
EXCLUDE_OBJECT NAME=part_b
EXCLUDE_OBJECT
G1 Z1 F600
EXCLUDE_OBJECT_START NAME=part_a
G1 X10 Y10 E0.1 F3000
G1 X12 E0.2
G1 X14 E0.3
G1 X16 E0.4
G1 X18 E0.5
G1 X20 E0.6
EXCLUDE_OBJECT_END NAME=part_a
EXCLUDE_OBJECT_START NAME=part_b
G1 X50 Y50 E0.7
G1 X60 E0.8
SHOW
EXCLUDE_OBJECT_END
EXCLUDE_OBJECT_START NAME=part_a
G1 X30 Y30 E0.9
SHOW
EXCLUDE_OBJECT_END NAME=other
M114
)");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(matching(run.out, "// Known objects"),
            (std::vector<std::string>{"// Known objects: PART_A PART_B"}));
  EXPECT_EQ(matching(run.out, "// Exclud"),
            (std::vector<std::string>{"// Excluding object PART_B", "// Excluded objects: PART_B"}));
  // Inside PART_B the toolhead stays where PART_A ended; the next printed move continues with E
  // as if PART_B's filament had never been pushed.
  EXPECT_EQ(matching(run.out, "REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=20.00,10.00,1.00,0.60",
                                      "REC_VALUE TOOLHEAD=30.00,30.00,1.00,0.70"}));
  EXPECT_EQ(matching(run.out, "// EXCLUDE_OBJECT_END NAME=OTHER"),
            (std::vector<std::string>{
                "// EXCLUDE_OBJECT_END NAME=OTHER does not match the current object NAME=PART_A"}));
  EXPECT_EQ(matching(run.out, "X:"),
            (std::vector<std::string>{"X:30.000 Y:30.000 Z:1.000 E:0.900"}));
}

TEST(ExcludeObject, JsonListAndCurrent) {
  auto run = run_batch("[exclude_object]\n", R"(EXCLUDE_OBJECT_DEFINE NAME=a CENTER=1.5,2
EXCLUDE_OBJECT_DEFINE JSON=1
EXCLUDE_OBJECT CURRENT=1
)");
  EXPECT_EQ(matching(run.out, "// Known objects"),
            (std::vector<std::string>{"// Known objects: [{\"center\": [1.5, 2], \"name\": \"A\"}]"}));
  EXPECT_EQ(matching(run.out, "!!"),
            (std::vector<std::string>{"!! There is no current object to cancel"}));
}

}  // namespace
}  // namespace kpp
