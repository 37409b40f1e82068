// [servo]: pulse widths from angles and widths (clamped to the servo's range), the initial
// value, SET_SERVO in step with the moves, option checks.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const std::string kBase =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 1\nmax_accel: 1\n";

// The on_ticks of the servo pin's scheduled updates (16 MHz: 1 ms = 16000 ticks).
std::vector<std::string> servo_lines(const test::BatchRun& r) {
  std::vector<std::string> out;
  for (auto& l : r.lines)
    if (l.starts_with("queue_digital_out oid=0") || l.starts_with("config_digital_out oid=0") ||
        l.starts_with("set_digital_out_pwm_cycle oid=0"))
      out.push_back(l.starts_with("queue") ? l.substr(0, l.find(" clock=")) + l.substr(l.find(" on_ticks="))
                                           : l);
  return out;
}

TEST(Servo, InitialAngleAndSetServo) {
  auto r = test::run_batch(kBase + "[servo arm]\npin: PB5\ninitial_angle: 90\n",
                           "SET_SERVO SERVO=arm ANGLE=180\nG4 P500\n"
                           "SET_SERVO SERVO=arm ANGLE=400\nG4 P500\n"  // clamped: no change
                           "SET_SERVO SERVO=arm WIDTH=0.0005\nG4 P500\n"  // clamped to 1 ms
                           "SET_SERVO SERVO=arm WIDTH=0\nG4 P500\n");     // signal off
  ASSERT_EQ(r.result, "exit") << r.state;
  auto l = servo_lines(r);
  ASSERT_EQ(l.size(), 6u) << ::testing::PrintToString(r.lines);
  // 90 degrees: 1.5 ms of the 20 ms period as the start value.
  EXPECT_EQ(l[0], "config_digital_out oid=0 pin=PB5 value=0 default_value=0 max_duration=0");
  EXPECT_EQ(l[1], "set_digital_out_pwm_cycle oid=0 cycle_ticks=320000");
  EXPECT_EQ(l[2], "queue_digital_out oid=0 on_ticks=24000");
  EXPECT_EQ(l[3], "queue_digital_out oid=0 on_ticks=32000");
  EXPECT_EQ(l[4], "queue_digital_out oid=0 on_ticks=16000");
  EXPECT_EQ(l[5], "queue_digital_out oid=0 on_ticks=0");
}

TEST(Servo, CustomRangeAndInitialPulseWidth) {
  auto r = test::run_batch(kBase +
                               "[servo s]\npin: PB5\nminimum_pulse_width: 0.0005\n"
                               "maximum_pulse_width: 0.0025\nmaximum_servo_angle: 270\n"
                               "initial_pulse_width: 0.002\n",
                           "SET_SERVO SERVO=s ANGLE=135\nG4 P500\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto l = servo_lines(r);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[2], "queue_digital_out oid=0 on_ticks=32000");  // 2 ms
  EXPECT_EQ(l[3], "queue_digital_out oid=0 on_ticks=24000");  // 0.5 + 135 * 2/270 = 1.5 ms
}

std::vector<int64_t> servo_clocks(const test::BatchRun& r) {
  std::vector<int64_t> out;
  for (auto& l : r.lines)
    if (l.starts_with("queue_digital_out oid=0 clock="))
      out.push_back(std::stoll(l.substr(l.find("clock=") + 6)));
  return out;
}

// While pulses run, a new width waits for the next 20 ms boundary of the pulse train (counted
// from the last change) so no pulse is cut short; from "off" it starts at once.
TEST(Servo, ChangesWaitForThePulsePeriodBoundary) {
  auto r = test::run_batch(kBase + "[servo arm]\npin: PB5\n",
                           "SET_SERVO SERVO=arm ANGLE=0\nG4 P135\n"
                           "SET_SERVO SERVO=arm ANGLE=90\nG4 P200\n"
                           "SET_SERVO SERVO=arm ANGLE=90\nG4 P110\n"  // unchanged: discarded
                           "SET_SERVO SERVO=arm ANGLE=180\nG4 P300\n"
                           "SET_SERVO SERVO=arm WIDTH=0\nG4 P130\n"
                           "SET_SERVO SERVO=arm ANGLE=0\nG4 P500\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto c = servo_clocks(r);
  ASSERT_EQ(c.size(), 6u) << ::testing::PrintToString(r.lines);
  // c[0] is the start value. Requests come 135, 310 (the repeat is discarded), 300 and 130
  // ms apart: 135 ms after the first change rounds up to 7 periods, the next is 305 ms after
  // that aligned change (16 periods), turning off 285 ms later aligns too (15 periods);
  // turning on again from off does not (115 ms after the aligned "off").
  EXPECT_EQ(c[2] - c[1], 7 * 320000);
  EXPECT_EQ(c[3] - c[2], 16 * 320000);
  EXPECT_EQ(c[4] - c[3], 15 * 320000);
  EXPECT_NEAR(static_cast<double>(c[5] - c[4]), 1840000., 2.);
}

TEST(Servo, OptionChecks) {
  auto r = test::run_batch(kBase + "[servo s]\npin: PB5\nmaximum_pulse_width: 0.0009\n", "\n");
  EXPECT_EQ(r.result, "error_exit");
  r = test::run_batch(kBase + "[servo s]\npin: PB5\ninitial_angle: 400\n", "\n");
  EXPECT_EQ(r.result, "error_exit");
  // Batch mode stops at a G-code error: "Error on 'SET_SERVO SERVO=s': missing ANGLE".
  r = test::run_batch(kBase + "[servo s]\npin: PB5\n", "SET_SERVO SERVO=s\n");
  EXPECT_EQ(r.result, "error_exit");
  r = test::run_batch(kBase + "[servo s]\npin: PB5\n", "SET_SERVO SERVO=s ANGLE=10\n");
  EXPECT_EQ(r.result, "exit");
}

}  // namespace
}  // namespace kpp
