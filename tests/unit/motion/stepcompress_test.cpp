// StepCompress: every step inside its max_error window, valid queue_step limits, the
// step+dir+step filter, far steps, history and position queries.
#include "motion/stepcompress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "motion_test_util.h"

namespace kpp::motion {
namespace {

using testing::kQueueStepTag;
using testing::kSetDirTag;
using testing::StepDecoder;

// A compressor on a 1 Hz "clock", so that a step time in seconds is exactly its clock.
struct Fixture {
  explicit Fixture(uint32_t max_error) : sc(&out) {
    sc.configure(7, max_error, kQueueStepTag, kSetDirTag);
    sc.set_time(0., 1.);
  }
  void step(uint64_t clock, int dir = 1) { ASSERT_EQ(sc.append(dir, 0., double(clock)), 0); }
  MessageQueue out;
  StepCompress sc;
};

void check_limits(const std::vector<QueuedMessage>& msgs) {
  for (const QueuedMessage& qm : msgs) {
    if (qm.data[0] != kQueueStepTag) continue;
    uint32_t interval = qm.data[2], count = qm.data[3];
    int32_t add = static_cast<int32_t>(qm.data[4]);
    ASSERT_GE(count, 1u);
    ASSERT_LE(count, 65535u);
    ASSERT_GE(add, -32768);
    ASSERT_LE(add, 32767);
    ASSERT_FALSE(interval == 0 && add == 0 && count > 1);
    for (uint32_t i = 0; i < count; i++) {
      ASSERT_LT(interval, 0x80000000u) << "interval overflow at step " << i;
      interval += static_cast<uint32_t>(add);
    }
  }
}

TEST(StepCompress, ConstantIntervalsBecomeOneCommand) {
  Fixture f(25);
  for (int i = 1; i <= 100; i++) f.step(1000 + 40000ull * i);
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  StepDecoder d;
  d.feed_all(f.out);
  // Direction first; the first two steps (41000 ticks from clock 0, then 40000) share a
  // command with an `add`; the rest is one constant run.
  ASSERT_EQ(d.messages.size(), 3u);
  EXPECT_EQ(d.messages[0].data[0], kSetDirTag);
  EXPECT_EQ(d.messages[0].data[2], 1u);
  EXPECT_EQ(d.messages[1].data[2], 40984u);
  EXPECT_EQ(d.messages[1].data[3], 2u);
  EXPECT_EQ(int32_t(d.messages[1].data[4]), -968);
  EXPECT_EQ(d.messages[2].data[2], 40000u);
  EXPECT_EQ(d.messages[2].data[3], 98u);
  EXPECT_EQ(d.messages[2].data[4], 0u);
  // The first command of an unstarted stepper (last step clock 0) takes no move-queue slot.
  EXPECT_EQ(d.messages[1].min_clock, 0u);
  EXPECT_EQ(d.messages[2].min_clock, 81000u);
  ASSERT_EQ(d.steps.size(), 100u);
  EXPECT_EQ(d.steps.back().clock, 1000 + 40000ull * 100);
  EXPECT_EQ(f.sc.last_position(), 100);
}

TEST(StepCompress, AcceleratingStepsUseAdd) {
  Fixture f(25);
  // Steps of a constant acceleration from rest: t_n = sqrt(2 n / a), in ticks.
  std::vector<uint64_t> req;
  for (int n = 1; n <= 400; n++) req.push_back(uint64_t(1e6 + 2e5 * std::sqrt(n - 0.5)));
  for (uint64_t c : req) f.step(c);
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  StepDecoder d;
  d.feed_all(f.out);
  bool any_add = false;
  for (auto& m : d.messages)
    if (m.data[0] == kQueueStepTag && m.data[4] != 0) any_add = true;
  EXPECT_TRUE(any_add);
  EXPECT_LT(d.messages.size(), 60u);
  ASSERT_EQ(d.steps.size(), req.size());
  for (size_t i = 0; i < req.size(); i++) {
    EXPECT_LE(d.steps[i].clock, req[i]);
    EXPECT_LE(req[i] - d.steps[i].clock, 25u);
  }
}

// Property: on random step sequences every decoded step is at most max_error early and never
// late, the count is right and every queue_step is one the MCU accepts.
TEST(StepCompress, RandomSequencesStayWithinMaxErrorAndLimits) {
  std::mt19937_64 rng(12345);
  for (int trial = 0; trial < 300; trial++) {
    const uint32_t errors[] = {0, 1, 25, 400, 4500};
    uint32_t max_error = errors[rng() % 5];
    Fixture f(max_error);
    std::vector<uint64_t> req;
    std::vector<int> dirs;
    uint64_t clock = rng() % 100000;
    int dir = 1;
    int n = 1 + rng() % 3000;
    int style = trial % 4;
    double base = std::exp(std::uniform_real_distribution<double>(2., 14.)(rng));
    for (int i = 0; i < n; i++) {
      uint64_t interval;
      if (style == 0) {
        interval = 1 + rng() % 100000;  // arbitrary
      } else if (style == 1) {
        // Smoothly varying with a little jitter.
        interval = uint64_t(base * (1.3 + std::sin(i / 37.)) + rng() % 5) + 1;
      } else if (style == 2) {
        interval = uint64_t(base) + 1;  // constant
      } else {
        interval = rng() % 50 == 0 ? 700000000 + rng() % 500000000 : 1 + rng() % 3000;
      }
      clock += interval;
      if (rng() % 500 == 0) dir = !dir;
      req.push_back(clock);
      dirs.push_back(dir);
      f.step(clock, dir);
      if (rng() % 200 == 0) {
        ASSERT_EQ(f.sc.flush(clock - rng() % 1000), 0) << f.sc.error();
      }
    }
    ASSERT_EQ(f.sc.flush(UINT64_MAX), 0) << f.sc.error();
    StepDecoder d;
    d.feed_all(f.out);
    check_limits(d.messages);
    // Direction changes within kSdsFilterTime (under 1 tick here) are never filtered, so every
    // step is emitted.
    ASSERT_EQ(d.steps.size(), req.size()) << "trial " << trial;
    for (size_t i = 0; i < req.size(); i++) {
      ASSERT_LE(d.steps[i].clock, req[i]) << "trial " << trial << " step " << i;
      ASSERT_LE(req[i] - d.steps[i].clock, max_error) << "trial " << trial << " step " << i;
      ASSERT_EQ(d.steps[i].dir, dirs[i]);
      if (i) {
        ASSERT_GT(d.steps[i].clock, d.steps[i - 1].clock);
      }
    }
    int64_t pos = 0;
    for (int dd : dirs) pos += dd ? 1 : -1;
    EXPECT_EQ(f.sc.last_position(), pos);
  }
}

TEST(StepCompress, StepDirStepWithinFilterTimeIsCancelled) {
  MessageQueue out;
  StepCompress sc(&out);
  sc.configure(3, 25, kQueueStepTag, kSetDirTag);
  sc.set_time(0., 1e6);  // 1 MHz
  ASSERT_EQ(sc.append(1, 1., 0.000), 0);
  ASSERT_EQ(sc.append(1, 1., 0.010), 0);
  ASSERT_EQ(sc.append(0, 1., 0.0105), 0);  // 500us after the previous step, other direction
  ASSERT_EQ(sc.append(1, 1., 0.030), 0);
  ASSERT_EQ(sc.flush(UINT64_MAX), 0);
  StepDecoder d;
  d.feed_all(out);
  ASSERT_EQ(d.steps.size(), 2u);  // the step at 10ms and the one back were both dropped
  EXPECT_NEAR(double(d.steps[0].clock), 1e6, 1.);
  EXPECT_NEAR(double(d.steps[1].clock), 1.03e6, 25.);
  EXPECT_EQ(sc.last_position(), 2);
}

TEST(StepCompress, CommittedStepIsNotCancelled) {
  MessageQueue out;
  StepCompress sc(&out);
  sc.configure(3, 25, kQueueStepTag, kSetDirTag);
  sc.set_time(0., 1e6);
  ASSERT_EQ(sc.append(1, 1., 0.010), 0);
  ASSERT_EQ(sc.commit(), 0);
  ASSERT_EQ(sc.append(0, 1., 0.0105), 0);
  ASSERT_EQ(sc.flush(UINT64_MAX), 0);
  StepDecoder d;
  d.feed_all(out);
  ASSERT_EQ(d.steps.size(), 2u);
  EXPECT_EQ(d.steps[0].dir, 1);
  EXPECT_EQ(d.steps[1].dir, 0);
  EXPECT_EQ(sc.last_position(), 0);
}

TEST(StepCompress, FarStepGetsItsOwnCommandWithItsClockAsReqClock) {
  Fixture f(25);
  f.step(1000);
  f.step(2000);
  uint64_t far = 2000 + StepCompress::kClockDiffMax + 12345;
  f.step(far);
  f.step(far + 1000);
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  std::vector<QueuedMessage> msgs;
  while (!f.out.empty()) {
    msgs.push_back(f.out.front());
    f.out.pop_front();
  }
  bool found = false;
  for (auto& m : msgs)
    if (!found && m.data[0] == kQueueStepTag && m.data[3] == 1 && m.req_clock == far) {
      found = true;
      EXPECT_EQ(m.data[2], far - 2000);
      EXPECT_EQ(m.min_clock, 2000u);  // still takes its move-queue slot after the last step
    }
  EXPECT_TRUE(found);
}

TEST(StepCompress, FlushStopsAtMoveClock) {
  Fixture f(0);
  for (int i = 1; i <= 10; i++) f.step(100ull * i);
  ASSERT_EQ(f.sc.flush(450), 0);
  EXPECT_GE(f.sc.last_step_clock(), 450u);
  EXPECT_EQ(f.sc.last_step_clock() % 100, 0u);
  uint64_t before = f.sc.last_step_clock();
  ASSERT_EQ(f.sc.flush(450), 0);
  EXPECT_EQ(f.sc.last_step_clock(), before);
}

TEST(StepCompress, PastPositionFromHistory) {
  Fixture f(0);
  ASSERT_EQ(f.sc.set_last_position(0, 100), 0);
  for (int i = 1; i <= 10; i++) f.step(1000ull * i, 1);            // +10 by clock 10000
  for (int i = 1; i <= 5; i++) f.step(20000 + 500ull * i * i, 0);  // accelerating back
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  EXPECT_EQ(f.sc.last_position(), 105);
  EXPECT_EQ(f.sc.find_past_position(0), 100);
  EXPECT_EQ(f.sc.find_past_position(999), 100);
  EXPECT_EQ(f.sc.find_past_position(1000), 101);
  EXPECT_EQ(f.sc.find_past_position(5500), 105);
  EXPECT_EQ(f.sc.find_past_position(10000), 110);
  EXPECT_EQ(f.sc.find_past_position(15000), 110);
  EXPECT_EQ(f.sc.find_past_position(20500), 109);
  EXPECT_EQ(f.sc.find_past_position(22000), 108);
  EXPECT_EQ(f.sc.find_past_position(1000000), 105);
  HistorySteps hs[16];
  size_t n = f.sc.extract_old(hs, 0, UINT64_MAX);
  // Newest first; the marker at clock 0 ends at 0 and lies before the range.
  ASSERT_GE(n, 2u);
  EXPECT_LT(hs[0].step_count, 0);
  EXPECT_EQ(hs[n - 1].step_count, 10);
  EXPECT_EQ(hs[n - 1].start_position, 100);
  f.sc.history_expire(15000);
  EXPECT_LT(f.sc.extract_old(hs, 0, UINT64_MAX), n);
  EXPECT_EQ(f.sc.find_past_position(20500), 109);
}

TEST(StepCompress, ResetRestartsClockAndDirection) {
  Fixture f(0);
  f.step(1000, 1);
  ASSERT_EQ(f.sc.reset(0), 0);
  EXPECT_EQ(f.sc.last_step_clock(), 0u);
  f.step(500, 1);
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  StepDecoder d;
  d.feed_all(f.out);
  // The direction is sent again after the reset; the new step counts from clock 0.
  int dirs = 0;
  for (auto& m : d.messages) dirs += m.data[0] == kSetDirTag;
  EXPECT_EQ(dirs, 2);
  EXPECT_EQ(d.messages.back().data[2], 500u);
}

TEST(StepCompress, InvertedDirectionBit) {
  Fixture f(0);
  f.sc.set_invert_sdir(true);
  f.step(1000, 1);
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  EXPECT_EQ(f.out.front().data[0], kSetDirTag);
  EXPECT_EQ(f.out.front().data[2], 0u);
}

TEST(StepCompress, QueuedMessagesFollowTheSteps) {
  Fixture f(0);
  f.step(1000);
  const uint32_t msg[3] = {99, 7, 0};
  ASSERT_EQ(f.sc.queue_msg(msg), 0);
  ASSERT_EQ(f.sc.queue_mq_msg(5000, msg), 0);
  ASSERT_EQ(f.out.size(), 4u);
  EXPECT_EQ(f.out[2].data[0], 99u);
  EXPECT_EQ(f.out[2].req_clock, 1000u);
  EXPECT_EQ(f.out[2].min_clock, 0u);
  EXPECT_EQ(f.out[3].req_clock, 5000u);
  EXPECT_EQ(f.out[3].min_clock, 5000u);
}

TEST(StepCompress, LongRunsAreSplitAt65535Steps) {
  Fixture f(0);
  for (uint64_t i = 1; i <= 70000; i++) f.step(10 * i);
  ASSERT_EQ(f.sc.flush(UINT64_MAX), 0);
  StepDecoder d;
  d.feed_all(f.out);
  check_limits(d.messages);
  EXPECT_EQ(d.steps.size(), 70000u);
  EXPECT_EQ(d.steps.back().clock, 700000u);
}

}  // namespace
}  // namespace kpp::motion
