// Watermark and PID control: the exact arithmetic of one step, and closed loop behaviour on a
// thermal model.
#include <gtest/gtest.h>

#include <cmath>

#include "modules/heater_control.h"
#include "thermal_model.h"

namespace kpp {
namespace {

using test::RecordingSink;
using test::ThermalModel;

TEST(Watermark, HysteresisAroundTarget) {
  RecordingSink sink;
  ControlWatermark c(sink, 0.8, 2.0);
  c.temperature_update(0., 50., 60.);
  EXPECT_EQ(sink.last, 0.8);  // below target - delta: heat at max_power
  c.temperature_update(1., 61., 60.);
  EXPECT_EQ(sink.last, 0.8);  // keeps heating inside the band
  c.temperature_update(2., 62., 60.);
  EXPECT_EQ(sink.last, 0.);  // reached target + delta
  c.temperature_update(3., 59., 60.);
  EXPECT_EQ(sink.last, 0.);  // stays off inside the band
  c.temperature_update(4., 58., 60.);
  EXPECT_EQ(sink.last, 0.8);
  EXPECT_TRUE(c.check_busy(0., 57.9, 60.));
  EXPECT_FALSE(c.check_busy(0., 58., 60.));
}

TEST(Pid, OneStepArithmetic) {
  RecordingSink sink;
  // Gains as configured; internally divided by 255.
  ControlPid pid(sink, 1.0, {22.2, 1.08, 114.}, 1.0);
  // First reading at t=2 s: derivative over the 2 s since "25 C at t=0".
  pid.temperature_update(2., 30., 100.);
  double kp = 22.2 / 255., ki = 1.08 / 255., kd = 114. / 255.;
  double deriv = (30. - 25.) / 2.;
  double integ = std::min((100. - 30.) * 2., 1.0 / ki);
  double co = kp * 70. + ki * integ - kd * deriv;
  // 70 K of error saturates the output: the integral is not stored.
  EXPECT_DOUBLE_EQ(sink.last, std::clamp(co, 0., 1.));
  EXPECT_DOUBLE_EQ(pid.derivative(), deriv);
  EXPECT_EQ(pid.integral(), co > 1.0 ? 0. : integ);
}

TEST(Pid, DerivativeSmoothing) {
  RecordingSink sink;
  ControlPid pid(sink, 1.0, {0., 0., 0.}, 1.0);
  pid.temperature_update(5., 25., 0.);  // deriv 0 over 5 s
  pid.temperature_update(5.3, 26., 0.);  // 1 K in 0.3 s, averaged over 1 s
  EXPECT_NEAR(pid.derivative(), (0. * 0.7 + 1.) / 1.0, 1e-12);
  pid.temperature_update(5.6, 26., 0.);
  EXPECT_NEAR(pid.derivative(), 1. * 0.7 / 1.0, 1e-12);
}

TEST(Pid, IntegralIsClampedToMaxPower) {
  RecordingSink sink;
  ControlPid pid(sink, 0.5, {0., 10., 0.}, 1.0);
  // Small error for a long time: the integral stops at max_power / Ki.
  double t = 0.;
  for (int i = 0; i < 1000; i++) pid.temperature_update(t += 1., 99., 100.);
  EXPECT_NEAR(pid.integral(), 0.5 / (10. / 255.), 1e-9);
  EXPECT_NEAR(sink.last, 0.5, 1e-9);
}

TEST(Pid, ReachesAndHoldsTargetOnThermalModel) {
  ThermalModel model;
  RecordingSink sink;
  ControlPid pid(sink, 1.0, {22.2, 1.08, 114.}, 1.0);
  double t = test::run_loop(pid, sink, model, 1., 400., 210.);
  // Settled: within a degree for the next five minutes.
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 1000; i++) {
    t = test::run_loop(pid, sink, model, t, 0.3, 210.);
    lo = std::min(lo, model.sensor);
    hi = std::max(hi, model.sensor);
  }
  EXPECT_GT(lo, 209.);
  EXPECT_LT(hi, 211.);
  EXPECT_FALSE(pid.check_busy(0., model.sensor, 210.));
}

TEST(Watermark, HoldsWithinDeltaOnThermalModel) {
  ThermalModel model;
  model.capacity = 500.;  // a bed
  model.heater_power = 200.;
  model.loss = 1.0;
  model.sensor_rate = 0.5;
  RecordingSink sink;
  ControlWatermark c(sink, 1.0, 2.0);
  double t = test::run_loop(c, sink, model, 1., 1500., 60.);
  double lo = 1e9, hi = -1e9;
  for (int i = 0; i < 2000; i++) {
    t = test::run_loop(c, sink, model, t, 0.3, 60.);
    lo = std::min(lo, model.sensor);
    hi = std::max(hi, model.sensor);
  }
  EXPECT_GT(lo, 57.);
  EXPECT_LT(hi, 63.);
}

}  // namespace
}  // namespace kpp
