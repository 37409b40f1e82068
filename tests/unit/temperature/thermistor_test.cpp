// Thermistor conversions: the Steinhart-Hart fit through each built-in type's definition points,
// beta thermistors, datasheet values, and the inverse used for the MCU range check.
#include <gtest/gtest.h>

#include <cmath>

#include "modules/thermistor.h"

namespace kpp {
namespace {

// ADC reading (0..1) of resistance r through a 4.7k pullup.
double adc_of(double r, double pullup = 4700.) { return r / (pullup + r); }

struct Point {
  double t, r;
};
struct Type {
  const char* name;
  Point p[3];
};

const Type kTypes[] = {
    {"ATC Semitec 104GT-2", {{20, 126800}, {150, 1360}, {300, 80.65}}},
    {"ATC Semitec 104NT-4-R025H42G", {{25, 100000}, {160, 1074}, {300, 82.78}}},
    {"EPCOS 100K B57560G104F", {{25, 100000}, {150, 1641.9}, {250, 226.15}}},
    {"Generic 3950", {{25, 100000}, {150, 1770}, {250, 230}}},
    {"SliceEngineering 450", {{25, 500000}, {200, 3734}, {400, 240}}},
    {"TDK NTCG104LH104JT1", {{25, 100000}, {50, 31230}, {125, 2066}}},
};

TEST(Thermistor, SteinhartHartPassesThroughDefinitionPoints) {
  for (auto& type : kTypes) {
    Thermistor th(4700., 0.);
    th.setup_coefficients(type.p[0].t, type.p[0].r, type.p[1].t, type.p[1].r, type.p[2].t,
                          type.p[2].r);
    EXPECT_GT(th.c3(), 0.) << type.name;
    for (auto& pt : type.p) {
      EXPECT_NEAR(th.calc_temp(adc_of(pt.r)), pt.t, 1e-6) << type.name << " at " << pt.t;
      EXPECT_NEAR(th.calc_adc(pt.t), adc_of(pt.r), 1e-9) << type.name << " at " << pt.t;
    }
  }
}

TEST(Thermistor, InverseIsExactAcrossTheRange) {
  for (auto& type : kTypes) {
    Thermistor th(4700., 0.);
    th.setup_coefficients(type.p[0].t, type.p[0].r, type.p[1].t, type.p[1].r, type.p[2].t,
                          type.p[2].r);
    for (double t = 0.; t <= 300.; t += 25.)
      EXPECT_NEAR(th.calc_temp(th.calc_adc(t)), t, 1e-6) << type.name << " at " << t;
  }
}

// Resistance at t from a datasheet B value between t0 (resistance r0) and t.
double r_from_b(double r0, double t0, double b, double t) {
  return r0 * std::exp(b * (1. / (t + 273.15) - 1. / (t0 + 273.15)));
}

TEST(Thermistor, DatasheetValuesBetweenDefinitionPoints) {
  // EPCOS B57560G104F: R25 = 100 kOhm, B25/100 = 4066 K.
  Thermistor epcos(4700., 0.);
  epcos.setup_coefficients(25, 100000, 150, 1641.9, 250, 226.15);
  EXPECT_NEAR(epcos.calc_temp(adc_of(r_from_b(100000., 25., 4066., 100.))), 100., 1.0);
  // Semitec 104GT-2: R25 = 100 kOhm, B25/85 = 4267 K.
  Thermistor gt2(4700., 0.);
  gt2.setup_coefficients(20, 126800, 150, 1360, 300, 80.65);
  EXPECT_NEAR(gt2.calc_temp(adc_of(100000.)), 25., 0.5);
  EXPECT_NEAR(gt2.calc_temp(adc_of(r_from_b(100000., 25., 4267., 85.))), 85., 1.0);
  // "Generic 3950": R25 = 100 kOhm, B25/50 = 3950 K.
  Thermistor g3950(4700., 0.);
  g3950.setup_coefficients(25, 100000, 150, 1770, 250, 230);
  EXPECT_NEAR(g3950.calc_temp(adc_of(r_from_b(100000., 25., 3950., 50.))), 50., 1.0);
}

TEST(Thermistor, BetaModel) {
  // Honeywell 135-104LAG-J01: R = R25 exp(B (1/T - 1/T25)) with B = 3974.
  Thermistor th(4700., 0.);
  th.setup_coefficients_beta(25., 100000., 3974.);
  EXPECT_EQ(th.c3(), 0.);
  for (double t : {0., 25., 60., 100., 150., 200., 250.}) {
    double r = 100000. * std::exp(3974. * (1. / (t + 273.15) - 1. / 298.15));
    EXPECT_NEAR(th.calc_temp(adc_of(r)), t, 1e-6) << t;
    EXPECT_NEAR(th.calc_adc(t), adc_of(r), 1e-12) << t;
  }
}

TEST(Thermistor, InlineResistorAndPullup) {
  // A 1k pullup and a 100 ohm resistor in series with the thermistor.
  Thermistor th(1000., 100.);
  th.setup_coefficients_beta(25., 100000., 3950.);
  double r_therm = 100000. * std::exp(3950. * (1. / (180 + 273.15) - 1. / 298.15));
  double adc = (r_therm + 100.) / (1000. + r_therm + 100.);
  EXPECT_NEAR(th.calc_temp(adc), 180., 1e-6);
  EXPECT_NEAR(th.calc_adc(180.), adc, 1e-12);
}

TEST(Thermistor, ReadingsClampAtTheRails) {
  Thermistor th(4700., 0.);
  th.setup_coefficients(25, 100000, 150, 1641.9, 250, 226.15);
  // A shorted sensor (adc 0) reads very hot, an open one (adc 1) very cold, never NaN.
  EXPECT_GT(th.calc_temp(0.), 500.);
  EXPECT_LT(th.calc_temp(1.), -20.);
  EXPECT_FALSE(std::isnan(th.calc_temp(0.)));
  EXPECT_EQ(th.calc_adc(-300.), 1.);
}

TEST(Thermistor, NonMonotonicPointsFallBackToBeta) {
  // Three points on a plain beta curve give c3 == 0 (up to rounding): the beta fallback must
  // reproduce the curve.
  auto r_of = [](double t) { return 100000. * std::exp(4000. * (1. / (t + 273.15) - 1. / 298.15)); };
  Thermistor th(4700., 0.);
  th.setup_coefficients(25, r_of(25), 100, r_of(100) * 1.02, 200, r_of(200));
  EXPECT_NEAR(th.calc_temp(adc_of(r_of(25))), 25., 0.01);
  EXPECT_NEAR(th.calc_temp(adc_of(r_of(200))), 200., 0.5);
}

}  // namespace
}  // namespace kpp
