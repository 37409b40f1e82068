// The MCU side of the wire protocol: identify, sequence numbers, acks and naks, resynchronising
// after garbage, command parsing errors, basic commands.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim_link.h"

using fwtest::Msg;
using fwtest::SimLink;

namespace {

const Msg* find(const std::vector<Msg>& msgs, const std::string& name) {
  for (const Msg& m : msgs)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(FirmwareProtocol, IdentifyGivesKlipperStyleDictionary) {
  SimLink link;
  auto d = nlohmann::json::parse(link.dictionary_json);
  EXPECT_EQ(d["commands"]["identify offset=%u count=%c"], 1);
  EXPECT_EQ(d["responses"]["identify_response offset=%u data=%.*s"], 0);
  EXPECT_TRUE(d["commands"].contains("queue_step oid=%c interval=%u count=%hu add=%hi"));
  EXPECT_TRUE(d["commands"].contains(
      "config_stepper oid=%c step_pin=%c dir_pin=%c invert_step=%c step_pulse_ticks=%u"));
  EXPECT_TRUE(d["responses"].contains("config is_config=%c crc=%u is_shutdown=%c move_count=%hu"));
  EXPECT_EQ(d["config"]["CLOCK_FREQ"], 20000000);
  EXPECT_EQ(d["enumerations"]["pin"]["PB0"], nlohmann::json::array({16, 16}));
  // Every message id fits one byte on the wire (-32..95), as older hosts require.
  for (auto* section : {&d["commands"], &d["responses"]})
    for (auto& [fmt, id] : section->items()) {
      EXPECT_GE(id.get<int>(), -32) << fmt;
      EXPECT_LE(id.get<int>(), 95) << fmt;
    }
  EXPECT_EQ(link.enum_value("pin", "PK15"), 175);
  EXPECT_GT(link.acks(), 0);
  EXPECT_EQ(link.naks(), 0);
}

TEST(FirmwareProtocol, ClockAndUptimeFollowVirtualTime) {
  SimLink link(1000);
  link.run_until(500000);
  Msg c = link.query("get_clock", "clock");
  EXPECT_EQ(c["clock"], 500000);
  link.run_until((1ull << 32) + 77);
  Msg u = link.query("get_uptime", "uptime");
  EXPECT_EQ(u["clock"], 77);
  EXPECT_EQ(u["high"], 1);
}

TEST(FirmwareProtocol, ConfigAndCrc) {
  SimLink link;
  Msg c = link.query("get_config", "config");
  EXPECT_EQ(c["is_config"], 0);
  EXPECT_EQ(c["move_count"], 0);
  link.send({"allocate_oids count=2", "finalize_config crc=305419896"});
  auto msgs = link.run_for(100);
  const Msg* cfg = find(msgs, "config");
  ASSERT_NE(cfg, nullptr);
  EXPECT_EQ((*cfg)["is_config"], 1);
  EXPECT_EQ((*cfg)["crc"], 305419896);
  EXPECT_EQ((*cfg)["is_shutdown"], 0);
  EXPECT_EQ((*cfg)["move_count"], 1024);
}

TEST(FirmwareProtocol, WrongSequenceIsNakedAndDropped) {
  SimLink link;
  int acks = link.acks();
  // A valid block with the wrong sequence number: nak, and get_clock does not run.
  link.send_raw(link.frame((link.next_seq() + 3) & 15, link.encode("get_clock")));
  auto msgs = link.run_for(100);
  EXPECT_EQ(find(msgs, "clock"), nullptr);
  EXPECT_EQ(link.naks(), 1);
  EXPECT_EQ(link.acks(), acks);
  // The right sequence still works.
  EXPECT_NO_THROW(link.query("get_clock", "clock"));
}

TEST(FirmwareProtocol, ResynchronisesAfterGarbage) {
  SimLink link;
  std::vector<uint8_t> junk = {0x10, 0x33, 0x55, 0x7e, 0x7e};
  link.send_raw(junk);
  link.run_for(100);
  EXPECT_EQ(link.naks(), 1);  // one nak per stretch of garbage
  Msg c = link.query("get_clock", "clock");
  EXPECT_GT(c["clock"], 0);
}

TEST(FirmwareProtocol, CorruptCrcIsNotExecuted) {
  SimLink link;
  auto blk = link.frame(link.next_seq(), link.encode("emergency_stop"));
  blk[blk.size() - 2] ^= 0x55;
  link.send_raw(blk);
  link.run_for(100);
  EXPECT_EQ(link.query("get_config", "config")["is_shutdown"], 0);
}

TEST(FirmwareProtocol, EmergencyStopAndClearShutdown) {
  SimLink link;
  link.send("emergency_stop");
  auto msgs = link.run_for(100);
  const Msg* s = find(msgs, "shutdown");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(link.static_string(static_cast<int>((*s)["static_string_id"])), "Command request");
  // Commands not allowed in shutdown answer is_shutdown.
  Msg is = link.query("allocate_oids count=3", "is_shutdown");
  EXPECT_EQ(link.static_string(static_cast<int>(is["static_string_id"])), "Command request");
  link.send("clear_shutdown");
  link.run_for(100);
  EXPECT_EQ(link.query("get_config", "config")["is_shutdown"], 0);
}

TEST(FirmwareProtocol, InvalidOidShutsDown) {
  SimLink link;
  link.send({"allocate_oids count=1", "queue_step oid=0 interval=100 count=1 add=0"});
  auto msgs = link.run_for(100);
  const Msg* s = find(msgs, "shutdown");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(link.static_string(static_cast<int>((*s)["static_string_id"])), "Invalid oid type");
}

TEST(FirmwareProtocol, DebugPingEchoes) {
  SimLink link;
  Msg m = link.query("debug_ping data=0102ff", "pong");
  EXPECT_EQ(m.bufs["data"], std::string("\x01\x02\xff", 3));
}

TEST(FirmwareProtocol, StatsAreReported) {
  SimLink link;
  auto msgs = link.run_for(6 * 20000000ull);
  const Msg* s = find(msgs, "stats");
  ASSERT_NE(s, nullptr);
  EXPECT_GT((*s)["count"], 0);
}

}  // namespace
