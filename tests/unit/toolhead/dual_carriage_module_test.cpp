// [dual_carriage] on a cartesian printer through the whole host in batch mode: carriage
// switching, COPY and MIRROR modes, safe_distance limits, saved states, status and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <tuple>

#include "../common/batch_util.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {
namespace {

// test/klippy/dual_carriage.cfg without extruders and servo.
const char* kPrinter = R"([batch_test_replies]
[respond]
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
[dual_carriage]
axis: x
safe_distance: 50
step_pin: PH1
dir_pin: PH0
enable_pin: !PA1
microsteps: 16
rotation_distance: 40
endstop_pin: ^PE4
position_endstop: 200
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
[mcu]
serial: /dev/ttyACM0
[printer]
kinematics: cartesian
max_velocity: 300
max_accel: 3000
max_z_velocity: 5
max_z_accel: 100
[gcode_macro SHOW_DC]
gcode:
  RESPOND MSG="dc {printer.dual_carriage.carriage_0} {printer.dual_carriage.carriage_1} {printer.dual_carriage.carriages.dual_carriage}"
)";

struct DcRun {
  test::BatchRun batch;
  std::vector<std::string> replies;
};

DcRun run(const std::string& gcode, const std::string& cfg = kPrinter) {
  DcRun r;
  r.batch = test::run_batch(cfg, gcode);
  r.replies = r.batch.info();
  return r;
}

// Carriage positions (mm) from the "stepper:" line of the last GET_POSITION. (The stepper
// positions follow step generation: the tests switch to carriage 0 first, which flushes it.)
std::pair<double, double> carriage_positions(const DcRun& r) {
  std::regex re("stepper: stepper_x:([-0-9.]+) .*dual_carriage:([-0-9.]+)");
  std::smatch m;
  std::pair<double, double> res{-1e9, -1e9};
  for (auto& l : r.replies)
    if (std::regex_search(l, m, re)) res = {std::stod(m[1]), std::stod(m[2])};
  return res;
}

std::string first_error(const DcRun& r) {
  for (auto& m : r.replies)
    if (m.starts_with("!! ")) return m;
  return "";
}

TEST(DualCarriageModule, HomesBothCarriagesAndSwitches) {
  DcRun r = run(
      "SHOW_DC\nG28\nG1 X10 F6000\nSET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\n"
      "SET_DUAL_CARRIAGE CARRIAGE=1\nSHOW_DC\nG1 X190 F6000\nSET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\n"
      "SET_DUAL_CARRIAGE CARRIAGE=0\nG1 X20 F6000\nSET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\n");
  ASSERT_EQ(r.batch.result, "exit") << r.batch.state << first_error(r);
  std::vector<std::string> shows;
  for (auto& l : r.replies)
    if (l.starts_with("echo: dc ")) shows.push_back(l);
  ASSERT_EQ(shows.size(), 2u);
  EXPECT_EQ(shows[0], "echo: dc PRIMARY INACTIVE INACTIVE");
  EXPECT_EQ(shows[1], "echo: dc INACTIVE PRIMARY PRIMARY");
  // Each carriage moved only while active: x to 10 then 20, the dual one from 200 to 190.
  auto [x, dc] = carriage_positions(r);
  EXPECT_DOUBLE_EQ(x, 20.);
  EXPECT_DOUBLE_EQ(dc, 190.);
}

// Carriage 0 at 10, the dual carriage parked at 150.
const char* kPark = "G28\nSET_DUAL_CARRIAGE CARRIAGE=1\nG1 X150 F6000\nSET_DUAL_CARRIAGE CARRIAGE=0\nG1 X10\n";

TEST(DualCarriageModule, CopyAndMirrorFollowTheFirstCarriage) {
  DcRun copy = run(std::string(kPark) + "SET_DUAL_CARRIAGE CARRIAGE=1 MODE=COPY\nSHOW_DC\n"
                   "G1 X30\nSET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\n");
  ASSERT_EQ(copy.batch.result, "exit") << first_error(copy);
  auto [x, dc] = carriage_positions(copy);
  EXPECT_DOUBLE_EQ(x, 30.);
  EXPECT_DOUBLE_EQ(dc, 170.);
  EXPECT_NE(std::find(copy.replies.begin(), copy.replies.end(), "echo: dc PRIMARY COPY COPY"),
            copy.replies.end());
  DcRun mirror = run(std::string(kPark) + "SET_DUAL_CARRIAGE CARRIAGE=1 MODE=MIRROR\n"
                     "G1 X30\nSET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\n");
  ASSERT_EQ(mirror.batch.result, "exit") << first_error(mirror);
  std::tie(x, dc) = carriage_positions(mirror);
  EXPECT_DOUBLE_EQ(x, 30.);
  EXPECT_DOUBLE_EQ(dc, 130.);
}

TEST(DualCarriageModule, RangesKeepTheCarriagesApart) {
  // COPY: the dual carriage (at 150) may only go up to its own maximum, 200.
  EXPECT_EQ(first_error(run(std::string(kPark) + "SET_DUAL_CARRIAGE CARRIAGE=1 MODE=COPY\nG1 X61\n")),
            "!! Move out of range: 61.000 0.000 0.500 [0.000]");
  // MIRROR: they approach each other; safe_distance 50 stops them at 55 and 105.
  EXPECT_EQ(first_error(run(std::string(kPark) + "SET_DUAL_CARRIAGE CARRIAGE=1 MODE=MIRROR\nG1 X56\n")),
            "!! Move out of range: 56.000 0.000 0.500 [0.000]");
  EXPECT_EQ(first_error(run(std::string(kPark) + "SET_DUAL_CARRIAGE CARRIAGE=1 MODE=MIRROR\nG1 X55\n")),
            "");
  // PRIMARY: carriage 0 may come up to 50 below the parked one.
  EXPECT_EQ(first_error(run(std::string(kPark) + "G1 X101\n")),
            "!! Move out of range: 101.000 0.000 0.500 [0.000]");
  EXPECT_EQ(first_error(run(std::string(kPark) + "G1 X100\n")), "");
}

TEST(DualCarriageModule, SaveAndRestoreState) {
  DcRun r = run(std::string(kPark) + "SAVE_DUAL_CARRIAGE_STATE\nG1 X50\n"
                "SET_DUAL_CARRIAGE CARRIAGE=1\nG1 X170\nRESTORE_DUAL_CARRIAGE_STATE\n"
                "SET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\nSHOW_DC\n");
  ASSERT_EQ(r.batch.result, "exit") << first_error(r);
  auto [x, dc] = carriage_positions(r);
  EXPECT_DOUBLE_EQ(x, 10.);
  EXPECT_DOUBLE_EQ(dc, 150.);
  EXPECT_EQ(r.replies.back(), "echo: dc PRIMARY INACTIVE INACTIVE");
  // MOVE=0 restores the modes only.
  r = run(std::string(kPark) + "SAVE_DUAL_CARRIAGE_STATE NAME=s\nSET_DUAL_CARRIAGE CARRIAGE=1\n"
          "G1 X170\nRESTORE_DUAL_CARRIAGE_STATE NAME=s MOVE=0\nSET_DUAL_CARRIAGE CARRIAGE=0\nGET_POSITION\nSHOW_DC\n");
  ASSERT_EQ(r.batch.result, "exit") << first_error(r);
  std::tie(x, dc) = carriage_positions(r);
  EXPECT_DOUBLE_EQ(x, 10.);
  EXPECT_DOUBLE_EQ(dc, 170.);
  EXPECT_EQ(r.replies.back(), "echo: dc PRIMARY INACTIVE INACTIVE");
}

TEST(DualCarriageModule, ModeErrors) {
  EXPECT_EQ(first_error(run("SET_DUAL_CARRIAGE CARRIAGE=1 MODE=COPY\n")),
            "!! Axis X must be homed prior to enabling mode=COPY");
  EXPECT_EQ(first_error(run("G28\nSET_DUAL_CARRIAGE CARRIAGE=0 MODE=MIRROR\n")),
            "!! Must activate another carriage as PRIMARY first");
  EXPECT_EQ(first_error(run("SET_DUAL_CARRIAGE CARRIAGE=2\n")), "!! Invalid CARRIAGE=2 index");
  EXPECT_EQ(first_error(run("SET_DUAL_CARRIAGE CARRIAGE=foo\n")),
            "!! Invalid CARRIAGE=foo specified");
  EXPECT_EQ(first_error(run("SET_DUAL_CARRIAGE CARRIAGE=1 MODE=SIDEWAYS\n")),
            "!! Invalid mode=SIDEWAYS specified");
  EXPECT_EQ(first_error(run("SET_DUAL_CARRIAGE MODE=COPY\n")), "!! CARRIAGE must be specified");
  EXPECT_EQ(first_error(run("SET_DUAL_CARRIAGE CARRIAGE=0 MODE=INACTIVE\n")),
            "!! Cannot deactivate the only active carriage for axis X");
  EXPECT_EQ(first_error(run("RESTORE_DUAL_CARRIAGE_STATE NAME=nope\n")),
            "!! Unknown DUAL_CARRIAGE state: nope");
}

}  // namespace
}  // namespace kpp
