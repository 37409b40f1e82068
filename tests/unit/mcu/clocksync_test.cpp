// Clock sync on synthetic samples: a drifting MCU crystal, jittery round trips, outliers, 32-bit
// wrap-around, and a secondary MCU following the main one.
#include "mcu/clocksync.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace kpp {
namespace {

// An MCU whose clock runs at `freq` ticks per host second, `offset` ticks at host time 0.
struct FakeMcu {
  double freq;
  double offset;
  uint64_t clock_at(double t) const { return static_cast<uint64_t>(offset + t * freq); }
};

// Query the fake MCU at host time `t`: it reads its clock after `out` seconds and the answer
// arrives `back` seconds later.
void sample(ClockSync& cs, const FakeMcu& m, double t, double out, double back) {
  uint64_t clock = m.clock_at(t + out);
  cs.handle_clock(t, t + out + back, static_cast<uint32_t>(clock));
}

TEST(ClockSyncTest, LearnsADriftingFrequency) {
  const double nominal = 20e6;
  FakeMcu mcu{nominal * (1. + 75e-6), 123456789.};  // crystal 75 ppm fast
  ClockSync cs;
  cs.start(nominal, 100.0, mcu.clock_at(100.0 + 0.0001));
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> jitter(0.00005, 0.0004);
  double t = 100.0;
  for (int i = 0; i < 8; i++) sample(cs, mcu, t += 0.05, jitter(rng), jitter(rng));
  for (int i = 0; i < 300; i++) sample(cs, mcu, t += 0.9839, jitter(rng), jitter(rng));
  EXPECT_NEAR(cs.clock_est().freq, mcu.freq, mcu.freq * 2e-6);
  // The prediction a second ahead is within a few hundred microseconds of the truth.
  double later = t + 1.0;
  EXPECT_NEAR(cs.get_clock(later), static_cast<double>(mcu.clock_at(later)), nominal * 0.0004);
  EXPECT_TRUE(cs.is_active());
  EXPECT_EQ(cs.stats(later).rfind("freq=", 0), 0u);
}

TEST(ClockSyncTest, IgnoresALateOutlier) {
  const double nominal = 16e6;
  FakeMcu mcu{nominal, 0.};
  ClockSync cs;
  cs.start(nominal, 10.0, mcu.clock_at(10.0));
  double t = 10.0;
  // Enough samples for the start point (stamped without the 0.1 ms delay) to be forgotten.
  for (int i = 0; i < 300; i++) sample(cs, mcu, t += 1.0, 0.0001, 0.0001);
  double freq = cs.clock_est().freq;
  // A sample whose clock is far ahead of the prediction (the query sat in a buffer for 20 ms
  // before it was stamped) does not move the estimate.
  sample(cs, mcu, t += 1.0, 0.020, 0.0001);
  EXPECT_DOUBLE_EQ(cs.clock_est().freq, freq);
  sample(cs, mcu, t += 1.0, 0.0001, 0.0001);
  EXPECT_NEAR(cs.clock_est().freq, nominal, nominal * 1e-6);
}

TEST(ClockSyncTest, PendingQueriesMakeItInactive) {
  ClockSync cs;
  cs.start(16e6, 1.0, 0);
  for (int i = 0; i < ClockSync::kMaxPendingQueries; i++) cs.note_query_sent();
  EXPECT_TRUE(cs.is_active());
  cs.note_query_sent();
  EXPECT_FALSE(cs.is_active());
  cs.handle_clock(2.0, 2.001, 16000000);
  EXPECT_TRUE(cs.is_active());
}

TEST(ClockSyncTest, ExtendsClocksAcrossTheWrap) {
  FakeMcu mcu{16e6, 4294967296. - 16e6 * 3.5};  // wraps 3.5 s after host time 0
  ClockSync cs;
  cs.start(16e6, 0.0, mcu.clock_at(0.0));
  double t = 0.;
  for (int i = 0; i < 10; i++) sample(cs, mcu, t += 1.0, 0.0001, 0.0001);
  EXPECT_GT(mcu.clock_at(t), 0x100000000ULL);
  uint64_t now = mcu.clock_at(t);
  EXPECT_EQ(cs.clock32_to_clock64(static_cast<uint32_t>(now + 1000)), now + 1000);
  EXPECT_NEAR(cs.get_clock(t + 0.5), static_cast<double>(mcu.clock_at(t + 0.5)), 16e6 * 0.0005);
}

TEST(ClockSyncTest, Clock32NearLastClock) {
  ClockSync cs;
  cs.start(1e6, 0.0, 0x2fffffff0ULL);
  EXPECT_EQ(cs.clock32_to_clock64(0x00000010), 0x300000010ULL);
  EXPECT_EQ(cs.clock32_to_clock64(0xffffff00), 0x2ffffff00ULL);
}

TEST(ClockSyncTest, BatchModeIsExact) {
  ClockSync cs;
  cs.connect_file(16e6);
  EXPECT_EQ(cs.print_time_to_clock(1.5), 24000000u);
  EXPECT_DOUBLE_EQ(cs.clock_to_print_time(8e6), 0.5);
  EXPECT_EQ(cs.stats(0.), "freq=16000000");
}

TEST(ClockSyncTest, SecondaryFollowsTheMainPrintTime) {
  FakeMcu main_mcu{16e6, 1000.};
  FakeMcu second{72e6 * (1. - 40e-6), 5e9};
  ClockSync main;
  main.start(16e6, 50.0, main_mcu.clock_at(50.0));
  SecondarySync sec(main);
  sec.start(72e6, 50.0, second.clock_at(50.0));
  double t = 50.;
  for (int i = 0; i < 100; i++) {
    t += 0.9839;
    sample(main, main_mcu, t, 0.0001, 0.0001);
    sample(sec, second, t + 0.3, 0.0001, 0.0001);
  }
  // What SecondarySync::connect does: align the print times now, then calibrate ahead.
  sec.set_adjust(main.estimated_print_time(t) - second.clock_at(t) / 72e6, 72e6);
  double print_time = main.estimated_print_time(t) + 0.5;
  auto [offset, freq] = sec.calibrate_clock(print_time, t);
  // The first calibration keeps the current alignment at print_time, so the rate carries that
  // alignment's error over 4 s; later calibrations refine it.
  EXPECT_NEAR(freq, second.freq / main_mcu.freq * 16e6, 72e6 * 10e-6);
  // At the sync point 4 s ahead, a print time maps to the secondary clock of that moment.
  double pt = print_time + 4.0;
  double host_time = (pt * 16e6 - 1000.) / main_mcu.freq;
  double expect = static_cast<double>(second.clock_at(host_time));
  EXPECT_NEAR(static_cast<double>(sec.print_time_to_clock(pt)), expect, 72e6 * 0.0005);
  EXPECT_NEAR(sec.clock_to_print_time((pt - offset) * freq), pt, 1e-9);
  EXPECT_NE(sec.stats(t).find(" adj="), std::string::npos);
}

}  // namespace
}  // namespace kpp
