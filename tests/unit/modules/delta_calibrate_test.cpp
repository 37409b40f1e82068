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
  auto fitted = fit_delta_geometry(nominal(), heights, heights.size(), {});
  const auto& fit = dynamic_cast<const DeltaCalibration&>(*fitted);
  // Every probed point is at z=0 under the fitted geometry.
  for (const DeltaHeight& h : heights) EXPECT_NEAR(fit.get_position_from_stable(h.pos)[2], 0., 2e-3);
  EXPECT_NEAR(fit.radius(), 175.5, 0.2);
  for (int i = 0; i < 3; i++) EXPECT_NEAR(fit.endstops()[i], real.endstops()[i], 0.05) << i;
  EXPECT_NEAR(fit.angles()[0], 210.4, 0.2);
  EXPECT_NEAR(fit.angles()[1], 329.7, 0.2);
  EXPECT_EQ(fit.angles()[2], 90.);  // never adjusted
  EXPECT_EQ(fit.arms()[0], 333.);   // only adjusted with distance measurements
}

// The test/klippy/rotary_delta_calibrate.cfg geometry (angles in degrees, step distances in
// radians: 200 steps, 16 microsteps, gear ratio 107:16 and 60:16).
const double kRotaryStep = 2. * M_PI / (200. * 16. * 107. / 16. * 60. / 16.);
RotaryDeltaCalibration rotary_nominal() {
  return RotaryDeltaCalibration(33.9, 412.9, {30., 150., 270.}, {170., 170., 170.},
                                {320., 320., 320.}, {252., 252., 252.},
                                {kRotaryStep, kRotaryStep, kRotaryStep});
}

TEST(RotaryDeltaCalibration, StablePositionRoundTrip) {
  RotaryDeltaCalibration c = rotary_nominal();
  for (Pos3 p : {Pos3{0., 0., 0.}, Pos3{40., -30., 5.}, Pos3{-50., 20., 100.}}) {
    Pos3 back = c.get_position_from_stable(c.calc_stable_position(p));
    for (int i = 0; i < 3; i++) EXPECT_NEAR(back[i], p[i], 1e-7);
  }
  // The endstop position (effector centred at the endstop height) is 0 steps from each
  // endstop; lower positions are more steps away.
  StablePos top = c.calc_stable_position({0., 0., 252.});
  for (int i = 0; i < 3; i++) EXPECT_NEAR(top[i], 0., 1e-6);
  EXPECT_GT(c.calc_stable_position({0., 0., 0.})[0], c.calc_stable_position({0., 0., 10.})[0]);
}

TEST(RotaryDeltaCalibration, ParamsRoundTripAndSaveConfig) {
  RotaryDeltaCalibration c = rotary_nominal();
  FitParams p = c.params();
  EXPECT_EQ(p.at("shoulder_height"), 412.9);
  EXPECT_EQ(p.at("upper_arm_b"), 170.);
  EXPECT_EQ(p.at("stepdist_c"), kRotaryStep);
  p["endstop_b"] = 251.5;
  auto moved = c.with_params(p);
  // Tower b's endstop is lower: the same stable position is 0.5 mm lower under it, roughly.
  StablePos s = c.calc_stable_position({0., 0., 100.});
  EXPECT_LT(moved->get_position_from_stable(s)[2], 100.);
  EXPECT_EQ(c.adjusted_params(false),
            (std::vector<std::string>{"shoulder_height", "endstop_a", "endstop_b", "endstop_c"}));
  EXPECT_EQ(c.adjusted_params(true).size(), 7u);
  auto settings = moved->config_settings();
  ASSERT_EQ(settings.size(), 8u);
  EXPECT_EQ(settings[0].option, "shoulder_radius");
  EXPECT_EQ(settings[1].value, "412.900000");
  EXPECT_EQ(settings[4].section, "stepper_b");
  EXPECT_EQ(settings[5].option, "position_endstop");
  EXPECT_EQ(settings[5].value, "251.500000");
  EXPECT_NE(moved->report().find("stepper_b: position_endstop: 251.500000 angle: 150.000000"),
            std::string::npos);
}

TEST(RotaryDeltaCalibration, FitRecoversShoulderHeightAndEndstops) {
  RotaryDeltaCalibration real(33.9, 413.4, {30., 150., 270.}, {170., 170., 170.},
                              {320., 320., 320.}, {252.3, 251.8, 252.1},
                              {kRotaryStep, kRotaryStep, kRotaryStep});
  std::vector<DeltaHeight> heights;
  for (auto [x, y] : {std::pair{0., 0.}, {0., 47.5}, {-39., 22.5}, {-36.8, -21.3}, {0., -35.},
                      {32.5, -18.8}, {34.6, 20.}})
    heights.push_back({0., real.calc_stable_position({x, y, 0.})});
  auto fit = fit_delta_geometry(rotary_nominal(), heights, heights.size(), {});
  // Shoulder height and endstops are strongly coupled, so the descent ends close to (not on)
  // the real geometry: the probed points, up to 0.5 mm off before, are flat within 10 um.
  double worst_before = 0.;
  for (const DeltaHeight& h : heights) {
    double before = rotary_nominal().get_position_from_stable(h.pos)[2];
    worst_before = std::max(worst_before, std::fabs(before));
    EXPECT_NEAR(fit->get_position_from_stable(h.pos)[2], 0., 1e-2);
  }
  EXPECT_GT(worst_before, 0.2);
  // Only shoulder_height and the endstops are adjusted without distance measurements.
  FitParams p = fit->params();
  EXPECT_EQ(p.at("shoulder_radius"), 33.9);
  EXPECT_EQ(p.at("angle_a"), 30.);
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
  ASSERT_EQ(report.size(), 1u) << ::testing::PrintToString(run.replies);
  double endstop_a = std::stod(report[0].substr(report[0].find("position_endstop: ") + 18));
  EXPECT_NEAR(endstop_a, 296.95, 0.02);
  EXPECT_EQ(run.with("// The SAVE_CONFIG command").size(), 1u);
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{
                                "!! Not all measurements provided",
                                "!! Parameter 'OUTER_DISTS' must have 6 values"}));
  EXPECT_EQ(run.with("// Adding manual height:").size(), 1u);
}

// test/klippy/rotary_delta_calibrate.cfg with the probe heights of its saved calibration (the
// extended fit uses the heights stored in the config, as in Klipper).
const std::string kRotaryDelta = R"([stepper_a]
step_pin: PF0
dir_pin: PF1
enable_pin: !PD7
microsteps: 16
gear_ratio: 107.000:16, 60:16
endstop_pin: ^PE4
homing_speed: 50
position_endstop: 252
upper_arm_length: 170.000
lower_arm_length: 320.000
[stepper_b]
step_pin: PF6
dir_pin: PF7
enable_pin: !PF2
microsteps: 16
gear_ratio: 107.000:16, 60:16
endstop_pin: ^PJ0
[stepper_c]
step_pin: PL3
dir_pin: PL1
enable_pin: !PK0
microsteps: 16
gear_ratio: 107.000:16, 60:16
endstop_pin: ^PD2
[mcu]
serial: /dev/ttyACM0
[printer]
kinematics: rotary_delta
max_velocity: 300
max_accel: 3000
max_z_velocity: 50
shoulder_radius: 33.9
shoulder_height: 412.9
[delta_calibrate]
radius: 50
height0 = 0.0
height0_pos = 162606.000,162606.000,162605.000
height1 = 0.0
height1_pos = 157814.000,157814.000,177775.000
height2 = 0.0
height2_pos = 170956.000,151002.000,170956.000
height3 = 0.0
height3_pos = 176042.000,158122.000,158122.000
height4 = 0.0
height4_pos = 168774.000,168774.000,153337.000
height5 = 0.0
height5_pos = 158477.000,174341.000,158477.000
height6 = 0.0
height6_pos = 152152.000,169841.000,169841.000
)";

TEST(DeltaCalibrate, RotaryDeltaManualCalibrationAndAnalyze) {
  std::string probes;
  for (int i = 0; i < 7; i++) probes += "G1 Z0.1\nACCEPT\n";
  auto run = test::run_leveling(
      kRotaryDelta, "G28\nDELTA_CALIBRATE METHOD=manual\n" + probes +
                        "DELTA_ANALYZE CENTER_DISTS=74,74,74,74,74,74\n"
                        "DELTA_ANALYZE OUTER_DISTS=74,74,74,74,74,74\n"
                        "DELTA_ANALYZE CENTER_PILLAR_WIDTHS=9,9,9\n"
                        "DELTA_ANALYZE OUTER_PILLAR_WIDTHS=9,9,9,9,9,9\n"
                        "DELTA_ANALYZE SCALE=1\nDELTA_ANALYZE CALIBRATE=extended\n");
  EXPECT_TRUE(run.with("!!").empty()) << ::testing::PrintToString(run.with("!!"));
  // Both the basic and the extended fit (from the stored heights) report the rotary
  // parameters.
  auto report = run.with("// stepper_a: position_endstop:");
  ASSERT_EQ(report.size(), 2u) << ::testing::PrintToString(run.replies);
  // All seven points 0.1 high: the endstops come down (shoulder_height takes part of it).
  double endstop_a = std::stod(report[0].substr(report[0].find("position_endstop: ") + 18));
  EXPECT_LT(endstop_a, 251.99);
  EXPECT_GT(endstop_a, 251.85);
  EXPECT_NE(report[0].find("shoulder_height: "), std::string::npos);
  EXPECT_EQ(run.with("// The SAVE_CONFIG command").size(), 2u);
}

TEST(DeltaCalibrate, OnlyForDeltaPrinters) {
  auto run = test::run_leveling(test::cartesian_config(test::kEndstopZ) +
                                    "[delta_calibrate]\nradius: 50\n",
                                "");
  ASSERT_FALSE(run.replies.empty());
  EXPECT_NE(run.replies.back().find("Delta calibrate is only for delta printers"), std::string::npos);
}

}  // namespace
}  // namespace kpp
