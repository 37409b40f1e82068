// Polar kinematics in batch mode: the max_angular_velocity limit slows moves that pass near
// the bed's centre (speed and acceleration scaled by the distance of the segment from the
// centre), as real Klipper does in test/klippy/polar.test.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "../common/batch_util.h"

namespace kpp {
namespace {

// example-polar.cfg without extruder, heaters and fan; the arm has 80 steps/mm.
std::string polar_cfg(double max_angular_velocity) {
  return "[stepper_bed]\nstep_pin: PF0\ndir_pin: PF1\nenable_pin: !PD7\nmicrosteps: 16\n"
         "gear_ratio: 80:16\n"
         "[stepper_arm]\nstep_pin: PF6\ndir_pin: PF7\nenable_pin: !PF2\nmicrosteps: 16\n"
         "rotation_distance: 40\nendstop_pin: ^PJ1\nposition_endstop: 300\n"
         "position_max: 300\nhoming_speed: 50\n"
         "[stepper_z]\nstep_pin: PL3\ndir_pin: PL1\nenable_pin: !PK0\nmicrosteps: 16\n"
         "rotation_distance: 8\nendstop_pin: ^PD3\nposition_endstop: 0.5\nposition_max: 200\n"
         "[mcu]\nserial: /dev/ttyACM0\n"
         "[printer]\nkinematics: polar\nmax_velocity: 300\nmax_accel: 3000\n"
         "max_z_velocity: 25\nmax_z_accel: 30\nmax_angular_velocity: " +
         std::to_string(max_angular_velocity) + "\n";
}

constexpr int kArmOid = 3;  // bed stepper 0, arm endstop 1, trsync 2, arm stepper 3

std::vector<std::string> arm_steps(const test::BatchRun& run) {
  std::vector<std::string> out;
  for (auto& l : test::lines_with(run, "queue_step oid=" + std::to_string(kArmOid) + " "))
    out.push_back(l);
  return out;
}

// The arm's cruising step interval in the moves after homing: the mean interval of the
// longest queue_step run (the cruise of the longest move).
double cruise_interval_after_homing(const std::string& cfg, const std::string& moves) {
  size_t homing = arm_steps(test::run_batch(cfg, "G28\n")).size();
  auto steps = arm_steps(test::run_batch(cfg, "G28\n" + moves));
  EXPECT_GT(steps.size(), homing + 10) << moves;
  long best_count = 0;
  double mean = 0.;
  static const std::regex re(R"(interval=(\d+) count=(\d+) add=(-?\d+))");
  // Skip a few commands: the tail of the homing stream depends on what follows it.
  for (size_t i = homing + 4; i < steps.size(); i++) {
    std::smatch m;
    if (!std::regex_search(steps[i], m, re)) continue;
    long interval = std::stol(m[1]), count = std::stol(m[2]), add = std::stol(m[3]);
    if (count > best_count) {
      best_count = count;
      mean = interval + add * (count - 1) / 2.;
    }
  }
  return mean;
}

// The arm cruises at `mm_s` (16 MHz ticks, 80 steps/mm; within 1%).
void expect_cruise(const std::string& cfg, const std::string& moves, double mm_s) {
  double ticks = 16e6 / (mm_s * 80.);
  EXPECT_NEAR(cruise_interval_after_homing(cfg, moves), ticks, ticks * .01) << moves;
}

TEST(PolarKin, MovesNearTheCentreAreScaledByTheirDistanceToIt) {
  // max_angular_velocity 5 rad/s, requested 100 mm/s: a segment that comes within d mm of the
  // centre would turn the bed at 100/d rad/s, so max_velocity (300) is scaled by 5*d/100:
  // 15 mm/s at d=1, 30 mm/s at d=2 (as in real Klipper's polar.test output).
  std::string cfg = polar_cfg(5.);
  expect_cruise(cfg, "G1 F6000\nG1 X1\n", 15.);
  expect_cruise(cfg, "G1 F6000\nG1 X2\n", 30.);
  // A move that stays far from the centre keeps its requested speed.
  expect_cruise(cfg, "G1 F6000\nG1 X100\n", 100.);
}

TEST(PolarKin, ZeroMaxAngularVelocityDisablesTheLimit) {
  expect_cruise(polar_cfg(0.), "G1 F6000\nG1 X1\n", 100.);
}

}  // namespace
}  // namespace kpp
