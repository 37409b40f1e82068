// Resistance of an NTC thermistor as a function of temperature (the Steinhart-Hart equation,
// from three measured points or from a beta value) and the ADC reading it gives behind a
// pull-up resistor: what the simulated printer puts on a thermistor's ADC pin.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kpp::sim {

class ThermistorCurve {
 public:
  // Steinhart-Hart through three (degC, ohm) points; falls back to a beta curve through the
  // first and third point when the three points give a non-physical cubic term.
  static ThermistorCurve from_points(double t1, double r1, double t2, double r2, double t3,
                                     double r3);
  static ThermistorCurve from_beta(double t1, double r1, double beta);
  // The sensors every Klipper install knows by name ("EPCOS 100K B57560G104F", ...); nullopt
  // for other names.
  static std::optional<ThermistorCurve> builtin(std::string_view sensor_type);

  // Thermistor resistance (ohm) at `temp` degC.
  double resistance(double temp) const;
  // Temperature (degC) at resistance `r` (the inverse of resistance()).
  double temperature(double r) const;
  // ADC fraction (0..1) for `temp` with the thermistor between the ADC pin and ground, the
  // pull-up to the reference and an optional resistor in series with the thermistor.
  double adc_fraction(double temp) const;
  double pullup = 4700.;
  double inline_resistor = 0.;

 private:
  double c1_ = 0., c2_ = 0., c3_ = 0.;
};

}  // namespace kpp::sim
