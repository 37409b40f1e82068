// [pwm_cycle_time]: soft PWM whose cycle time SET_PIN ... CYCLE_TIME= changes at run time.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n"
    "[pwm_cycle_time cyc]\npin: PH7\ncycle_time: 0.01\n";

int64_t field(const std::string& line, const std::string& name) {
  return std::stoll(line.substr(line.find(name + "=") + name.size() + 1));
}

TEST(PwmCycleTime, ConfiguresSoftPwmWithCycle) {
  auto run = run_batch(kBase, "\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_digital_out"),
            std::vector<std::string>{
                "config_digital_out oid=0 pin=PH7 value=0 default_value=0 max_duration=0"});
  // 0.01 s at 16 MHz.
  EXPECT_EQ(lines_with(run, "set_digital_out_pwm_cycle"),
            std::vector<std::string>{"set_digital_out_pwm_cycle oid=0 cycle_ticks=160000"});
}

TEST(PwmCycleTime, SetPinChangesCycleThenValue) {
  auto run = run_batch(kBase,
                       "SET_PIN PIN=cyc VALUE=0.5\n"
                       "SET_PIN PIN=cyc VALUE=0.5 CYCLE_TIME=0.1\n"
                       "SET_PIN PIN=cyc VALUE=0.5 CYCLE_TIME=0.1\n"  // duplicate: nothing sent
                       "SET_PIN PIN=cyc VALUE=0.25\n");              // back to the default cycle
  ASSERT_EQ(run.result, "exit") << run.state;
  auto cyc = lines_with(run, "set_digital_out_pwm_cycle");
  ASSERT_EQ(cyc.size(), 3u) << ::testing::PrintToString(run.lines);
  EXPECT_EQ(field(cyc[1], "cycle_ticks"), 1600000);
  EXPECT_EQ(field(cyc[2], "cycle_ticks"), 160000);
  auto q = lines_with(run, "queue_digital_out");
  ASSERT_EQ(q.size(), 4u) << ::testing::PrintToString(q);  // start value + 3 updates
  EXPECT_EQ(field(q[1], "on_ticks"), 80000);
  EXPECT_EQ(field(q[2], "on_ticks"), 800000);
  EXPECT_EQ(field(q[3], "on_ticks"), 40000);
  // Updates are spaced at least 0.1 s (1.6M ticks, less clock rounding) apart.
  EXPECT_GE(field(q[2], "clock") - field(q[1], "clock"), 1599999);
  EXPECT_GE(field(q[3], "clock") - field(q[2], "clock"), 1599999);
}

TEST(PwmCycleTime, BadInput) {
  auto run = run_batch(kBase, "SET_PIN PIN=cyc VALUE=0.5 CYCLE_TIME=6\n");
  EXPECT_EQ(run.result, "error_exit") << run.state;
  auto cfg = run_batch(
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
      "max_accel: 3000\n[pwm_cycle_time cyc]\npin: PH7\nshutdown_value: 0.5\n");
  EXPECT_EQ(cfg.result, "error_exit");
  EXPECT_NE(cfg.state.find("shutdown value must be 0.0 or 1.0 on soft pwm"), std::string::npos)
      << cfg.state;
}

}  // namespace
}  // namespace kpp
