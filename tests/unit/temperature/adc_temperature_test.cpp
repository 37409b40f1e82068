// ADC temperature tables: amplifier voltage tables, PT100/PT1000 (Callendar-Van Dusen), custom
// tables, and the piecewise linear interpolation with its inverse.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "core/config.h"
#include "core/printer.h"
#include "modules/adc_temperature.h"

namespace kpp {
namespace {

// A section to read converter options from.
struct ConfigFixture {
  explicit ConfigFixture(const std::string& text = "[s]\n")
      : reactor(make_virtual_time_source()),
        printer(reactor, StartArgs{}),
        config(printer, ConfigFile::parse(text, "printer.cfg"),
               std::make_shared<ConfigAccessTracker>(), "s") {}
  Reactor reactor;
  Printer printer;
  ConfigWrapper config;
};

TEST(LinearInterpolate, InterpolatesAndInverts) {
  LinearInterpolate li({{0., 10.}, {1., 20.}, {3., 60.}});
  EXPECT_DOUBLE_EQ(li.interpolate(0.5), 15.);
  EXPECT_DOUBLE_EQ(li.interpolate(2.), 40.);
  EXPECT_DOUBLE_EQ(li.interpolate(5.), 100.);  // extrapolates the last segment
  EXPECT_DOUBLE_EQ(li.interpolate(-1.), 0.);   // and the first
  for (double k : {0., 0.25, 1., 2.5, 3., 4.}) EXPECT_NEAR(li.reverse_interpolate(li.interpolate(k)), k, 1e-12);
}

TEST(LinearInterpolate, FallingTables) {
  LinearInterpolate li({{0., 100.}, {1., 50.}, {2., 40.}});
  for (double k : {0., 0.5, 1., 1.5, 2.}) EXPECT_NEAR(li.reverse_interpolate(li.interpolate(k)), k, 1e-12);
}

TEST(LinearInterpolate, Errors) {
  EXPECT_THROW(LinearInterpolate({{1., 1.}}), std::invalid_argument);
  try {
    LinearInterpolate({{1., 1.}, {1., 2.}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "duplicate value");
  }
  try {
    LinearInterpolate({{1., 1.}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "need at least two samples");
  }
}

TEST(AdcTemperature, AD595DatasheetPoints) {
  // AD595 output (mV) at temperatures of its datasheet table, read against a 5 V ADC.
  ConfigFixture f;
  LinearVoltage ad595(f.config, {{0., .0027}, {25., .250}, {100., 1.015}, {200., 2.015},
                                 {300., 3.022}, {400., 4.057}});
  EXPECT_NEAR(ad595.calc_temp(1.015 / 5.), 100., 1e-9);
  EXPECT_NEAR(ad595.calc_temp(2.015 / 5.), 200., 1e-9);
  EXPECT_NEAR(ad595.calc_temp(1.515 / 5.), 150., 1e-9);  // linear between 100 and 200
  EXPECT_NEAR(ad595.calc_adc(300.), 3.022 / 5., 1e-12);
}

TEST(AdcTemperature, AdcVoltageAndOffset) {
  ConfigFixture f("[s]\nadc_voltage: 3.3\nvoltage_offset: 0.1\n");
  LinearVoltage lv(f.config, {{0., 0.1}, {100., 1.1}, {200., 2.1}});
  EXPECT_NEAR(lv.calc_temp(1.0 / 3.3), 100., 1e-9);
  EXPECT_NEAR(lv.calc_adc(200.), 2.0 / 3.3, 1e-12);
}

TEST(AdcTemperature, SamplesOutsideTheAdcRangeAreIgnored) {
  ConfigFixture f;
  // 6 V is above the 5 V reference: dropped, the rest still defines the table.
  LinearVoltage lv(f.config, {{0., 0.}, {100., 1.}, {600., 6.}});
  EXPECT_NEAR(lv.calc_temp(0.1), 50., 1e-9);
}

TEST(AdcTemperature, TooFewSamplesIsAConfigError) {
  ConfigFixture f;
  try {
    LinearVoltage lv(f.config, {{0., 0.}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "adc_temperature need at least two samples in heater s");
  }
}

TEST(AdcTemperature, Pt100CallendarVanDusen) {
  auto table = pt100_table();
  ASSERT_EQ(table.size(), 50u);
  // IEC 60751: 100.00 ohm at 0 C, 138.51 at 100 C, 175.86 at 200 C, 277.64 at 490 C.
  EXPECT_NEAR(table[0].second, 100.00, 0.005);
  EXPECT_NEAR(table[10].second, 138.51, 0.005);
  EXPECT_NEAR(table[20].second, 175.86, 0.005);
  EXPECT_NEAR(table[49].second, 277.64, 0.005);
}

TEST(AdcTemperature, Pt100Ina826) {
  // 4400 ohm pullup from 5 V and a gain of 10: 1.1111 V at 0 C.
  auto table = ina826_pt100_table();
  EXPECT_NEAR(table[0].second, 10. * 5. * 100. / 4500., 1e-12);
  ConfigFixture f;
  LinearVoltage lv(f.config, table);
  double r150 = 100. * (1. + 3.9083e-3 * 150. - 5.775e-7 * 150. * 150.);
  double v150 = 50. * r150 / (4400. + r150);
  EXPECT_NEAR(lv.calc_temp(v150 / 5.), 150., 1e-9);
  // Between table points the error of the linear table stays tiny.
  double r155 = 100. * (1. + 3.9083e-3 * 155. - 5.775e-7 * 155. * 155.);
  EXPECT_NEAR(lv.calc_temp(50. * r155 / (4400. + r155) / 5.), 155., 0.05);
}

TEST(AdcTemperature, Pt1000WithPullup) {
  ConfigFixture f("[s]\npullup_resistor: 2200\n");
  LinearResistance lr(f.config, pt100_table(1000.));
  // IEC 60751 table: 1385.06 ohm at 100 C, 1758.56 ohm at 200 C.
  EXPECT_NEAR(lr.calc_temp(1385.06 / (2200. + 1385.06)), 100., 0.01);
  EXPECT_NEAR(lr.calc_temp(1758.56 / (2200. + 1758.56)), 200., 0.01);
  EXPECT_NEAR(lr.calc_adc(250.), [] {
    double r = 1000. * (1. + 3.9083e-3 * 250. - 5.775e-7 * 250. * 250.);
    return r / (2200. + r);
  }(), 1e-12);
}

}  // namespace
}  // namespace kpp
