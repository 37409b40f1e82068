// Fans and output pins in batch mode: MCU config commands, M106/M107 with kick start,
// SET_FAN_SPEED, SET_PIN and their errors.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n";

// "queue_digital_out oid=3 clock=123 on_ticks=5" -> {123, 5}
std::pair<int64_t, int64_t> clock_and_ticks(const std::string& line) {
  auto c = line.find("clock=");
  auto t = line.find("on_ticks=");
  return {std::stoll(line.substr(c + 6)), std::stoll(line.substr(t + 9))};
}

TEST(FanBatch, M106KickStartsThenSetsSpeed) {
  auto run = run_batch(kBase + "[fan]\npin: PH6\n", "M106 S128\nG4 P1000\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_digital_out"),
            std::vector<std::string>{
                "config_digital_out oid=0 pin=PH6 value=0 default_value=0 max_duration=0"});
  EXPECT_EQ(lines_with(run, "set_digital_out_pwm_cycle"),
            std::vector<std::string>{"set_digital_out_pwm_cycle oid=0 cycle_ticks=160000"});
  auto q = lines_with(run, "queue_digital_out");
  // Start value; kick start at full power; the speed kick_start_time (0.1 s) later; off at the
  // end of the run (the exit's gcode:request_restart turns fans off, as in Klipper).
  ASSERT_EQ(q.size(), 4u) << ::testing::PrintToString(q);
  EXPECT_EQ(clock_and_ticks(q[0]).second, 0);
  EXPECT_EQ(clock_and_ticks(q[1]).second, 160000);
  EXPECT_EQ(clock_and_ticks(q[2]).second, 80314);  // 128/255 of the cycle
  EXPECT_EQ(clock_and_ticks(q[2]).first - clock_and_ticks(q[1]).first, 1600000);
  EXPECT_EQ(clock_and_ticks(q[3]).second, 0);
  EXPECT_EQ(clock_and_ticks(q[3]).first - clock_and_ticks(q[1]).first, 16000000);
}

TEST(FanBatch, MaxPowerAndOffBelow) {
  auto run = run_batch(kBase +
                           "[fan_generic exhaust]\npin: PH6\nmax_power: 0.5\noff_below: 0.2\n"
                           "kick_start_time: 0\n",
                       "SET_FAN_SPEED FAN=exhaust SPEED=0.1\nG4 P500\n"
                       "SET_FAN_SPEED FAN=exhaust SPEED=0.8\nG4 P500\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto q = lines_with(run, "queue_digital_out");
  // Below off_below the fan stays off (nothing is sent); 0.8 of max_power 0.5 is 0.4; off
  // at the exit.
  ASSERT_EQ(q.size(), 3u) << ::testing::PrintToString(q);
  EXPECT_EQ(clock_and_ticks(q[1]).second, 64000);
  EXPECT_EQ(clock_and_ticks(q[2]).second, 0);
}

TEST(FanBatch, SoftPwmShutdownSpeedMustBeOnOrOff) {
  // As in Klipper: a software PWM pin can only be left fully on or off by the MCU.
  auto run = run_batch(kBase + "[fan]\npin: PH6\nshutdown_speed: 0.5\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("shutdown value must be 0.0 or 1.0 on soft pwm"), std::string::npos)
      << run.state;
}

TEST(FanBatch, HeaterFanAndTemperatureFanRunAtShutdown) {
  auto run = run_batch(
      kBase +
      "[heater_generic hotend]\nheater_pin: PB4\nsensor_type: EPCOS 100K B57560G104F\n"
      "sensor_pin: PK5\ncontrol: watermark\nmin_temp: 0\nmax_temp: 250\n"
      "[heater_fan hotend_fan]\npin: PH6\nheater: hotend\n"
      "[temperature_fan box]\npin: PG5\nsensor_type: EPCOS 100K B57560G104F\nsensor_pin: PK6\n"
      "control: watermark\nmin_temp: 0\nmax_temp: 100\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto cfg = lines_with(run, "config_digital_out");
  ASSERT_EQ(cfg.size(), 3u);
  EXPECT_EQ(cfg[1], "config_digital_out oid=2 pin=PH6 value=0 default_value=1 max_duration=0");
  EXPECT_EQ(cfg[2], "config_digital_out oid=3 pin=PG5 value=0 default_value=1 max_duration=0");
}

TEST(FanBatch, SetPinDigitalAndPwm) {
  auto run = run_batch(kBase + "[output_pin led]\npin: PB7\n"
                               "[output_pin vref]\npin: PH5\npwm: True\nscale: 2.0\nvalue: 1.0\n"
                               "shutdown_value: 2.0\n",
                       "SET_PIN PIN=led VALUE=1\nSET_PIN PIN=vref VALUE=0.5\nG4 P2000\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto cfg = lines_with(run, "config_digital_out");
  ASSERT_EQ(cfg.size(), 2u);
  EXPECT_EQ(cfg[0], "config_digital_out oid=0 pin=PB7 value=0 default_value=0 max_duration=0");
  // vref starts at value/scale = 0.5 (soft PWM starts off and gets its value with the init
  // commands) and is fully on at shutdown.
  EXPECT_EQ(cfg[1], "config_digital_out oid=1 pin=PH5 value=0 default_value=1 max_duration=0");
  auto led = lines_with(run, "queue_digital_out oid=0");
  ASSERT_EQ(led.size(), 1u) << ::testing::PrintToString(run.lines);
  EXPECT_EQ(clock_and_ticks(led[0]).second, 1);
  auto vref = lines_with(run, "queue_digital_out oid=1");
  ASSERT_EQ(vref.size(), 2u) << ::testing::PrintToString(vref);
  EXPECT_EQ(clock_and_ticks(vref[0]).second, 800000);  // 0.5 of the 0.1 s cycle
  EXPECT_EQ(clock_and_ticks(vref[1]).second, 400000);  // 0.5 / scale 2
}

TEST(FanBatch, SetPinErrors) {
  auto run = run_batch(kBase + "[output_pin led]\npin: PB7\n", "SET_PIN PIN=led VALUE=0.5\n");
  // A digital pin is 0 or 1: "Invalid pin value"; in batch mode an error ends the run.
  EXPECT_EQ(run.result, "error_exit") << run.state;
  EXPECT_EQ(lines_with(run, "queue_digital_out").size(), 0u);
}

TEST(FanBatch, MultiPinDrivesEveryPin) {
  auto run = run_batch(kBase + "[multi_pin part_fans]\npins: PH6, PG5\n"
                               "[fan]\npin: multi_pin:part_fans\nkick_start_time: 0\n",
                       "M106 S255\nG4 P500\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_digital_out"),
            (std::vector<std::string>{
                "config_digital_out oid=0 pin=PH6 value=0 default_value=0 max_duration=0",
                "config_digital_out oid=1 pin=PG5 value=0 default_value=0 max_duration=0"}));
  EXPECT_EQ(lines_with(run, "queue_digital_out oid=0").size(), 3u);  // start, on, off at exit
  EXPECT_EQ(lines_with(run, "queue_digital_out oid=1").size(), 3u);
}

TEST(FanBatch, MultiPinErrors) {
  // Without any [multi_pin] section the chip does not exist (Klipper's message too).
  auto none = run_batch(kBase + "[fan]\npin: multi_pin:nosuch\n");
  EXPECT_EQ(none.result, "error_exit");
  EXPECT_NE(none.state.find("Unknown pin chip name 'multi_pin'"), std::string::npos)
      << none.state;
  auto run = run_batch(kBase + "[multi_pin m]\npins: PH6\n[fan]\npin: multi_pin:nosuch\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("multi_pin nosuch not configured"), std::string::npos) << run.state;
  auto twice = run_batch(kBase + "[multi_pin m]\npins: PH6\n[fan]\npin: multi_pin:m\n"
                                 "[fan_generic other]\npin: multi_pin:m\n");
  EXPECT_EQ(twice.result, "error_exit");
  EXPECT_NE(twice.state.find("pin m used multiple times in config"), std::string::npos)
      << twice.state;
}

}  // namespace
}  // namespace kpp
