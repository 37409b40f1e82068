// The batch-mode write order of background-priority messages (Klipper's serial queue writer
// with a 10^12 Hz clock estimate).
#include "mcu/batch_send_order.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kpp::mcu {
namespace {

constexpr uint64_t kBg = BatchSendOrder::kBackgroundPriorityClock;

// Records messages (named by their first byte) and block ends ('|').
class Recorder : public BatchSendOrder::Output {
 public:
  void message(std::span<const uint8_t> msg) override { log += static_cast<char>(msg[0]); }
  void message(const QueuedMessage& msg) override { log += static_cast<char>(msg.data[0]); }
  void end_block() override {
    if (!log.empty() && log.back() != '|') log += '|';
  }
  std::string log;
};

// A message of `len` bytes whose first byte is `name`.
std::vector<uint8_t> msg(char name, size_t len) {
  std::vector<uint8_t> m(len, 0);
  m[0] = static_cast<uint8_t>(name);
  return m;
}

QueuedMessage qmsg(char name, uint64_t req_clock) {
  QueuedMessage m;
  m.data[0] = static_cast<uint32_t>(name);  // < 96: a one-byte VLQ
  m.len = 2;  // id + one zero word: 2 bytes
  m.req_clock = req_clock;
  return m;
}

TEST(BatchSendOrder, RealClockMessagesGoOutAtOnceInQueueOrder) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(0, msg('a', 3), 0);
  o.send(1, msg('b', 3), 5000);
  o.send(0, msg('c', 3), 10);
  EXPECT_EQ(r.log, "abc");
  EXPECT_EQ(o.held_messages(), 0u);
}

TEST(BatchSendOrder, BackgroundMessageWaitsForTheNextUrgentOne) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(0, msg('a', 3), 0);
  o.send(2, msg('D', 4), kBg);
  o.send(2, msg('E', 4), kBg);
  EXPECT_EQ(r.log, "a");
  EXPECT_EQ(o.held_messages(), 2u);
  // A step batch on another queue: its messages first, the display's after them.
  std::vector<QueuedMessage> steps{qmsg('S', 900), qmsg('T', 901)};
  o.send_batch(1, steps);
  EXPECT_TRUE(steps.empty());
  EXPECT_EQ(r.log, "a|STDE|");
  EXPECT_EQ(o.held_messages(), 0u);
}

TEST(BatchSendOrder, OnlyWhatFitsTheLastBlockRidesAlong) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(2, msg('D', 20), kBg);
  o.send(2, msg('E', 20), kBg);
  o.send(2, msg('F', 10), kBg);  // 50 bytes held: less than a block's payload (59)
  EXPECT_EQ(r.log, "");
  o.send(0, msg('a', 15), 0);  // 15 + 20 + 20 fit, F (10 more) does not
  EXPECT_EQ(r.log, "aDE|");
  EXPECT_EQ(o.held_messages(), 1u);
  EXPECT_EQ(o.held_bytes(), 10u);
}

TEST(BatchSendOrder, AFullBlockOfBackgroundMessagesGoesOutAlone) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(0, msg('a', 5), 0);
  o.send(2, msg('D', 25), kBg);
  o.send(2, msg('E', 25), kBg);
  EXPECT_EQ(r.log, "a");  // 50 bytes
  o.send(2, msg('F', 25), kBg);  // 75 >= 59: one block (D, E); F (25) waits again
  EXPECT_EQ(r.log, "a|DE|");
  EXPECT_EQ(o.held_bytes(), 25u);
}

TEST(BatchSendOrder, UrgentMessageBehindABackgroundOneOnTheSameQueueWaits) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(3, msg('D', 4), kBg);
  o.send(3, msg('p', 4), 100);  // the queue's head is the background message
  EXPECT_EQ(r.log, "");
  o.send(0, msg('a', 4), 0);
  EXPECT_EQ(r.log, "aDp|");
}

TEST(BatchSendOrder, EqualBackgroundClocksFollowTheQueueThatWaitedFirst) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(5, msg('L', 4), kBg);
  o.send(4, msg('D', 4), kBg);
  o.send(5, msg('M', 4), kBg);
  o.send(0, msg('a', 4), 0);
  // After L, queue 5 still heads the list (it stayed non-empty): M before D.
  EXPECT_EQ(r.log, "aLMD|");
}

TEST(BatchSendOrder, LowerReqClockFirstAcrossWaitingQueues) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(3, msg('D', 4), kBg);
  o.send(3, msg('x', 4), 700);  // held behind D
  o.send(1, msg('y', 4), 500);
  // The writer runs for y; heads: D (background) and y: y, then D, then x (700).
  EXPECT_EQ(r.log, "yDx|");
}

TEST(BatchSendOrder, DrainWritesWhatIsLeft) {
  Recorder r;
  BatchSendOrder o(r);
  o.send(0, msg('a', 4), 0);
  o.send(2, msg('D', 4), kBg);
  o.drain();
  EXPECT_EQ(r.log, "a|D|");
  EXPECT_EQ(o.held_messages(), 0u);
}

}  // namespace
}  // namespace kpp::mcu
