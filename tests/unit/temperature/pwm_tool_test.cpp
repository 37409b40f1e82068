// [pwm_tool]: output pin updates sent through the MCU move queue; maximum_mcu_duration
// refreshes.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n";

int64_t field(const std::string& line, const std::string& name) {
  return std::stoll(line.substr(line.find(name + "=") + name.size() + 1));
}

TEST(PwmTool, HardwarePwmQueuesValues) {
  auto run = run_batch(kBase + "[pwm_tool laser]\npin: PH4\nhardware_pwm: True\n"
                               "cycle_time: 0.01\n",
                       "SET_PIN PIN=laser VALUE=0.5\nSET_PIN PIN=laser VALUE=0.5\n"
                       "SET_PIN PIN=laser VALUE=0.25\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto cfg = lines_with(run, "config_pwm_out");
  ASSERT_EQ(cfg.size(), 1u);
  EXPECT_EQ(cfg[0],
            "config_pwm_out oid=0 pin=PH4 cycle_ticks=160000 value=0 default_value=0 "
            "max_duration=0");
  auto q = lines_with(run, "queue_pwm_out");
  // The start value is an on_restart command (not in the first config); the repeated 0.5 sends
  // nothing.
  ASSERT_EQ(q.size(), 2u) << ::testing::PrintToString(run.lines);
  EXPECT_EQ(field(q[0], "value"), 128);  // PWM_MAX 255 on the atmega
  EXPECT_EQ(field(q[1], "value"), 64);
  EXPECT_GE(field(q[1], "clock"), field(q[0], "clock"));
}

TEST(PwmTool, MaximumMcuDurationConfiguresMcuWatchdog) {
  // Batch mode with kinematics none never flushes past the last step time, so the periodic
  // refreshes are not visible here; the MCU side of the safety net is.
  auto run = run_batch(kBase + "[pwm_tool laser]\npin: PH4\nmaximum_mcu_duration: 1\n",
                       "SET_PIN PIN=laser VALUE=1\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_digital_out"),
            std::vector<std::string>{
                "config_digital_out oid=0 pin=PH4 value=0 default_value=0 max_duration=16000000"});
  auto q = lines_with(run, "queue_digital_out");
  ASSERT_GE(q.size(), 2u) << ::testing::PrintToString(q);
  EXPECT_EQ(field(q[1], "on_ticks"), 1600000);
}

TEST(PwmTool, BadConfig) {
  auto run = run_batch(kBase + "[pwm_tool laser]\npin: PH4\nmaximum_mcu_duration: 1\n"
                               "value: 1\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("Pin with max duration must have start value equal to shutdown"),
            std::string::npos)
      << run.state;
  auto big = run_batch(kBase + "[pwm_tool laser]\npin: PH4\ncycle_time: 4\n");
  EXPECT_EQ(big.result, "error_exit");
  EXPECT_NE(big.state.find("cycle_time"), std::string::npos) << big.state;
}

}  // namespace
}  // namespace kpp
