// Pulse counters and the two display drivers (HD44780 4-bit parallel, ST7920 serial), decoded
// from the pin traffic the way the devices would see it.
#include <gtest/gtest.h>

#include "pin_recorder.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::PinRecorder;
using fwtest::SimLink;

namespace {

constexpr uint16_t kPB0 = 16, kPB1 = 17, kPB2 = 18, kPB3 = 19, kPB4 = 20, kPB5 = 21, kPB6 = 22,
                   kPC3 = 35;

std::vector<Msg> named(const std::vector<Msg>& msgs, const std::string& name) {
  std::vector<Msg> out;
  for (const Msg& m : msgs)
    if (m.name == name) out.push_back(m);
  return out;
}

// A square wave on PC3: high for 1000 ticks, low for 1000.
struct Tachometer : PinRecorder {
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    if (pin == kPC3) return (clock / 1000) % 2;
    return PinRecorder::read_input(pin, clock);
  }
};

TEST(FirmwareCounter, CountsBothEdges) {
  SimLink link;
  Tachometer tach;
  link.send({"allocate_oids count=1", "config_counter oid=0 pin=PC3 pull_up=1",
             "finalize_config crc=0",
             "query_counter oid=0 clock=10000 poll_ticks=100 sample_ticks=20000"});
  auto msgs = named(link.run_until(31000), "counter_state");
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["count"], 0);
  EXPECT_EQ(msgs[0]["next_clock"], 10200);
  // Level changes at 11000, 12000, ... 30000.
  EXPECT_EQ(msgs[1]["count"], 20);
  EXPECT_EQ(msgs[1]["count_clock"], 30000);
  EXPECT_EQ(msgs[1]["next_clock"], 30300);
}

// HD44780: every falling edge of E (PB1) latches D4-D7 (PB2-PB5); RS is PB0.
struct Hd44780Model : PinRecorder {
  std::vector<std::pair<int, int>> bytes;  // (rs, byte)
  int half = -1;
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    PinRecorder::on_output(pin, level, clock);
    if (pin != kPB1 || level) return;
    int nibble = 0;
    for (int i = 0; i < 4; i++) nibble |= fw::sim::pin_state(kPB2 + i).level << i;
    if (half < 0) {
      half = nibble;
    } else {
      bytes.push_back({fw::sim::pin_state(kPB0).level, half << 4 | nibble});
      half = -1;
    }
  }
};

TEST(FirmwareHd44780, CommandsAndDataAsNibbles) {
  SimLink link;
  Hd44780Model lcd;
  link.send({"allocate_oids count=1",
             "config_hd44780 oid=0 rs_pin=PB0 e_pin=PB1 d4_pin=PB2 d5_pin=PB3 d6_pin=PB4 "
             "d7_pin=PB5 delay_ticks=740",
             "finalize_config crc=0", "hd44780_send_cmds oid=0 cmds=280c",
             "hd44780_send_data oid=0 data=4869"});
  link.run_for(10000);
  std::vector<std::pair<int, int>> want = {{0, 0x28}, {0, 0x0c}, {1, 'H'}, {1, 'i'}};
  EXPECT_EQ(lcd.bytes, want);
  link.send("emergency_stop");
  link.run_for(1000);
  for (uint16_t p : {kPB0, kPB1, kPB2, kPB3, kPB4, kPB5}) EXPECT_EQ(fw::sim::pin_state(p).level, 0);
}

// ST7920: SID (PB6) is read on every rising edge of SCLK (PB1); CS is PB0.
struct St7920Model : PinRecorder {
  std::vector<int> bytes;
  int bits = 0, cur = 0;
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    PinRecorder::on_output(pin, level, clock);
    if (pin != kPB1 || !level) return;
    cur = cur << 1 | fw::sim::pin_state(kPB6).level;
    if (++bits == 8) {
      bytes.push_back(cur);
      bits = cur = 0;
    }
  }
};

TEST(FirmwareSt7920, SyncByteAndNibbles) {
  SimLink link;
  St7920Model lcd;
  link.send({"allocate_oids count=1",
             "config_st7920 oid=0 cs_pin=PB0 sclk_pin=PB1 sid_pin=PB6 sync_delay_ticks=4 "
             "cmd_delay_ticks=1440",
             "finalize_config crc=0", "st7920_send_cmds oid=0 cmds=30",
             "st7920_send_data oid=0 data=a5"});
  link.run_for(10000);
  EXPECT_EQ(fw::sim::pin_state(kPB0).level, 1);
  EXPECT_EQ(fw::sim::pin_state(kPB1).level, 0);
  EXPECT_EQ(lcd.bytes, (std::vector<int>{0xf8, 0x30, 0x00, 0xfa, 0xa0, 0x50}));
}

}  // namespace
