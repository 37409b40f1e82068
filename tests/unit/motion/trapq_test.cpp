// TrapQ: trapezoid phases, null filler moves, sentinels, history and position markers.
#include "motion/trapq.h"

#include <gtest/gtest.h>

#include <vector>

namespace kpp::motion {
namespace {

std::vector<const Move*> queued(const TrapQ& tq) {
  std::vector<const Move*> v;
  for (const Move* m = tq.head()->next; m != tq.tail(); m = m->next) v.push_back(m);
  return v;
}

// 0 -> 100 mm/s at 800 mm/s^2 (0.125 s, 6.25 mm), cruise 0.5 s (50 mm), brake (6.25 mm).
void append_trapezoid(TrapQ& tq, double print_time) {
  tq.append(print_time, 0.125, 0.5, 0.125, {0., 0., 0.}, {1., 0., 0.}, 0., 100., 800.);
}

TEST(TrapQ, TrapezoidBecomesThreePhasesAfterANullMove) {
  TrapQ tq;
  append_trapezoid(tq, 4.0);
  auto q = queued(tq);
  ASSERT_EQ(q.size(), 4u);
  // Filler before the first move: at most kMaxNullMove long, at the move's start position.
  EXPECT_DOUBLE_EQ(q[0]->print_time, 3.0);
  EXPECT_DOUBLE_EQ(q[0]->move_t, 1.0);
  EXPECT_TRUE(q[0]->is_null());
  // Acceleration phase.
  EXPECT_DOUBLE_EQ(q[1]->print_time, 4.0);
  EXPECT_DOUBLE_EQ(q[1]->half_accel, 400.);
  EXPECT_DOUBLE_EQ(q[1]->coord(0.125).x, 6.25);
  EXPECT_DOUBLE_EQ(q[1]->velocity(0.125), 100.);
  // Cruise and deceleration start where the previous phase ended.
  EXPECT_DOUBLE_EQ(q[2]->print_time, 4.125);
  EXPECT_DOUBLE_EQ(q[2]->start_pos.x, 6.25);
  EXPECT_DOUBLE_EQ(q[2]->coord(0.5).x, 56.25);
  EXPECT_DOUBLE_EQ(q[3]->print_time, 4.625);
  EXPECT_DOUBLE_EQ(q[3]->start_v, 100.);
  EXPECT_DOUBLE_EQ(q[3]->half_accel, -400.);
  EXPECT_DOUBLE_EQ(q[3]->coord(0.125).x, 62.5);
  EXPECT_DOUBLE_EQ(q[3]->velocity(0.125), 0.);
}

TEST(TrapQ, EarlyFirstMoveGetsAFillerFromTimeZero) {
  TrapQ tq;
  append_trapezoid(tq, 0.5);
  auto q = queued(tq);
  ASSERT_EQ(q.size(), 4u);
  EXPECT_DOUBLE_EQ(q[0]->print_time, 0.);
  EXPECT_DOUBLE_EQ(q[0]->move_t, 0.5);
}

TEST(TrapQ, GapBetweenMovesIsFilledAtTheNextStart) {
  TrapQ tq;
  append_trapezoid(tq, 4.0);
  tq.append(5.0, 0., 1., 0., {62.5, 0., 0.}, {0., 1., 0.}, 10., 10., 0.);
  auto q = queued(tq);
  ASSERT_EQ(q.size(), 6u);
  EXPECT_DOUBLE_EQ(q[4]->print_time, 4.75);
  EXPECT_DOUBLE_EQ(q[4]->move_t, 0.25);
  EXPECT_DOUBLE_EQ(q[4]->start_pos.x, 62.5);
  EXPECT_TRUE(q[4]->is_null());
  EXPECT_DOUBLE_EQ(q[5]->coord(1.).y, 10.);
}

TEST(TrapQ, TailSentinelHoldsTheEndPosition) {
  TrapQ tq;
  tq.check_sentinels();
  EXPECT_EQ(tq.tail()->print_time, TrapQ::kNeverTime);
  append_trapezoid(tq, 4.0);
  EXPECT_EQ(tq.tail()->print_time, 0.);  // stale until checked
  tq.check_sentinels();
  EXPECT_DOUBLE_EQ(tq.tail()->print_time, 4.75);
  EXPECT_DOUBLE_EQ(tq.tail()->start_pos.x, 62.5);
  EXPECT_EQ(tq.tail()->move_t, TrapQ::kNeverTime);
}

TEST(TrapQ, FinalizeMovesToHistoryDroppingNullMoves) {
  TrapQ tq;
  append_trapezoid(tq, 4.0);
  tq.finalize_moves(4.625, 0.);
  auto q = queued(tq);
  ASSERT_EQ(q.size(), 1u);  // only the deceleration is left
  EXPECT_DOUBLE_EQ(q[0]->print_time, 4.625);
  const Move* h = tq.history_newest();
  ASSERT_NE(h, nullptr);
  EXPECT_DOUBLE_EQ(h->print_time, 4.125);  // cruise, newest first
  ASSERT_NE(h->next, nullptr);
  EXPECT_DOUBLE_EQ(h->next->print_time, 4.0);
  EXPECT_EQ(h->next->next, nullptr);  // the null filler was dropped

  // Expiring the history keeps at least the newest record.
  tq.finalize_moves(TrapQ::kNeverTime, 100.);
  EXPECT_TRUE(tq.empty());
  h = tq.history_newest();
  ASSERT_NE(h, nullptr);
  EXPECT_DOUBLE_EQ(h->print_time, 4.625);
  EXPECT_EQ(h->next, nullptr);
  EXPECT_EQ(tq.tail()->print_time, TrapQ::kNeverTime);
}

TEST(TrapQ, FinalizeKeepsHistoryNewerThanClearTime) {
  TrapQ tq;
  append_trapezoid(tq, 4.0);
  tq.finalize_moves(TrapQ::kNeverTime, 4.2);
  std::vector<double> starts;
  for (const Move* h = tq.history_newest(); h; h = h->next) starts.push_back(h->print_time);
  // The accel phase ended at 4.125 <= 4.2 and goes; cruise ends at 4.625 and stays.
  EXPECT_EQ(starts, (std::vector<double>{4.625, 4.125}));
}

TEST(TrapQ, SetPositionCutsInterruptedHistoryAndAddsMarker) {
  TrapQ tq;
  append_trapezoid(tq, 4.0);
  tq.set_position(4.25, {10., 20., 30.});
  EXPECT_TRUE(tq.empty());
  const Move* h = tq.history_newest();
  ASSERT_NE(h, nullptr);
  EXPECT_DOUBLE_EQ(h->print_time, 4.25);  // the marker
  EXPECT_DOUBLE_EQ(h->start_pos.y, 20.);
  EXPECT_TRUE(h->is_null());
  ASSERT_NE(h->next, nullptr);
  EXPECT_DOUBLE_EQ(h->next->print_time, 4.125);  // cruise, cut at the marker
  EXPECT_DOUBLE_EQ(h->next->move_t, 0.125);
  // A later move starts after a filler at the new position.
  tq.append(6.0, 0., 1., 0., {10., 20., 30.}, {1., 0., 0.}, 5., 5., 0.);
  auto q = queued(tq);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_DOUBLE_EQ(q[0]->print_time, 5.0);
}

TEST(TrapQ, ExtractOldReturnsOverlappingHistoryNewestFirst) {
  TrapQ tq;
  append_trapezoid(tq, 4.0);
  tq.finalize_moves(TrapQ::kNeverTime, 0.);
  PullMove out[8];
  size_t n = tq.extract_old(out, 4.2, 4.7);
  ASSERT_EQ(n, 2u);
  EXPECT_DOUBLE_EQ(out[0].print_time, 4.625);
  EXPECT_DOUBLE_EQ(out[0].accel, -800.);
  EXPECT_DOUBLE_EQ(out[1].print_time, 4.125);
  EXPECT_DOUBLE_EQ(out[1].start_v, 100.);
  EXPECT_DOUBLE_EQ(out[1].start_pos.x, 6.25);
  EXPECT_EQ(tq.extract_old(std::span<PullMove>(out, 1), 0., 10.), 1u);
}

TEST(TrapQ, ReusesMoveStorage) {
  TrapQ tq;
  for (int i = 0; i < 10000; i++) {
    double t = 1. + i;
    tq.append(t, 0.125, 0.5, 0.125, {0., 0., 0.}, {1., 0., 0.}, 0., 100., 800.);
    tq.finalize_moves(t + 0.75, t - 5.);
  }
  int hist = 0;
  for (const Move* h = tq.history_newest(); h; h = h->next) hist++;
  EXPECT_LE(hist, 20);
}

}  // namespace
}  // namespace kpp::motion
