// The toolhead layer in batch mode: G28, G1, manual steppers and core kinematics run through
// the whole host (config, toolhead, homing, step generation) and the decoded MCU stream is
// compared with what real Klipper sent (the golden streams of its regression suite).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "../common/batch_util.h"
#include "core/printer.h"
#include "mcu/dictionary.h"
#include "mcu/msgblock.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;

const std::string kShared = KPP_SHARED_DIR;
const std::string kDict = kShared + "/golden/klipper/dict/atmega2560.dict";

test::BatchRun run_batch(const std::string& cfg_text, const std::string& gcode) {
  return test::run_batch(cfg_text, gcode, kDict);
}

std::vector<std::string> golden_lines(const std::string& rel) {
  std::vector<std::string> out;
  gzFile gz = gzopen((kShared + "/golden/klipper/" + rel).c_str(), "rb");
  if (!gz) return out;
  char buf[4096];
  while (gzgets(gz, buf, sizeof(buf))) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    out.push_back(line);
  }
  gzclose(gz);
  return out;
}

std::string rail(const std::string& name, const std::string& step, const std::string& dir,
                 const std::string& enable, const std::string& endstop, double rotation,
                 double position_endstop = 0., bool homing_speed = true) {
  return fmt::format(
      "[{}]\nstep_pin: {}\ndir_pin: {}\nenable_pin: {}\nrotation_distance: {}\nmicrosteps: 16\n"
      "endstop_pin: {}\nposition_endstop: {}\nposition_max: 200\n{}",
      name, step, dir, enable, rotation, endstop, position_endstop,
      homing_speed ? "homing_speed: 50\n" : "");
}

// The test/klippy/bed_screws.cfg printer without its bed_screws section.
std::string cartesian_cfg(const std::string& kinematics = "cartesian") {
  return rail("stepper_x", "PF0", "PF1", "!PD7", "^PE5", 40) +
         rail("stepper_y", "PF6", "!PF7", "!PF2", "^PJ1", 40) +
         rail("stepper_z", "PL3", "PL1", "!PK0", "^PD3", 8, 0.5, false) +
         "[mcu]\nserial: /dev/ttyACM0\n[printer]\nkinematics: " + kinematics +
         "\nmax_velocity: 300\nmax_accel: 3000\nmax_z_velocity: 5\nmax_z_accel: 100\n";
}

TEST(ToolheadBatch, CartesianG28MatchesKlipper) {
  auto run = run_batch(cartesian_cfg(), "G28\n");
  EXPECT_EQ(run.result, "exit");
  // The golden bed_screws stream starts with the same G28; everything up to the end of the
  // Z homing retract is identical, chunk for chunk.
  auto golden = golden_lines("bed_screws/bed_screws.txt.gz");
  ASSERT_GT(golden.size(), 1600u);
  auto is_end = [](const std::string& l) { return l.rfind("queue_digital_out", 0) == 0; };
  // Compare up to the final motor-off (the golden run goes on with BED_SCREWS_ADJUST).
  size_t n = 0;
  while (n < run.lines.size() && n < golden.size() && run.lines[n] == golden[n]) n++;
  ASSERT_LT(n, run.lines.size());
  EXPECT_GT(n, 1500u) << "first difference: " << run.lines[n] << " vs " << golden[n];
  // What differs is only the motor-off at the end of our shorter run.
  for (size_t i = n; i < run.lines.size(); i++) EXPECT_TRUE(is_end(run.lines[i])) << run.lines[i];
}

TEST(ToolheadBatch, MoveBeforeHomingFails) {
  auto run = run_batch(cartesian_cfg(), "G1 X10\n");
  EXPECT_EQ(run.result, "error_exit");
}

TEST(ToolheadBatch, MoveOutOfRangeFails) {
  auto run = run_batch(cartesian_cfg(), "G28\nG1 Y9999\n");
  EXPECT_EQ(run.result, "error_exit");
}

TEST(ToolheadBatch, CoreXYHomingStopsBothBelts) {
  auto run = run_batch(cartesian_cfg("corexy"), "G28 X\n");
  EXPECT_EQ(run.result, "exit");
  // The X endstop's trsync (oid 1) stops the x stepper (oid 2) and the y stepper (oid 5).
  auto has = [&](const std::string& l) {
    return std::find(run.lines.begin(), run.lines.end(), l) != run.lines.end();
  };
  EXPECT_TRUE(has("stepper_stop_on_trigger oid=2 trsync_oid=1"));
  EXPECT_TRUE(has("stepper_stop_on_trigger oid=5 trsync_oid=1"));
  // Both belts step for an X move.
  size_t x_steps = 0, y_steps = 0;
  for (auto& l : run.lines) {
    if (l.rfind("queue_step oid=2 ", 0) == 0) x_steps++;
    if (l.rfind("queue_step oid=5 ", 0) == 0) y_steps++;
  }
  EXPECT_GT(x_steps, 10u);
  EXPECT_EQ(x_steps, y_steps);
}

TEST(ToolheadBatch, ManualStepperMatchesKlipper) {
  std::string cfg =
      "[manual_stepper basic_stepper]\nstep_pin: PF0\ndir_pin: PF1\nenable_pin: !PD7\n"
      "microsteps: 16\nrotation_distance: 40\nvelocity: 7\naccel: 500\n"
      "[manual_stepper homing_stepper]\nstep_pin: PF6\ndir_pin: !PF7\nenable_pin: !PF2\n"
      "microsteps: 16\nrotation_distance: 40\nendstop_pin: ^PJ1\n"
      "[mcu]\nserial: /dev/ttyACM0\n[printer]\nkinematics: none\nmax_velocity: 300\n"
      "max_accel: 3000\n";
  std::string gcode =
      "MANUAL_STEPPER STEPPER=basic_stepper ENABLE=1\n"
      "MANUAL_STEPPER STEPPER=basic_stepper SET_POSITION=0\n"
      "MANUAL_STEPPER STEPPER=basic_stepper MOVE=10 SPEED=10\n"
      "MANUAL_STEPPER STEPPER=basic_stepper MOVE=5\n"
      "MANUAL_STEPPER STEPPER=basic_stepper MOVE=12 SPEED=12 ACCEL=9000.2\n"
      "MANUAL_STEPPER STEPPER=basic_stepper ENABLE=0\n";
  auto run = run_batch(cfg, gcode);
  EXPECT_EQ(run.result, "exit");
  auto golden = golden_lines("manual_stepper/manual_stepper.txt.gz");
  // The golden run's first disable of basic_stepper ends the part these commands produce.
  auto end = std::find(golden.begin(), golden.end(), "queue_digital_out oid=4 clock=42959237 on_ticks=1");
  ASSERT_NE(end, golden.end());
  std::vector<std::string> expect(golden.begin(), end + 1);
  EXPECT_EQ(run.lines, expect);
}


}  // namespace
}  // namespace kpp

namespace kpp {
namespace {

// An example config of Klipper's without the sections of other modules (extruder, heaters,
// fan, calibration): its steppers get the same oids as in the golden stream.
std::string example_without_extras(const std::string& name) {
  std::ifstream f(kShared + "/klipper/config/" + name + ".cfg");
  std::string out, line;
  bool skip = false;
  while (std::getline(f, line)) {
    if (!line.empty() && line[0] == '[')
      skip = line.rfind("[extruder]", 0) == 0 || line.rfind("[heater_bed]", 0) == 0 ||
             line.rfind("[fan]", 0) == 0 || line.rfind("[delta_calibrate]", 0) == 0;
    if (!skip) out += line + "\n";
  }
  return out;
}

std::vector<std::string> oid_lines(const std::vector<std::string>& lines, int oid) {
  std::vector<std::string> out;
  std::string tag = fmt::format(" oid={} ", oid);
  for (auto& l : lines)
    if ((l.rfind("queue_step", 0) == 0 || l.rfind("set_next_step_dir", 0) == 0) &&
        l.find(tag) != std::string::npos)
      out.push_back(l);
  return out;
}

// The moves of test/klippy/move.gcode before its first extrusion.
const char* kMovesBeforeExtrusion =
    "G28\nG90\nG1 F6000\nG1 Z1\nG1 X1\nG1 Y1\nG1 Y2\nG4 P100\nG1 Y1.5\nM400\nG1 Y1\n"
    "G1 X0 Y0\nG1 X1 Z2\nG1 X0 Y1 Z1\n";

class KinematicsGolden : public ::testing::TestWithParam<const char*> {};

// Homing and the first moves of printers.test: every stepper's commands equal real Klipper's
// (up to the last few, which end differently because our run stops there).
TEST_P(KinematicsGolden, StepsMatchKlipper) {
  std::string name = GetParam();
  auto run = run_batch(example_without_extras(name), kMovesBeforeExtrusion);
  EXPECT_EQ(run.result, "exit");
  auto golden = golden_lines("printers/" + name + ".txt.gz");
  ASSERT_FALSE(golden.empty());
  for (int oid : {2, 5, 8}) {
    auto ours = oid_lines(run.lines, oid), ref = oid_lines(golden, oid);
    ASSERT_GT(ours.size(), 20u) << "oid " << oid;
    ASSERT_LE(ours.size(), ref.size());
    for (size_t i = 0; i + 4 < ours.size(); i++)
      ASSERT_EQ(ours[i], ref[i]) << name << " oid " << oid << " command " << i;
  }
}

// The last steps of a homing move: Klipper's drip mode flushes at the move end minus the
// kinematic flush delay, so on generic-bigtreetech-skr-v1.1 the final two X and Y homing
// steps (0.9 ms and 1.6 ms before the end) go out as two commands, not one.
TEST(ToolheadBatch, HomingMoveEndSplitsLikeKlipper) {
  std::ifstream f(kShared + "/klipper/config/generic-bigtreetech-skr-v1.1.cfg");
  std::string cfg((std::istreambuf_iterator<char>(f)), {});
  std::ifstream g(kShared + "/klipper/test/klippy/move.gcode");
  std::string gcode((std::istreambuf_iterator<char>(g)), {});
  auto run = test::run_batch(cfg, gcode, kShared + "/golden/klipper/dict/lpc176x.dict");
  EXPECT_EQ(run.result, "exit") << run.state;
  auto golden = golden_lines("printers/generic-bigtreetech-skr-v1.1.txt.gz");
  for (int oid : {2, 5}) {
    auto ours = oid_lines(run.lines, oid), ref = oid_lines(golden, oid);
    ASSERT_GT(ref.size(), 100u);
    EXPECT_EQ(ours, ref) << "oid " << oid;
  }
  auto x = oid_lines(run.lines, 2);
  auto it = std::find(x.begin(), x.end(), "queue_step oid=2 interval=46121 count=1 add=0");
  ASSERT_NE(it, x.end());
  EXPECT_EQ(*(it + 1), "queue_step oid=2 interval=66827 count=1 add=0");
}

// Winch: G28 only declares the origin (no endstops); the four cables' steps for the first
// moves of printers.test equal Klipper's.
TEST(ToolheadBatch, WinchStepsMatchKlipper) {
  auto run = run_batch(example_without_extras("example-winch"), kMovesBeforeExtrusion);
  EXPECT_EQ(run.result, "exit");
  auto golden = golden_lines("printers/example-winch.txt.gz");
  for (int oid : {0, 1, 2, 3}) {
    auto ours = oid_lines(run.lines, oid), ref = oid_lines(golden, oid);
    ASSERT_GT(ours.size(), 5u) << "oid " << oid;
    for (size_t i = 0; i + 4 < ours.size(); i++)
      ASSERT_EQ(ours[i], ref[i]) << "oid " << oid << " command " << i;
  }
}

// example-corexz is left out: Klipper's own command chunking for it differs from run to run
// (the golden README classes it "multiset"); the full regression case compares it that way.
INSTANTIATE_TEST_SUITE_P(Examples, KinematicsGolden,
                         ::testing::Values("example-cartesian", "example-corexy",
                                           "example-hybrid-corexy",
                                           "example-hybrid-corexz", "example-delta",
                                           "example-rotary-delta", "example-deltesian"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

// Polar: G28 homes the arm (X and Y together) and Z exactly as Klipper does;
// moves before homing or beyond the arm's reach fail.
TEST(ToolheadBatch, PolarHomingMatchesKlipper) {
  std::string cfg = example_without_extras("example-polar");
  auto run = run_batch(cfg, "G28\n");
  EXPECT_EQ(run.result, "exit");
  auto golden = golden_lines("polar/example-polar.txt.gz");
  for (int oid : {3, 6}) {  // arm, z
    auto ours = oid_lines(run.lines, oid), ref = oid_lines(golden, oid);
    ASSERT_GT(ours.size(), 5u) << "oid " << oid;
    for (size_t i = 0; i + 4 < ours.size(); i++)
      ASSERT_EQ(ours[i], ref[i]) << "oid " << oid << " command " << i;
  }
  EXPECT_EQ(run_batch(cfg, "G1 X10 Y0\n").result, "error_exit");
  EXPECT_EQ(run_batch(cfg, "G28\nG1 X300 Y10\n").result, "error_exit");
}

}  // namespace
}  // namespace kpp

namespace kpp {
namespace {

// [homing_override]: G28 runs the template (whose own G28s home normally) when it homes one
// of `axes` or names no axis; set_position_z marks Z homed first, so the template may move it.
TEST(ToolheadBatch, HomingOverride) {
  std::string cfg = cartesian_cfg() +
                    "[homing_override]\naxes: z\nset_position_z: 0\n"
                    "gcode:\n  G28 X\n  G28 Y\n  G1 Z2 F300\n";
  auto over = run_batch(cfg, "G28\n");
  ASSERT_EQ(over.result, "exit");
  auto plain = run_batch(cartesian_cfg(), "G28 X\nG28 Y\n");
  ASSERT_EQ(plain.result, "exit");
  // Rails get oids in order (endstop, trsync, stepper): x stepper 2, y 5, z 8.
  EXPECT_FALSE(oid_lines(over.lines, 2).empty());
  EXPECT_EQ(oid_lines(over.lines, 2), oid_lines(plain.lines, 2));
  EXPECT_EQ(oid_lines(over.lines, 5), oid_lines(plain.lines, 5));
  // Z was not homed (no endstop stop for it) but moved 2 mm: 2 / 8 * 3200 = 800 steps.
  for (auto& l : over.lines) EXPECT_NE(l, "stepper_stop_on_trigger oid=8 trsync_oid=7");
  size_t z_steps = 0;
  for (auto& l : oid_lines(over.lines, 8)) {
    auto c = l.find(" count=");
    if (c != std::string::npos) z_steps += std::stoul(l.substr(c + 7));
  }
  EXPECT_EQ(z_steps, 800u);

  // G28 X does not home an overridden axis: the normal homing, no template.
  auto x_only = run_batch(cfg, "G28 X\n");
  ASSERT_EQ(x_only.result, "exit");
  EXPECT_TRUE(oid_lines(x_only.lines, 5).empty());
  EXPECT_TRUE(oid_lines(x_only.lines, 8).empty());
  // Without set_position_z the template's Z move fails (Z not homed).
  auto unhomed = run_batch(cartesian_cfg() + "[homing_override]\ngcode:\n  G1 Z2\n", "G28\n");
  EXPECT_EQ(unhomed.result, "error_exit");
}

}  // namespace
}  // namespace kpp
