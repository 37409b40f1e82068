// A small thermal model of a heater for tests: a heater block heated by a PWM heater and losing
// heat to ambient air, and a sensor that follows the block with a lag.
#pragma once

#include <algorithm>

#include "modules/heater_control.h"

namespace kpp::test {

struct ThermalModel {
  double ambient = 25.;
  double heater_power = 40.;  // W at full duty
  double capacity = 20.;      // J/K
  double loss = 0.1;          // W/K
  double sensor_rate = 1.0;   // 1/s
  bool heater_connected = true;
  double block = 25., sensor = 25.;

  void step(double dt, double duty) {
    double p = heater_connected ? duty * heater_power : 0.;
    block += (p - loss * (block - ambient)) * dt / capacity;
    sensor += (block - sensor) * std::min(1., sensor_rate * dt);
  }
};

// Records the control output; the model applies the last one.
struct RecordingSink : PwmSink {
  double last = 0.;
  int calls = 0;
  void set_pwm(double, double value) override {
    last = value;
    calls++;
  }
};

// Run `control` on `model` for `seconds`, a reading every 0.3 s; returns the last time.
inline double run_loop(HeaterControl& control, RecordingSink& sink, ThermalModel& model,
                       double start, double seconds, double target, double dt = 0.3) {
  double t = start;
  for (; t < start + seconds; t += dt) {
    control.temperature_update(t, model.sensor, target);
    // Simulate in small sub-steps for accuracy.
    for (int i = 0; i < 10; i++) model.step(dt / 10., sink.last);
  }
  return t;
}

}  // namespace kpp::test
