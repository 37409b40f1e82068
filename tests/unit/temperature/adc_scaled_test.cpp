// [adc_scaled]: a pin chip whose ADC pins are read against measured vref/vssa inputs.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n"
    "[adc_scaled vref_scaled]\nvref_pin: PF0\nvssa_pin: PF1\n";

TEST(AdcScaled, SamplesReferencesAndScaledPins) {
  auto run = run_batch(kBase +
                       "[temperature_sensor board]\nsensor_type: Generic 3950\n"
                       "sensor_pin: vref_scaled:PF2\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto cfg = lines_with(run, "config_analog_in");
  ASSERT_EQ(cfg.size(), 3u) << ::testing::PrintToString(run.lines);
  EXPECT_EQ(cfg[0], "config_analog_in oid=0 pin=PF0");
  EXPECT_EQ(cfg[1], "config_analog_in oid=1 pin=PF1");
  EXPECT_EQ(cfg[2], "config_analog_in oid=2 pin=PF2");
  // The references: 8 samples 1 ms apart, reported every 0.3 s, full range, no range check.
  auto q = lines_with(run, "query_analog_in oid=0");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_NE(q[0].find("sample_ticks=16000 sample_count=8 rest_ticks=4800000 bytes_per_report=2 "
                      "min_value=0 max_value=8184 range_check_count=0"),
            std::string::npos)
      << q[0];
  // The scaled pin keeps the sensor's own sampling (Klipper's temperature sensors: 8 samples,
  // report every 0.3 s, with a range check).
  auto s = lines_with(run, "query_analog_in oid=2");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].find("range_check_count=0"), std::string::npos) << s[0];
}

TEST(AdcScaled, OnlyAdcPins) {
  auto run = run_batch(kBase + "[output_pin led]\npin: vref_scaled:PB7\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("adc_scaled only supports adc pins"), std::string::npos) << run.state;
}

TEST(AdcScaled, NeedsBothReferencePins) {
  auto run = run_batch(
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
      "max_accel: 3000\n[adc_scaled vref_scaled]\nvref_pin: PF0\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("vssa_pin"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
