// Digital outputs (scheduled, software PWM, max_duration watchdog), hardware PWM and ADC.
#include <gtest/gtest.h>

#include "pin_recorder.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::PinRecorder;
using fwtest::SimLink;

namespace {

constexpr uint16_t kPB1 = 17, kPC0 = 32, kPD4 = 52;

std::string shutdown_reason(SimLink& link, const std::vector<Msg>& msgs) {
  for (const Msg& m : msgs)
    if (m.name == "shutdown") return link.static_string(static_cast<int>(m["static_string_id"]));
  return "";
}

TEST(FirmwareDigitalOut, ScheduledChanges) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PB1 value=0 default_value=0 max_duration=0",
             "finalize_config crc=0", "queue_digital_out oid=0 clock=30000 on_ticks=1",
             "queue_digital_out oid=0 clock=45000 on_ticks=0",
             "queue_digital_out oid=0 clock=47000 on_ticks=1"});
  link.run_until(100000);
  EXPECT_EQ(pins.changes(kPB1), (std::vector<uint64_t>{30000, 45000, 47000}));
  EXPECT_EQ(fw::sim::pin_state(kPB1).level, 1);
}

TEST(FirmwareDigitalOut, HeaterWatchdogShutsDownAndTurnsOff) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PB1 value=0 default_value=0 max_duration=20000",
             "finalize_config crc=0", "queue_digital_out oid=0 clock=30000 on_ticks=1",
             "queue_digital_out oid=0 clock=45000 on_ticks=1"});
  auto msgs = link.run_until(64000);
  EXPECT_EQ(shutdown_reason(link, msgs), "");
  msgs = link.run_until(66000);  // 45000 + max_duration passes without an update
  EXPECT_EQ(shutdown_reason(link, msgs), "Missed scheduling of next digital out event");
  EXPECT_EQ(fw::sim::pin_state(kPB1).level, 0);
  EXPECT_EQ(pins.changes(kPB1).back(), 65000u);
}

TEST(FirmwareDigitalOut, UpdateTooLateForMaxDuration) {
  SimLink link;
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PB1 value=0 default_value=0 max_duration=20000",
             "finalize_config crc=0", "queue_digital_out oid=0 clock=30000 on_ticks=1",
             "queue_digital_out oid=0 clock=55000 on_ticks=0"});
  EXPECT_EQ(shutdown_reason(link, link.run_until(40000)),
            "Scheduled digital out event will exceed max_duration");
}

TEST(FirmwareDigitalOut, SoftwarePwm) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PB1 value=0 default_value=0 max_duration=0",
             "set_digital_out_pwm_cycle oid=0 cycle_ticks=1000", "finalize_config crc=0",
             "queue_digital_out oid=0 clock=10000 on_ticks=250",
             "queue_digital_out oid=0 clock=14000 on_ticks=0"});
  link.run_until(20000);
  std::vector<uint64_t> want;
  for (uint64_t t = 10000; t < 14000; t += 1000) {
    want.push_back(t);
    want.push_back(t + 250);
  }
  EXPECT_EQ(pins.changes(kPB1), want);
}

TEST(FirmwareDigitalOut, UpdateDigitalOutStartsWatchdog) {
  SimLink link;
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PB1 value=0 default_value=0 max_duration=5000",
             "finalize_config crc=0", "update_digital_out oid=0 value=1"});
  auto msgs = link.run_for(4000);
  EXPECT_EQ(shutdown_reason(link, msgs), "");
  EXPECT_EQ(fw::sim::pin_state(kPB1).level, 1);
  msgs = link.run_for(2000);
  EXPECT_EQ(shutdown_reason(link, msgs), "Missed scheduling of next digital out event");
  EXPECT_EQ(fw::sim::pin_state(kPB1).level, 0);
}

TEST(FirmwareDigitalOut, SetDigitalOutAtStartup) {
  SimLink link;
  link.send("set_digital_out pin=PD4 value=1");
  link.run_for(100);
  EXPECT_EQ(fw::sim::pin_state(kPD4).mode, fw::sim::PinMode::kOutput);
  EXPECT_EQ(fw::sim::pin_state(kPD4).level, 1);
}

TEST(FirmwarePwm, ScheduledDutyAndWatchdog) {
  SimLink link;
  PinRecorder pins;
  link.send({"allocate_oids count=1",
             "config_pwm_out oid=0 pin=PB1 cycle_ticks=2000 value=0 default_value=0 "
             "max_duration=30000",
             "finalize_config crc=0", "queue_pwm_out oid=0 clock=10000 value=128",
             "queue_pwm_out oid=0 clock=20000 value=255"});
  auto msgs = link.run_until(45000);
  EXPECT_EQ(shutdown_reason(link, msgs), "");
  ASSERT_GE(pins.pwm.size(), 3u);
  EXPECT_EQ(pins.pwm[1].level, 128);
  EXPECT_EQ(pins.pwm[1].clock, 10000u);
  EXPECT_EQ(pins.pwm[2].level, 255);
  msgs = link.run_until(60000);
  EXPECT_EQ(shutdown_reason(link, msgs), "Missed scheduling of next hard pwm event");
  EXPECT_EQ(fw::sim::pin_state(kPB1).pwm_value, 0);
}

TEST(FirmwareAdc, OversampledReportsInBatches) {
  SimLink link;
  PinRecorder pins;
  pins.adc[kPC0] = 1000;
  link.send({"allocate_oids count=1", "config_analog_in oid=0 pin=PC0", "finalize_config crc=0",
             "query_analog_in oid=0 clock=10000 sample_ticks=100 sample_count=4 rest_ticks=20000 "
             "bytes_per_report=4 min_value=0 max_value=8000 range_check_count=2"});
  auto msgs = link.run_until(100000);
  std::vector<Msg> reports;
  for (const Msg& m : msgs)
    if (m.name == "analog_in_state") reports.push_back(m);
  ASSERT_EQ(reports.size(), 2u);  // 4 readings, two per report
  const std::string& v = reports[0].bufs["values"];
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(static_cast<uint8_t>(v[0]) | static_cast<uint8_t>(v[1]) << 8, 4000);
  EXPECT_EQ(reports[0]["next_clock"], 50000);
  EXPECT_EQ(pins.adc_reads, 20);  // five rounds of four samples started by 100000
}

TEST(FirmwareAdc, OutOfRangeShutsDown) {
  SimLink link;
  PinRecorder pins;
  pins.adc[kPC0] = 4000;  // sum of 4 = 16000 > max
  link.send({"allocate_oids count=1", "config_analog_in oid=0 pin=PC0", "finalize_config crc=0",
             "query_analog_in oid=0 clock=10000 sample_ticks=100 sample_count=4 rest_ticks=20000 "
             "bytes_per_report=2 min_value=100 max_value=15000 range_check_count=2"});
  auto msgs = link.run_until(20000);
  EXPECT_EQ(shutdown_reason(link, msgs), "");  // one bad reading is tolerated
  msgs = link.run_until(40000);
  EXPECT_EQ(shutdown_reason(link, msgs), "ADC out of range");
  // Readings continue after the shutdown.
  int after = pins.adc_reads;
  link.run_until(100000);
  EXPECT_GT(pins.adc_reads, after);
}

}  // namespace
