// verify_heater's checks on a thermal model in virtual time: a working heater passes, a heater
// that cannot heat and a sensor that fell off are caught within the configured limits.
#include <gtest/gtest.h>

#include "modules/verify_heater.h"
#include "thermal_model.h"

namespace kpp {
namespace {

using test::RecordingSink;
using test::ThermalModel;

// Heat towards `target` with PID, checking once a second; returns the time of the first
// failure, or -1.
double first_failure(ThermalModel& model, double target, double seconds,
                     HeaterVerifier::Params params, double fail_at = 1e9,
                     bool sensor_falls_off = false) {
  RecordingSink sink;
  ControlPid pid(sink, 1.0, {22.2, 1.08, 114.}, 1.0);
  HeaterVerifier v(params);
  double t = 0.;
  for (int s = 0; s < seconds; s++) {
    if (t >= fail_at) {
      if (sensor_falls_off)
        model.sensor = model.ambient;  // the thermistor now reads room temperature
      else
        model.heater_connected = false;
    }
    double reading = model.sensor;
    if (!v.check(t, reading, target)) return t;
    t = test::run_loop(pid, sink, model, t, 1.0, target);
    if (sensor_falls_off && t >= fail_at) model.sensor = model.ambient;
  }
  return -1.;
}

TEST(VerifyHeater, WorkingHeaterPasses) {
  ThermalModel model;
  EXPECT_EQ(first_failure(model, 210., 900., {}), -1.);
}

TEST(VerifyHeater, BedWithSlowHeatingPasses) {
  ThermalModel model;
  model.capacity = 1500.;  // a slow bed: ~0.1 K/s
  model.heater_power = 200.;
  model.loss = 1.0;
  HeaterVerifier::Params p;
  p.check_gain_time = 60.;
  EXPECT_EQ(first_failure(model, 100., 2000., p), -1.);
}

TEST(VerifyHeater, HeaterThatCannotHeatFailsWithinCheckGainTime) {
  ThermalModel model;
  model.heater_connected = false;
  double t = first_failure(model, 210., 600., {});
  // Approach starts at the first check; after check_gain_time (20 s) without gaining 2 K the
  // cumulative error takes over and exceeds max_error (120) within a second.
  ASSERT_GT(t, 0.);
  EXPECT_LE(t, 20. + 2.);
}

TEST(VerifyHeater, HeaterFailingAtTemperatureIsCaught) {
  ThermalModel model;
  // Heats fine, then the heater cartridge fails after 400 s at temperature.
  double t = first_failure(model, 210., 2000., {}, 400.);
  ASSERT_GT(t, 400.);
  // The block cools by tens of degrees a minute; the error (degrees below target-5, summed
  // each second) reaches 120 well within a minute.
  EXPECT_LT(t, 400. + 60.);
}

TEST(VerifyHeater, DisconnectedThermistorIsCaughtAtOnce) {
  ThermalModel model;
  double t = first_failure(model, 210., 2000., {}, 400., true);
  ASSERT_GT(t, 400.);
  // 180 K below the target range: the error passes 120 at the first check.
  EXPECT_LE(t, 400. + 2.);
}

TEST(VerifyHeater, FaultMessageIsKlippers) {
  EXPECT_EQ(VerifyHeater::fault_message("extruder"),
            "Heater extruder not heating at expected rate\n"
            "See the 'verify_heater' section in docs/Config_Reference.md\n"
            "for the parameters that control this check.\n");
}

}  // namespace
}  // namespace kpp
