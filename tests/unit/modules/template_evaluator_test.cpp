// TEMPLATE= of SET_PIN, SET_FAN_SPEED and SET_LED_TEMPLATE in batch mode: a display_template's
// text drives the output (with PARAM_* overrides and render()), errors are G-code errors.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kConfig = test::kNoKinematicsConfig + R"([output_pin p]
pin: PA2
pwm: True
cycle_time: 0.01
[display_template half]
param_level: 0.5
text: { param_level }
[display_template scaled]
text: { render('half', param_level=0.25) }
[neopixel n]
pin: PA3
chain_count: 2
[display_template color]
param_r: 1.0
text: { param_r }, 0.2, 0
[fan_generic f]
pin: PA4
)";

TEST(TemplateEvaluator, PinFollowsItsTemplate) {
  auto run = run_batch(kConfig, "SET_PIN PIN=p TEMPLATE=half PARAM_LEVEL=0.75\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // 160000 ticks per 10 ms cycle: 0.75 -> 120000.
  auto outs = lines_with(run, "queue_digital_out oid=");
  ASSERT_FALSE(outs.empty());
  EXPECT_NE(outs.back().find("on_ticks=120000"), std::string::npos) << outs.back();
}

TEST(TemplateEvaluator, RenderCallsAnotherTemplate) {
  auto run = run_batch(kConfig, "SET_PIN PIN=p TEMPLATE=scaled\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto outs = lines_with(run, "queue_digital_out oid=");
  ASSERT_FALSE(outs.empty());
  EXPECT_NE(outs.back().find("on_ticks=40000"), std::string::npos) << outs.back();
}

TEST(TemplateEvaluator, LedTemplateOnOneLedOfAChain) {
  auto run = run_batch(kConfig, "SET_LED_TEMPLATE LED=n INDEX=2 TEMPLATE=color PARAM_R=0.4\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // GRB bytes of LED 2 (from byte 3): green 0.2 -> 51 '3', red 0.4 -> 102 'f'.
  auto updates = lines_with(run, "neopixel_update");
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1], "neopixel_update oid=0 pos=3 data=b'3f'");
}

TEST(TemplateEvaluator, FanSpeedFromTemplate) {
  auto run = run_batch(kConfig, "SET_FAN_SPEED FAN=f TEMPLATE=half\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // 10 ms cycle (160000 ticks): a kick start at full power, then 0.5 (and 0 at the exit).
  auto outs = lines_with(run, "queue_digital_out");
  bool half = false;
  for (auto& l : outs) half = half || l.find("on_ticks=80000") != std::string::npos;
  EXPECT_TRUE(half);
  auto bad = run_batch(kConfig, "SET_FAN_SPEED FAN=f\n");
  EXPECT_EQ(bad.result, "error_exit");
}

TEST(TemplateEvaluator, Errors) {
  for (const char* gcode : {"SET_PIN PIN=p TEMPLATE=nope\n", "SET_PIN PIN=p TEMPLATE=half PARAM_X=1\n",
                            "SET_PIN PIN=p TEMPLATE=half PARAM_LEVEL=(\n",
                            "SET_PIN PIN=p VALUE=1 TEMPLATE=half\n", "SET_PIN PIN=p\n"}) {
    auto run = run_batch(kConfig, gcode);
    EXPECT_EQ(run.result, "error_exit") << gcode;
  }
}

}  // namespace
}  // namespace kpp
