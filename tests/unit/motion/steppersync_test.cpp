// StepperSync: messages of all emitters merged by req_clock, MCU move-queue slots, flushing up
// to a clock, print time to clock conversion, and threaded generation with identical output.
#include "motion/steppersync.h"

#include <gtest/gtest.h>

#include <cmath>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/corexy.h"
#include "motion/trapq.h"
#include "motion_test_util.h"

namespace kpp::motion {
namespace {

using testing::RecordingSink;

void queue(SyncEmitter& se, uint64_t req_clock, uint32_t tag, bool move_queue = true) {
  const uint32_t data[2] = {tag, 0};
  if (move_queue)
    se.queue_msg(req_clock, data);
  else
    se.messages().emplace_back() = QueuedMessage{{tag, 0}, 2, 0, req_clock};
}

TEST(StepperSync, MergesByReqClockFirstEmitterWinsTies) {
  RecordingSink sink;
  StepperSync ss;
  ss.setup_movequeue(&sink, 3, 100);
  SyncEmitter& a = ss.alloc_emitter("a", false);
  SyncEmitter& b = ss.alloc_emitter("b", false);
  queue(a, 100, 1);
  queue(a, 300, 2);
  queue(b, 100, 3);
  queue(b, 200, 4);
  ss.flush(1000);
  ASSERT_EQ(sink.sent[3].size(), 4u);
  std::vector<uint32_t> order;
  for (auto& m : sink.sent[3]) order.push_back(m.data[0]);
  EXPECT_EQ(order, (std::vector<uint32_t>{1, 3, 4, 2}));
  EXPECT_EQ(sink.batches, 1);
}

TEST(StepperSync, MoveQueueMessagesAfterTheFlushClockWait) {
  RecordingSink sink;
  StepperSync ss;
  ss.setup_movequeue(&sink, 0, 100);
  SyncEmitter& a = ss.alloc_emitter("a", false);
  queue(a, 100, 1);
  queue(a, 500, 2);
  ss.flush(400);
  ASSERT_EQ(sink.sent[0].size(), 1u);
  ss.flush(500);
  ASSERT_EQ(sink.sent[0].size(), 2u);
  // Messages outside the move queue go out whatever their clock.
  queue(a, 10000, 3, false);
  ss.flush(600);
  EXPECT_EQ(sink.sent[0].size(), 3u);
}

TEST(StepperSync, MinClockIsWhenAMoveQueueSlotFreesUp) {
  RecordingSink sink;
  StepperSync ss;
  ss.setup_movequeue(&sink, 0, 2);  // the MCU holds two queued moves
  SyncEmitter& a = ss.alloc_emitter("a", false);
  for (uint64_t c : {100, 200, 300, 400}) queue(a, c, uint32_t(c));
  ss.flush(1000);
  auto& s = sink.sent[0];
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].min_clock, 0u);
  EXPECT_EQ(s[1].min_clock, 0u);
  EXPECT_EQ(s[2].min_clock, 100u);  // waits for the first move to finish
  EXPECT_EQ(s[3].min_clock, 200u);
}

TEST(StepperSync, ClockFromPrintTime) {
  StepperSync ss;
  ss.set_time(0.5, 16e6);
  EXPECT_EQ(ss.clock().clock_from_time(1.5), 16000000u);
  EXPECT_EQ(ss.clock().clock_from_time(0.5 + 2.4 / 16e6), 2u);
  EXPECT_EQ(ss.clock().clock_from_time(0.5 + 2.6 / 16e6), 3u);
}

// Two MCUs, three steppers: the same G-code-like moves generated with and without worker
// threads give the same message streams.
std::map<int, std::vector<QueuedMessage>> run(int threads) {
  TrapQ tq;
  CoreXYKinematics a('+'), b('-');
  CartesianKinematics z('z');
  for (StepperKinematics* sk : std::initializer_list<StepperKinematics*>{&a, &b, &z})
    sk->set_trapq(&tq, 0.0125);
  RecordingSink sink;
  StepperSyncManager ssm;
  ssm.set_worker_threads(threads);
  StepperSync& mcu0 = ssm.alloc_steppersync();
  StepperSync& mcu1 = ssm.alloc_steppersync();
  mcu0.setup_movequeue(&sink, 0, 16);
  mcu1.setup_movequeue(&sink, 1, 16);
  SyncEmitter& ea = mcu0.alloc_emitter("a");
  SyncEmitter& eb = mcu0.alloc_emitter("b");
  SyncEmitter& ez = mcu1.alloc_emitter("z");
  int oid = 1;
  for (SyncEmitter* se : {&ea, &eb, &ez})
    se->stepcompress()->configure(oid++, 400, testing::kQueueStepTag, testing::kSetDirTag);
  mcu0.set_time(0., 16e6);
  mcu1.set_time(0.001, 72e6);
  ea.set_stepper_kinematics(&a);
  eb.set_stepper_kinematics(&b);
  ez.set_stepper_kinematics(&z);
  double t = 1.;
  Vec3 p;
  for (int i = 0; i < 40; i++) {
    Vec3 q = {double((i * 37) % 50), double((i * 23) % 40), 0.2 * (i % 3)};
    Vec3 d = {q.x - p.x, q.y - p.y, q.z - p.z};
    double len = std::sqrt(d.x * d.x + d.y * d.y + d.z * d.z);
    if (len > 0.) {
      double v = 80., acc = 2000., at = v / acc, ad = .5 * v * at;
      double ct = (len - 2. * ad) / v;
      if (ct < 0.) {
        at = std::sqrt(len / acc);
        ct = 0.;
        v = acc * at;
      }
      tq.append(t, at, ct, at, p, {d.x / len, d.y / len, d.z / len}, 0., v, acc);
      t += 2. * at + ct;
    }
    p = q;
    EXPECT_EQ(ssm.gen_steps(t - 0.1, t, t - 5.), 0);
    tq.finalize_moves(t - 0.5, t - 5.);
  }
  EXPECT_EQ(ssm.gen_steps(t + 1., t + 1., 0.), 0);
  return sink.sent;
}

TEST(StepperSyncManager, WorkerThreadsGiveIdenticalOutput) {
  auto one = run(0);
  auto two = run(2);
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(one.size(), two.size());
  for (auto& [q, msgs] : one) {
    ASSERT_GT(msgs.size(), 100u);
    ASSERT_EQ(msgs.size(), two[q].size());
    for (size_t i = 0; i < msgs.size(); i++) {
      ASSERT_EQ(msgs[i].data, two[q][i].data) << "queue " << q << " message " << i;
      ASSERT_EQ(msgs[i].min_clock, two[q][i].min_clock);
      ASSERT_EQ(msgs[i].req_clock, two[q][i].req_clock);
    }
  }
}

TEST(StepperSyncManager, StepErrorIsReportedAndNothingSent) {
  TrapQ tq;
  CartesianKinematics x('x');
  x.set_trapq(&tq, 0.01);
  RecordingSink sink;
  StepperSyncManager ssm;
  StepperSync& ss = ssm.alloc_steppersync();
  ss.setup_movequeue(&sink, 0, 16);
  SyncEmitter& se = ss.alloc_emitter("x");
  se.stepcompress()->configure(1, 0, testing::kQueueStepTag, testing::kSetDirTag);
  ss.set_time(0., 1e6);
  se.set_stepper_kinematics(&x);
  // A position jump: many steps at the same clock cannot be encoded.
  tq.append(1., 0., 0.1, 0., {0., 0., 0.}, {1., 0., 0.}, 1., 1., 0.);
  tq.append(1.1, 0., 0.1, 0., {5., 0., 0.}, {1., 0., 0.}, 1., 1., 0.);
  EXPECT_NE(ssm.gen_steps(2., 2., 0.), 0);
  EXPECT_FALSE(se.stepcompress()->error().empty());
  EXPECT_TRUE(sink.sent.empty());
}

}  // namespace
}  // namespace kpp::motion
