// Model-predictive control on a thermal model: it reaches and holds the target, corrects a wrong
// ambient estimate, accounts for a fan, and its calibration fit recovers the model.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.h"
#include "modules/heater_mpc.h"
#include "thermal_model.h"

namespace kpp {
namespace {

using test::RecordingSink;
using test::ThermalModel;

MpcModel model_of(const ThermalModel& m) {
  MpcModel mm;
  mm.heater_power = m.heater_power;
  mm.block_heat_capacity = m.capacity;
  mm.sensor_responsiveness = m.sensor_rate;
  mm.ambient_transfer = m.loss;
  return mm;
}

// Max |sensor - target| over `seconds` after `t`.
double max_deviation(HeaterControl& c, RecordingSink& sink, ThermalModel& m, double& t,
                     double seconds, double target) {
  double dev = 0.;
  for (double end = t + seconds; t < end;) {
    t = test::run_loop(c, sink, m, t, 0.3, target);
    dev = std::max(dev, std::abs(m.sensor - target));
  }
  return dev;
}

TEST(Mpc, ReachesAndHoldsTarget) {
  ThermalModel m;
  RecordingSink sink;
  ControlMpc c(sink, 1.0, model_of(m), {});
  // Full power alone needs ~125 s to 210 C on this model (time constant 200 s, 400 K span).
  double t = test::run_loop(c, sink, m, 1., 200., 210.);
  EXPECT_LT(max_deviation(c, sink, m, t, 300., 210.), 0.5);
  EXPECT_FALSE(c.check_busy(0., m.sensor, 210.));
  // Holding power: the loss at 210 C over the heater power.
  EXPECT_NEAR(sink.last, m.loss * (210. - 25.) / m.heater_power, 0.02);
}

TEST(Mpc, FasterThanPidToTarget) {
  auto time_to = [](HeaterControl& c, RecordingSink& sink, ThermalModel& m) {
    double t = 0.;
    while (std::abs(m.sensor - 210.) > 1. || c.check_busy(0., m.sensor, 210.)) {
      t = test::run_loop(c, sink, m, t, 0.3, 210.);
      if (t > 1000.) break;
    }
    return t;
  };
  ThermalModel m1, m2;
  RecordingSink s1, s2;
  ControlMpc mpc(s1, 1.0, model_of(m1), {});
  ControlPid pid(s2, 1.0, {22.2, 1.08, 114.}, 1.0);
  double t_mpc = time_to(mpc, s1, m1), t_pid = time_to(pid, s2, m2);
  EXPECT_LT(t_mpc, t_pid);
  EXPECT_LT(t_mpc, 200.);
}

TEST(Mpc, CorrectsWrongAmbientAndModel) {
  ThermalModel m;
  m.ambient = 40.;  // a warm enclosure the model does not know about
  m.block = m.sensor = 40.;
  MpcModel wrong = model_of(m);
  wrong.ambient_transfer *= 1.3;  // and a 30% error in the losses
  RecordingSink sink;
  ControlMpc c(sink, 1.0, wrong, {});
  double t = test::run_loop(c, sink, m, 1., 600., 210.);
  EXPECT_LT(max_deviation(c, sink, m, t, 300., 210.), 1.0);
}

TEST(Mpc, FanLossesAreModelled) {
  ThermalModel m;
  double fan = 0.;
  MpcModel mm = model_of(m);
  mm.fan_ambient_transfer = {0., 0.05, 0.08};  // extra W/K at fan 0, 0.5, 1
  EXPECT_NEAR(mm.transfer_at(0.25), 0.1 + 0.025, 1e-12);
  EXPECT_NEAR(mm.transfer_at(1.0), 0.1 + 0.08, 1e-12);
  RecordingSink sink;
  ControlMpc c(sink, 1.0, mm, {}, [&] { return fan; });
  double t = test::run_loop(c, sink, m, 1., 200., 210.);
  // The fan comes on: the real losses rise as modelled; the model compensates.
  fan = 1.0;
  m.loss = 0.18;
  double dev = max_deviation(c, sink, m, t, 200., 210.);
  EXPECT_LT(dev, 2.0);
  EXPECT_LT(max_deviation(c, sink, m, t, 100., 210.), 0.5);
}

TEST(Mpc, UncalibratedModelRefusesToHeat) {
  RecordingSink sink;
  MpcModel mm;
  mm.heater_power = 40.;
  ControlMpc c(sink, 1.0, mm, {});
  EXPECT_FALSE(c.calibrated());
  EXPECT_FALSE(c.not_ready_reason().empty());
  c.temperature_update(1., 25., 200.);
  EXPECT_EQ(sink.last, 0.);
}

TEST(MpcFit, RecoversModelFromHeatingCurve) {
  ThermalModel m;
  std::vector<std::pair<double, double>> samples;
  double t = 10.;
  for (; m.sensor < 200.; t += 0.3) {
    samples.emplace_back(t, m.sensor);
    for (int i = 0; i < 10; i++) m.step(0.03, 1.0);
  }
  samples.emplace_back(t, m.sensor);
  MpcFit fit = fit_mpc_heating(samples, 10., 25., 40.);
  EXPECT_NEAR(fit.time_constant, m.capacity / m.loss, 0.05 * m.capacity / m.loss);
  EXPECT_NEAR(fit.asymptotic_temp, 25. + 40. / m.loss, 20.);
  EXPECT_NEAR(fit.model.block_heat_capacity, m.capacity, 0.1 * m.capacity);
  EXPECT_NEAR(fit.model.ambient_transfer, m.loss, 0.1 * m.loss);
  EXPECT_NEAR(fit.sensor_delay, 1. / m.sensor_rate, 0.5);
}

TEST(MpcFit, RejectsCurvesThatAreNotFirstOrder) {
  std::vector<std::pair<double, double>> linear;
  for (int i = 0; i < 100; i++) linear.emplace_back(i, 25. + 2. * i);
  EXPECT_THROW(fit_mpc_heating(linear, 0., 25., 40.), CommandError);
}

}  // namespace
}  // namespace kpp
