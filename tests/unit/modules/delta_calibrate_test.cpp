// Delta geometry fitting (host/modules/delta_calibration.h) and DELTA_CALIBRATE/DELTA_ANALYZE
// through the whole host.
#include "modules/delta_calibration.h"

#include <gtest/gtest.h>

#include <cmath>

#include "leveling_batch.h"

namespace kpp {
namespace {

const std::array<double, 3> kStep = {0.0125, 0.0125, 0.0125};

DeltaCalibration nominal() {
  return DeltaCalibration(174.75, {210., 330., 90.}, {333., 333., 333.}, {297.05, 297.05, 297.05},
                          kStep);
}

TEST(DeltaCalibration, StablePositionRoundTrip) {
  DeltaCalibration c = nominal();
  for (Pos3 p : {Pos3{0., 0., 0.}, Pos3{40., -30., 5.}, Pos3{-70., 20., 100.}}) {
    Pos3 back = c.get_position_from_stable(c.calc_stable_position(p));
    for (int i = 0; i < 3; i++) EXPECT_NEAR(back[i], p[i], 1e-9);
  }
  // Higher positions are fewer steps from the endstops.
  EXPECT_GT(c.calc_stable_position({0., 0., 0.})[0], c.calc_stable_position({0., 0., 10.})[0]);
}

TEST(DeltaCalibration, FitRecoversTheRealGeometryFromBedHeights) {
  // The real printer differs from the configured one; probing the flat bed (z=0 really) at
  // seven points gives heights 0 at the stable positions the real geometry implies.
  DeltaCalibration real(175.5, {210.4, 329.7, 90.}, {333., 333., 333.}, {297.35, 296.85, 297.15},
                        kStep);
  std::vector<DeltaHeight> heights;
  for (auto [x, y] : {std::pair{0., 0.}, {0., 80.}, {-69., 40.}, {-60., -34.6}, {0., -56.},
                      {52., -30.}, {69.3, 40.}})
    heights.push_back({0., real.calc_stable_position({x, y, 0.})});
  DeltaCalibration fit = fit_delta_calibration(nominal(), heights, heights.size(), {});
  // Every probed point is at z=0 under the fitted geometry.
  for (const DeltaHeight& h : heights) EXPECT_NEAR(fit.get_position_from_stable(h.pos)[2], 0., 2e-3);
  EXPECT_NEAR(fit.radius(), 175.5, 0.2);
  for (int i = 0; i < 3; i++) EXPECT_NEAR(fit.endstops()[i], real.endstops()[i], 0.05) << i;
  EXPECT_NEAR(fit.angles()[0], 210.4, 0.2);
  EXPECT_NEAR(fit.angles()[1], 329.7, 0.2);
  EXPECT_EQ(fit.angles()[2], 90.);  // never adjusted
  EXPECT_EQ(fit.arms()[0], 333.);   // only adjusted with distance measurements
}

TEST(DeltaCalibration, MeasurementsGiveTwelveDistances) {
  DeltaCalibration c = nominal();
  auto d = delta_measurements_to_distances({74, 74, 74, 74, 74, 74}, {9, 9, 9},
                                           {74, 74, 74, 74, 74, 74}, {9, 9, 9, 9, 9, 9}, 1., c);
  ASSERT_EQ(d.size(), 12u);
  // Centre ridge (4.5 mm out) to outer ridge (69.5 mm out) along one spoke: 65 mm apart.
  Pos3 a = c.get_position_from_stable(d[0].pos1), b = c.get_position_from_stable(d[0].pos2);
  EXPECT_NEAR(std::hypot(a[0] - b[0], a[1] - b[1]), 65., 1e-9);
  EXPECT_EQ(d[0].dist, 65.);
  EXPECT_EQ(d[6].dist, 65.);
}

const std::string kDelta = R"([stepper_a]
step_pin: PF0
dir_pin: PF1
enable_pin: !PD7
microsteps: 16
rotation_distance: 40
endstop_pin: ^PE5
homing_speed: 50
position_endstop: 297.05
arm_length: 333.0
[stepper_b]
step_pin: PF6
dir_pin: PF7
enable_pin: !PF2
microsteps: 16
rotation_distance: 40
endstop_pin: ^PJ1
[stepper_c]
step_pin: PL3
dir_pin: PL1
enable_pin: !PK0
microsteps: 16
rotation_distance: 40
endstop_pin: ^PD3
[mcu]
serial: /dev/ttyACM0
[printer]
kinematics: delta
max_velocity: 300
max_accel: 3000
max_z_velocity: 150
delta_radius: 174.75
[delta_calibrate]
radius: 50
)";

TEST(DeltaCalibrate, ManualCalibrationAndAnalyze) {
  std::string probes;
  for (int i = 0; i < 7; i++) probes += "G1 Z0.1\nACCEPT\n";
  auto run = test::run_leveling(
      kDelta, "G28\nDELTA_CALIBRATE METHOD=manual\n" + probes +
                  "DELTA_ANALYZE CENTER_DISTS=74,74,74,74,74,74\nDELTA_ANALYZE SCALE=1\n"
                  "DELTA_ANALYZE CALIBRATE=extended\nDELTA_ANALYZE OUTER_DISTS=1,2\n"
                  "DELTA_ANALYZE MANUAL_HEIGHT=3\n");
  // All seven points 0.1 high: the endstops come down by about 0.1.
  auto report = run.with("// stepper_a: position_endstop:");
  ASSERT_EQ(report.size(), 1u) << ::testing::PrintToString(run.out);
  double endstop_a = std::stod(report[0].substr(report[0].find("position_endstop: ") + 18));
  EXPECT_NEAR(endstop_a, 296.95, 0.02);
  EXPECT_EQ(run.with("// The SAVE_CONFIG command").size(), 1u);
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{
                                "!! Not all measurements provided",
                                "!! Parameter 'OUTER_DISTS' must have 6 values"}));
  EXPECT_EQ(run.with("// Adding manual height:").size(), 1u);
}

TEST(DeltaCalibrate, OnlyForDeltaPrinters) {
  auto run = test::run_leveling(test::cartesian_config(test::kEndstopZ) +
                                    "[delta_calibrate]\nradius: 50\n",
                                "");
  ASSERT_FALSE(run.out.empty());
  EXPECT_NE(run.out.back().find("Delta calibrate is only for delta printers"), std::string::npos);
}

}  // namespace
}  // namespace kpp
