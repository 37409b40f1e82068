// The live link state machine against a scripted fake MCU: block framing, acks and naks,
// retransmits and RTO growth, the send windows, clock ordering and min_clock holding.
#include "mcu/link_core.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mcu/msgblock.h"
#include "protocol/msgblock.h"

namespace kpp {
namespace {

// Records what the core writes and cuts it into blocks.
class Wire : public LinkWriter {
 public:
  void write(const uint8_t* data, size_t len) override {
    bytes.insert(bytes.end(), data, data + len);
    writes++;
  }
  void discard_output() override { discards++; }
  // Blocks written since the last call (a retransmit's leading sync byte is skipped).
  std::vector<std::vector<uint8_t>> take_blocks() {
    std::vector<std::vector<uint8_t>> out;
    reader.feed(bytes, [&](std::span<const uint8_t> b) { out.emplace_back(b.begin(), b.end()); });
    bytes.clear();
    return out;
  }
  std::vector<uint8_t> bytes;
  mcu::BlockReader reader;
  int writes = 0, discards = 0;
};

std::vector<uint8_t> mcu_block(uint8_t seq, std::vector<uint8_t> payload = {}) {
  std::vector<uint8_t> b(payload.size() + proto::kMessageMin);
  proto::block_encode(b.data(), seq, payload.data(), payload.size());
  return b;
}

std::vector<uint8_t> payload_of(const std::vector<uint8_t>& block) {
  return {block.begin() + 2, block.end() - 3};
}

class LinkCoreTest : public ::testing::Test {
 protected:
  Wire wire;
  LinkCore core{wire};
  std::vector<LinkReceived> got;
  std::vector<LinkCore::FastCall> fast;

  void feed(const std::vector<uint8_t>& bytes, double t) { core.receive(bytes, t, got, fast); }
  void ack(uint64_t seq, double t) { feed(mcu_block(static_cast<uint8_t>(seq & 15)), t); }
  // A clock estimate of 1 MHz with clock 0 at time 0.
  void set_clock() {
    ClockEstimate ce;
    ce.est_freq = 1e6;
    core.set_clock_estimate(ce);
  }
  void send(int queue, std::vector<uint8_t> msg, uint64_t min_clock = 0, uint64_t req_clock = 0,
            uint64_t notify = 0) {
    core.send(queue, msg, min_clock, req_clock, notify);
  }
};

TEST_F(LinkCoreTest, SendsBlockWithSequenceAndCrc) {
  send(0, {0x05, 0x01});
  EXPECT_EQ(core.next_wake(), LinkCore::kNow);
  core.run_timers(1.0);
  auto blocks = wire.take_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0][0], 7u);                  // length
  EXPECT_EQ(blocks[0][1], 0x10 | 1);            // first sequence is 1
  EXPECT_EQ(payload_of(blocks[0]), (std::vector<uint8_t>{0x05, 0x01}));
  EXPECT_EQ(core.send_seq(), 2u);
  // A retransmit is armed at send time + rto.
  EXPECT_DOUBLE_EQ(core.next_wake(), 1.0 + LinkCore::kMinRto);
  EXPECT_EQ(core.stats().bytes_write, 7u);
}

TEST_F(LinkCoreTest, PacksMessagesIntoOneBlockUpToPayloadMax) {
  for (int i = 0; i < 30; i++) send(0, {0x20, static_cast<uint8_t>(i)});  // 60 bytes
  core.run_timers(1.0);
  auto blocks = wire.take_blocks();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(payload_of(blocks[0]).size(), 58u);  // 29 messages of 2 bytes fit 59
  EXPECT_EQ(payload_of(blocks[1]).size(), 2u);
  EXPECT_EQ(blocks[1][1] & 15, 2);
}

TEST_F(LinkCoreTest, AckUpdatesRttAndStopsRetransmit) {
  send(0, {0x05});
  core.run_timers(1.0);
  wire.take_blocks();
  ack(2, 1.010);
  auto s = core.stats();
  EXPECT_EQ(s.receive_seq, 2u);
  // First sample: rttvar = delta/2, srtt = 10*delta (a cautious start), rto = srtt + 4*rttvar.
  EXPECT_NEAR(s.rttvar, 0.005, 1e-9);
  EXPECT_NEAR(s.srtt, 0.100, 1e-9);
  EXPECT_NEAR(s.rto, 0.120, 1e-9);
  EXPECT_EQ(core.next_wake(), LinkCore::kNow);  // command timer kicked by the ack
  core.run_timers(1.010);
  EXPECT_EQ(core.next_wake(), LinkCore::kNever);  // nothing pending, no retransmit armed
  // Second sample: the RFC 6298 smoothing.
  send(0, {0x06});
  core.run_timers(2.0);
  ack(3, 2.020);
  s = core.stats();
  EXPECT_NEAR(s.rttvar, (3. * 0.005 + std::fabs(0.100 - 0.020)) / 4., 1e-9);
  EXPECT_NEAR(s.srtt, (7. * 0.100 + 0.020) / 8., 1e-9);
}

TEST_F(LinkCoreTest, TimeoutRetransmitsEverythingUnackedAndDoublesRto) {
  send(0, {0x05});
  core.run_timers(1.0);
  send(0, {0x06});
  core.run_timers(1.001);
  ASSERT_EQ(wire.take_blocks().size(), 2u);
  double t = core.next_wake();
  EXPECT_DOUBLE_EQ(t, 1.0 + LinkCore::kMinRto);
  core.run_timers(t);
  // Sync byte + both blocks again.
  ASSERT_EQ(wire.bytes.size(), 1u + 6u + 6u);
  EXPECT_EQ(wire.bytes[0], proto::kMessageSync);
  EXPECT_EQ(wire.discards, 1);
  auto again = wire.take_blocks();
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0][1] & 15, 1);
  EXPECT_EQ(again[1][1] & 15, 2);
  auto s = core.stats();
  EXPECT_EQ(s.bytes_retransmit, 13u);
  EXPECT_EQ(s.retransmit_seq, 3u);
  EXPECT_DOUBLE_EQ(s.rto, 2 * LinkCore::kMinRto);
  // Each further timeout doubles the RTO, up to the maximum.
  double rto = s.rto;
  for (int i = 0; i < 10; i++) {
    t = core.next_wake();
    core.run_timers(t);
    rto = std::min(rto * 2., LinkCore::kMaxRto);
    EXPECT_DOUBLE_EQ(core.rto(), rto);
  }
  EXPECT_DOUBLE_EQ(core.rto(), LinkCore::kMaxRto);
  // The first ack after a retransmit gives no RTT sample (Karn's rule) and keeps the RTO.
  ack(3, t + 0.001);
  EXPECT_EQ(core.stats().srtt, 0.);
  EXPECT_EQ(core.next_wake(), LinkCore::kNow);
}

TEST_F(LinkCoreTest, DuplicateAckIsANakAndRetransmitsAtOnce) {
  send(0, {0x05});
  core.run_timers(1.0);
  send(0, {0x06});
  core.run_timers(1.0);
  wire.take_blocks();
  ack(2, 1.002);  // first block acknowledged
  core.run_timers(1.002);
  EXPECT_GT(core.next_wake(), 1.002);
  ack(2, 1.003);  // the same again: the MCU did not get block 2
  EXPECT_EQ(core.next_wake(), LinkCore::kNow);
  core.run_timers(1.003);
  auto blocks = wire.take_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0][1] & 15, 2);
  // A nak does not back off the RTO.
  EXPECT_DOUBLE_EQ(core.rto(), core.stats().rto);
  EXPECT_LT(core.rto(), 0.2);
  // A repeated nak right after the retransmit is ignored (the retransmit is on its way).
  ack(2, 1.004);
  EXPECT_GT(core.next_wake(), 1.004);
}

TEST_F(LinkCoreTest, AtMostTwelveBlocksInFlight) {
  for (int i = 0; i < 20; i++) {
    std::vector<uint8_t> big(50, 0x20);
    send(0, big);
  }
  core.run_timers(1.0);
  EXPECT_EQ(wire.take_blocks().size(), 12u);
  ack(5, 1.001);  // four blocks acknowledged: four more may go
  core.run_timers(1.001);
  EXPECT_EQ(wire.take_blocks().size(), 4u);
}

TEST_F(LinkCoreTest, ReceiveWindowLimitsUnackedBytes) {
  core.set_receive_window(192);
  for (int i = 0; i < 10; i++) {
    std::vector<uint8_t> big(50, 0x20);
    send(0, big);
  }
  core.run_timers(1.0);
  // 55-byte blocks: the first goes out; the next only while unacked + 64 <= 192.
  EXPECT_EQ(wire.take_blocks().size(), 3u);
  ack(3, 1.001);
  core.run_timers(1.001);
  EXPECT_EQ(wire.take_blocks().size(), 2u);
}

TEST_F(LinkCoreTest, LowestReqClockGoesFirstAcrossQueues) {
  set_clock();
  send(1, {0x31}, 0, 300000);
  send(2, {0x32}, 0, 100000);
  send(3, {0x33}, 0, 200000);
  send(1, {0x34}, 0, 150000);  // behind 0x31 in its own queue
  core.run_timers(0.);
  auto blocks = wire.take_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(payload_of(blocks[0]), (std::vector<uint8_t>{0x32, 0x33, 0x31, 0x34}));
}

TEST_F(LinkCoreTest, MessagesWaitUntilQuarterSecondBeforeTheirClock) {
  set_clock();
  send(1, {0x40}, 0, 2000000);  // needed at clock 2.0 s
  core.run_timers(0.);
  EXPECT_TRUE(wire.take_blocks().empty());
  // Sent 0.25 s ahead (plus the time a minimal block takes on the wire, none here).
  EXPECT_NEAR(core.next_wake(), 1.75, 1e-6);
  core.run_timers(1.75);
  EXPECT_EQ(wire.take_blocks().size(), 1u);
}

TEST_F(LinkCoreTest, MinClockHoldsMessagesBack) {
  set_clock();
  send(1, {0x41}, 500000, 800000);
  EXPECT_EQ(core.stats().upcoming_bytes, 1u);
  core.run_timers(0.);
  EXPECT_TRUE(wire.take_blocks().empty());
  EXPECT_NEAR(core.next_wake(), 0.50, 1e-6);  // not before min_clock
  core.run_timers(0.50);
  EXPECT_EQ(core.stats().ready_bytes, 1u);
  EXPECT_TRUE(wire.take_blocks().empty());
  EXPECT_NEAR(core.next_wake(), 0.55, 1e-6);  // then 0.25 s before req_clock
  core.run_timers(0.55);
  EXPECT_EQ(wire.take_blocks().size(), 1u);
}

TEST_F(LinkCoreTest, EnoughReadyBytesGoAtOnce) {
  set_clock();
  for (int i = 0; i < 12; i++) send(1, {0x50, 1, 2, 3, 4}, 0, 5000000);
  core.run_timers(0.);  // 60 ready bytes: a full block goes now, the rest waits
  EXPECT_EQ(wire.take_blocks().size(), 1u);
  EXPECT_EQ(core.stats().ready_bytes, 5u);
}

TEST_F(LinkCoreTest, ReceivesDataWithSendTimes) {
  send(0, {0x05});
  core.run_timers(1.0);
  wire.take_blocks();
  feed(mcu_block(2, {0x60, 0x07}), 1.004);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, (std::vector<uint8_t>{0x60, 0x07}));
  EXPECT_DOUBLE_EQ(got[0].sent_time, 1.0);
  EXPECT_DOUBLE_EQ(got[0].receive_time, 1.004);
  EXPECT_EQ(core.stats().bytes_read, 7u);
}

TEST_F(LinkCoreTest, WireTimeCountsIntoTimes) {
  core.set_wire_frequency(250000.);  // 40 us per byte
  send(0, {0x05});
  core.run_timers(1.0);
  feed(mcu_block(2, {0x60, 0x07}), 1.004);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NEAR(got[0].sent_time, 1.0 + 6 * 40e-6, 1e-12);     // block fully on the wire
  EXPECT_NEAR(got[0].receive_time, 1.004 - 7 * 40e-6, 1e-12);  // block began arriving
}

TEST_F(LinkCoreTest, GarbageIsCountedAndSkipped) {
  std::vector<uint8_t> junk = {0x01, 0x02, 0x03, 0x7e};
  auto b = mcu_block(1, {0x61});
  junk.insert(junk.end(), b.begin(), b.end());
  feed(junk, 1.0);
  EXPECT_EQ(core.stats().bytes_invalid, 4u);
  ASSERT_EQ(got.size(), 1u);
  // A corrupted CRC makes the block garbage too.
  auto bad = mcu_block(1, {0x62});
  bad[3] ^= 0xff;
  feed(bad, 1.1);
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(core.stats().bytes_invalid, 4u + bad.size());
}

TEST_F(LinkCoreTest, AckForUnsentBlockIsRejected) {
  send(0, {0x05});
  core.run_timers(1.0);
  ack(2, 1.001);
  ack(7, 1.002);  // never sent that far
  EXPECT_EQ(core.stats().receive_seq, 2u);
  EXPECT_EQ(core.stats().bytes_invalid, 5u);
}

TEST_F(LinkCoreTest, SessionStartAdoptsTheMcuSequence) {
  // The MCU expects sequence 0 (it was reset); our first block (seq 1) is naked with seq 0.
  send(0, {0x01});
  core.run_timers(1.0);
  wire.take_blocks();
  ack(0, 1.001);
  EXPECT_EQ(core.receive_seq(), 16u);
  EXPECT_EQ(core.send_seq(), 16u);
  send(0, {0x02});
  core.run_timers(1.002);
  auto blocks = wire.take_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0][1] & 15, 0);
}

TEST_F(LinkCoreTest, NotificationComesAfterTheResponses) {
  send(0, {0x05}, 0, 0, 42);
  core.run_timers(1.0);
  feed(mcu_block(2, {0x60}), 1.002);  // a response carrying the ack
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].notify_id, 0u);
  ack(2, 1.003);  // the ack block itself
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].notify_id, 42u);
  EXPECT_DOUBLE_EQ(got[1].sent_time, 1.0);
}

TEST_F(LinkCoreTest, NotificationIsReleasedOneRtoAfterALostAck) {
  send(0, {0x05}, 0, 0, 42);
  core.run_timers(1.0);
  feed(mcu_block(2, {0x60}), 1.002);  // the response; the ack block after it is lost
  ASSERT_EQ(got.size(), 1u);
  core.run_timers(1.002);  // the command timer the ack kicked: nothing to send
  // Nothing is unacknowledged, so nothing is retransmitted: only the notify timer is armed.
  EXPECT_DOUBLE_EQ(core.next_wake(), 1.002 + core.rto());
  std::vector<LinkReceived> late;
  core.run_timers(1.002 + core.rto(), &late);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].notify_id, 42u);
  EXPECT_EQ(core.next_wake(), LinkCore::kNever);
  EXPECT_TRUE(wire.take_blocks().size() == 1);  // just the original block, no retransmit
}

TEST_F(LinkCoreTest, BackgroundMessagesYieldToOthers) {
  set_clock();
  send(1, {0x70}, 0, LinkCore::kBackgroundPriorityClock);
  send(2, {0x71}, 0, 10000);
  core.run_timers(0.);
  auto blocks = wire.take_blocks();
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(payload_of(blocks[0]), (std::vector<uint8_t>{0x71, 0x70}));
}

TEST_F(LinkCoreTest, FastReaderMatchesPrefix) {
  auto fr = core.add_fast_reader({0x60, 0x03}, [](std::span<const uint8_t>) {});
  feed(mcu_block(1, {0x60, 0x03, 0x01}), 1.0);
  feed(mcu_block(1, {0x60, 0x04, 0x01}), 1.0);
  ASSERT_EQ(fast.size(), 1u);
  EXPECT_EQ(fast[0].reader, fr);
  EXPECT_EQ(fast[0].payload, (std::vector<uint8_t>{0x60, 0x03, 0x01}));
  EXPECT_EQ(got.size(), 2u);  // still delivered as ordinary messages
  core.remove_fast_reader(fr);
  feed(mcu_block(1, {0x60, 0x03, 0x02}), 1.0);
  EXPECT_EQ(fast.size(), 1u);
}

TEST_F(LinkCoreTest, ClockEstimateConversions) {
  ClockEstimate ce;
  ce.conv_time = 10.;
  ce.conv_clock = 1000000;
  ce.est_freq = 1e6;
  ce.last_clock = 0x1fffffff0ULL;
  EXPECT_EQ(ce.clock_from_time(11.5), 2500000u);
  EXPECT_DOUBLE_EQ(ce.clock_to_time(500000), 9.5);
  EXPECT_EQ(ce.clock_from_clock32(0x00000010), 0x200000010ULL);  // wrapped forward
  EXPECT_EQ(ce.clock_from_clock32(0xfffffff0), 0x1fffffff0ULL);
  EXPECT_EQ(ce.clock_from_clock32(0xffffff00), 0x1ffffff00ULL);  // slightly behind
}

TEST_F(LinkCoreTest, StatsText) {
  EXPECT_EQ(core.stats().text(),
            "bytes_write=0 bytes_read=0 bytes_retransmit=0 bytes_invalid=0 send_seq=1 "
            "receive_seq=1 retransmit_seq=0 srtt=0.000 rttvar=0.000 rto=0.025 ready_bytes=0 "
            "upcoming_bytes=0");
}

}  // namespace
}  // namespace kpp
