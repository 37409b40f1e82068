// Steppers, endstops and trsync through the protocol, with step edges seen by a recording model.
#include <gtest/gtest.h>

#include "pin_recorder.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::PinRecorder;
using fwtest::SimLink;

namespace {

constexpr uint16_t kPA5 = 5, kPA4 = 4, kPA3 = 3, kPA2 = 2, kPB3 = 19;

std::string shutdown_reason(SimLink& link, const std::vector<Msg>& msgs) {
  for (const Msg& m : msgs)
    if (m.name == "shutdown") return link.static_string(static_cast<int>(m["static_string_id"]));
  return "";
}

TEST(FirmwareStepper, StepsAtTheQueuedTimes) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=40",
             "finalize_config crc=0"});
  link.run_for(1000);
  const uint64_t start = 100000;
  link.send({"reset_step_clock oid=0 clock=100000", "set_next_step_dir oid=0 dir=1",
             "queue_step oid=0 interval=2000 count=10 add=0",
             "queue_step oid=0 interval=1000 count=5 add=100"});
  auto msgs = link.run_until(start + 100000);
  EXPECT_EQ(shutdown_reason(link, msgs), "");
  std::vector<uint64_t> want;
  uint64_t t = start;
  for (int i = 0; i < 10; i++) want.push_back(t += 2000);
  uint64_t interval = 1000;
  for (int i = 0; i < 5; i++, interval += 100) want.push_back(t += interval);
  EXPECT_EQ(pins.rises(kPA5), want);
  // Each pulse lasts step_pulse_ticks.
  auto ch = pins.changes(kPA5);
  ASSERT_EQ(ch.size(), 30u);
  for (size_t i = 0; i < ch.size(); i += 2) EXPECT_EQ(ch[i + 1] - ch[i], 40u);
  // Dir went high once, before the first step.
  auto dir = pins.changes(kPA4);
  ASSERT_EQ(dir.size(), 1u);
  EXPECT_LT(dir[0], want[0]);
  EXPECT_EQ(link.query("stepper_get_position oid=0", "stepper_position")["pos"], 15);
}

TEST(FirmwareStepper, DirectionChangesAndPosition) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
             "finalize_config crc=0"});
  link.run_for(1000);
  link.send({"reset_step_clock oid=0 clock=50000", "set_next_step_dir oid=0 dir=1",
             "queue_step oid=0 interval=1000 count=20 add=0", "set_next_step_dir oid=0 dir=0",
             "queue_step oid=0 interval=1000 count=8 add=0"});
  link.run_until(50000 + 10500);
  // Mid-move: 10 steps up.
  EXPECT_EQ(link.query("stepper_get_position oid=0", "stepper_position")["pos"], 10);
  link.run_until(200000);
  EXPECT_EQ(link.query("stepper_get_position oid=0", "stepper_position")["pos"], 12);
  auto dir = pins.changes(kPA4);
  ASSERT_EQ(dir.size(), 2u);
  auto rises = pins.rises(kPA5);
  ASSERT_EQ(rises.size(), 28u);
  EXPECT_GT(dir[1], rises[19]);
  EXPECT_LT(dir[1], rises[20]);
}

TEST(FirmwareStepper, BothEdgesStepping) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_stepper oid=0 step_pin=PA3 dir_pin=PA2 invert_step=-1 step_pulse_ticks=0",
             "finalize_config crc=0"});
  link.run_for(1000);
  link.send({"reset_step_clock oid=0 clock=10000", "queue_step oid=0 interval=300 count=7 add=0"});
  link.run_until(30000);
  auto ch = pins.changes(kPA3);
  ASSERT_EQ(ch.size(), 7u);
  for (size_t i = 0; i < ch.size(); i++) EXPECT_EQ(ch[i], 10000 + 300 * (i + 1));
  EXPECT_EQ(link.query("stepper_get_position oid=0", "stepper_position")["pos"], -7);
  EXPECT_TRUE(pins.changes(kPA2).empty());
}

TEST(FirmwareStepper, ChecksItsCommands) {
  {
    SimLink link;
    link.send({"allocate_oids count=1",
               "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
               "finalize_config crc=0", "reset_step_clock oid=0 clock=5000",
               "queue_step oid=0 interval=1000 count=0 add=0"});
    EXPECT_EQ(shutdown_reason(link, link.run_for(100)), "Invalid count parameter");
  }
  {
    SimLink link;
    link.send({"allocate_oids count=1",
               "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
               "finalize_config crc=0", "reset_step_clock oid=0 clock=5000",
               "queue_step oid=0 interval=1000 count=10 add=0",
               "reset_step_clock oid=0 clock=9000"});
    EXPECT_EQ(shutdown_reason(link, link.run_for(100)), "Can't reset time when stepper active");
  }
  {
    SimLink link;
    link.send({"allocate_oids count=1",
               "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
               "finalize_config crc=0"});
    link.run_for(100);
    std::vector<std::string> lots;
    for (int i = 0; i < 1030; i++) lots.push_back("queue_step oid=0 interval=100000 count=1 add=0");
    link.send("reset_step_clock oid=0 clock=100000");
    link.send(lots);
    EXPECT_EQ(shutdown_reason(link, link.run_for(100)), "Move queue overflow");
  }
}

TEST(FirmwareStepper, StepsStopWhenShutDown) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
             "finalize_config crc=0", "reset_step_clock oid=0 clock=10000",
             "queue_step oid=0 interval=1000 count=100 add=0"});
  link.run_until(15500);
  link.send("emergency_stop");
  link.run_until(200000);
  EXPECT_EQ(pins.rises(kPA5).size(), 5u);
  EXPECT_EQ(fw::sim::pin_state(kPA5).level, 0);
}

TEST(FirmwareStepper, ShutdownWithQueuedMovesKeepsTheMoveQueueIntact) {
  SimLink link;
  link.send({"allocate_oids count=1",
             "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
             "finalize_config crc=0", "reset_step_clock oid=0 clock=10000",
             "queue_step oid=0 interval=1000 count=100 add=0",
             "queue_step oid=0 interval=1000 count=100 add=0",
             "queue_step oid=0 interval=1000 count=100 add=0"});
  link.run_until(20000);
  link.send("emergency_stop");
  link.run_until(30000);
  // Every item is back on the free list once: all of them can be taken again without a cycle.
  link.send("clear_shutdown");
  link.run_for(100);
  std::vector<std::string> lots = {"reset_step_clock oid=0 clock=" +
                                   std::to_string(link.now() + 100000)};
  for (int i = 0; i < 1000; i++) lots.push_back("queue_step oid=0 interval=50000 count=1 add=0");
  link.send(lots);
  auto msgs = link.run_for(100);
  EXPECT_EQ(shutdown_reason(link, msgs), "");
  link.send("queue_step oid=0 interval=50000 count=1 add=0");
  EXPECT_EQ(shutdown_reason(link, link.run_for(100)), "");
  std::vector<std::string> more(30, "queue_step oid=0 interval=50000 count=1 add=0");
  link.send(more);
  EXPECT_EQ(shutdown_reason(link, link.run_for(100)), "Move queue overflow");
}

TEST(FirmwareHoming, EndstopStopsStepperThroughTrsync) {
  SimLink link;
  PinRecorder pins;
  pins.inputs[kPB3] = 0;
  pins.input_change[kPB3] = 60000;  // the endstop closes here
  link.send({"allocate_oids count=3",
             "config_stepper oid=0 step_pin=PA5 dir_pin=PA4 invert_step=0 step_pulse_ticks=20",
             "config_endstop oid=1 pin=PB3 pull_up=1", "config_trsync oid=2",
             "finalize_config crc=0"});
  link.run_for(1000);
  link.send({"trsync_start oid=2 report_clock=20000 report_ticks=10000 expire_reason=4",
             "stepper_stop_on_trigger oid=0 trsync_oid=2", "trsync_set_timeout oid=2 clock=500000",
             "endstop_home oid=1 clock=20000 sample_ticks=100 sample_count=4 rest_ticks=500 "
             "pin_value=1 trsync_oid=2 trigger_reason=1",
             "reset_step_clock oid=0 clock=20000",
             "queue_step oid=0 interval=1000 count=200 add=0"});
  auto msgs = link.run_until(100000);
  // Endstop seen at 60000, confirmed by 3 more samples 100 apart: trigger at 60300.
  auto rises = pins.rises(kPA5);
  ASSERT_FALSE(rises.empty());
  EXPECT_LE(rises.back(), 60300u);
  EXPECT_EQ(rises.size(), 40u);
  const Msg* report = nullptr;
  for (const Msg& m : msgs)
    if (m.name == "trsync_state" && m["can_trigger"] == 0) {
      report = &m;
      break;
    }
  ASSERT_NE(report, nullptr);
  EXPECT_EQ((*report)["trigger_reason"], 1);
  EXPECT_EQ((*report)["clock"], 60300);
  Msg es = link.query("endstop_query_state oid=1", "endstop_state");
  EXPECT_EQ(es["homing"], 1);
  EXPECT_EQ(es["pin_value"], 1);
  EXPECT_EQ(link.query("stepper_get_position oid=0", "stepper_position")["pos"], -40);
  // Moves queued after the stop are ignored until the clock is reset.
  link.send("queue_step oid=0 interval=1000 count=5 add=0");
  link.run_for(20000);
  EXPECT_EQ(pins.rises(kPA5).size(), 40u);
  EXPECT_EQ(shutdown_reason(link, link.run_for(100)), "");
}

TEST(FirmwareHoming, TrsyncTimeoutAndManualTrigger) {
  SimLink link;
  link.send({"allocate_oids count=1", "config_trsync oid=0", "finalize_config crc=0"});
  link.run_for(1000);
  link.send({"trsync_start oid=0 report_clock=0 report_ticks=0 expire_reason=4",
             "trsync_set_timeout oid=0 clock=50000"});
  auto msgs = link.run_until(60000);
  int reports = 0;
  for (const Msg& m : msgs)
    if (m.name == "trsync_state") {
      reports++;
      EXPECT_EQ(m["trigger_reason"], 4);
    }
  EXPECT_EQ(reports, 1);
  Msg m = link.query("trsync_trigger oid=0 reason=2", "trsync_state");
  EXPECT_EQ(m["can_trigger"], 0);
  EXPECT_EQ(m["trigger_reason"], 4);  // already triggered by the timeout
}

}  // namespace
