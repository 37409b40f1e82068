// NTC thermistors (Klipper's thermistor.py): the Steinhart-Hart model from three (temperature,
// resistance) points or from one point and a beta value, read through a pullup resistor; the
// built-in thermistor types and [thermistor] sections.
#pragma once

#include <optional>

#include "modules/adc_temperature.h"
#include "modules/temperature_sensors.h"

namespace kpp {

class Thermistor : public AdcConverter {
 public:
  Thermistor(double pullup, double inline_resistor) : pullup_(pullup), inline_(inline_resistor) {}
  // Solve 1/T = c1 + c2 ln R + c3 (ln R)^3 through three points (Celsius, ohms). Points that
  // would need a non-positive c3 fall back to the beta model of the first and third point.
  void setup_coefficients(double t1, double r1, double t2, double r2, double t3, double r3,
                          const std::string& name = {});
  void setup_coefficients_beta(double t1, double r1, double beta);
  double calc_temp(double adc) const override;
  double calc_adc(double temp) const override;
  double c1() const { return c1_; }
  double c2() const { return c2_; }
  double c3() const { return c3_; }

 private:
  double pullup_, inline_;
  double c1_ = 0., c2_ = 0., c3_ = 0.;
};

// The definition of a thermistor type: three points, or one point and beta.
struct ThermistorParams {
  double t1 = 0., r1 = 0.;
  double t2 = 0., r2 = 0.;
  double t3 = 0., r3 = 0.;
  std::optional<double> beta;
};

// A sensor factory for thermistors of type `params` (reads pullup_resistor and
// inline_resistor from the heater's section).
SensorFactory thermistor_factory(const ThermistorParams& params);

}  // namespace kpp
