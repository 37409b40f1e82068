// Thermistor curves (see thermistor_curve.h).
#include "sim/thermistor_curve.h"

#include <cmath>

namespace kpp::sim {

namespace {

constexpr double kKelvin = 273.15;

struct Builtin {
  const char* name;
  double t1, r1, t2, r2, t3, r3, beta;  // beta > 0: a beta curve through (t1, r1)
};

// The datasheet points of the thermistors Klipper defines by default.
constexpr Builtin kBuiltins[] = {
    {"ATC Semitec 104GT-2", 20, 126800, 150, 1360, 300, 80.65, 0},
    {"ATC Semitec 104NT-4-R025H42G", 25, 100000, 160, 1074, 300, 82.78, 0},
    {"EPCOS 100K B57560G104F", 25, 100000, 150, 1641.9, 250, 226.15, 0},
    {"Generic 3950", 25, 100000, 150, 1770, 250, 230, 0},
    {"SliceEngineering 450", 25, 500000, 200, 3734, 400, 240, 0},
    {"TDK NTCG104LH104JT1", 25, 100000, 50, 31230, 125, 2066, 0},
    {"Honeywell 100K 135-104LAG-J01", 25, 100000, 0, 0, 0, 0, 3974},
    {"NTC 100K beta 3950", 25, 100000, 0, 0, 0, 0, 3950},
    {"NTC 100K MGB18-104F39050L32", 25, 100000, 0, 0, 0, 0, 4100},
};

}  // namespace

ThermistorCurve ThermistorCurve::from_beta(double t1, double r1, double beta) {
  ThermistorCurve c;
  c.c3_ = 0.;
  c.c2_ = 1. / beta;
  c.c1_ = 1. / (t1 + kKelvin) - c.c2_ * std::log(r1);
  return c;
}

ThermistorCurve ThermistorCurve::from_points(double t1, double r1, double t2, double r2,
                                             double t3, double r3) {
  // 1/T = c1 + c2 ln(R) + c3 ln(R)^3 at three points: eliminate c1, then c2.
  double y1 = 1. / (t1 + kKelvin), y2 = 1. / (t2 + kKelvin), y3 = 1. / (t3 + kKelvin);
  double l1 = std::log(r1), l2 = std::log(r2), l3 = std::log(r3);
  double dy12 = y1 - y2, dy13 = y1 - y3;
  double dl12 = l1 - l2, dl13 = l1 - l3;
  double dc12 = l1 * l1 * l1 - l2 * l2 * l2, dc13 = l1 * l1 * l1 - l3 * l3 * l3;
  double c3 = (dy12 - dy13 * dl12 / dl13) / (dc12 - dc13 * dl12 / dl13);
  if (!(c3 > 0.)) return from_beta(t1, r1, dl13 / dy13);
  ThermistorCurve c;
  c.c3_ = c3;
  c.c2_ = (dy12 - c3 * dc12) / dl12;
  c.c1_ = y1 - c.c2_ * l1 - c3 * l1 * l1 * l1;
  return c;
}

std::optional<ThermistorCurve> ThermistorCurve::builtin(std::string_view sensor_type) {
  for (const Builtin& b : kBuiltins) {
    if (sensor_type != b.name) continue;
    if (b.beta > 0.) return from_beta(b.t1, b.r1, b.beta);
    return from_points(b.t1, b.r1, b.t2, b.r2, b.t3, b.r3);
  }
  return std::nullopt;
}

double ThermistorCurve::temperature(double r) const {
  double l = std::log(r);
  return 1. / (c1_ + c2_ * l + c3_ * l * l * l) - kKelvin;
}

double ThermistorCurve::resistance(double temp) const {
  if (temp <= -kKelvin) return INFINITY;
  double y = 1. / (temp + kKelvin);
  if (c3_ == 0.) return std::exp((y - c1_) / c2_);
  // c3 l^3 + c2 l + (c1 - y) = 0 has one real root (c2, c3 > 0): Cardano's formula.
  double p = c2_ / c3_, q = (c1_ - y) / c3_;
  double disc = std::sqrt(q * q / 4. + p * p * p / 27.);
  double l = std::cbrt(-q / 2. + disc) + std::cbrt(-q / 2. - disc);
  return std::exp(l);
}

double ThermistorCurve::adc_fraction(double temp) const {
  double r = resistance(temp) + inline_resistor;
  if (std::isinf(r)) return 1.;
  return r / (pullup + r);
}

}  // namespace kpp::sim
