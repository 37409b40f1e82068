// Itersolve: step times against analytic step times (half-step crossings), direction changes,
// skipping inactive moves, flush windows and commanded positions.
#include "motion/itersolve.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "motion/kinematics/cartesian.h"
#include "motion/stepcompress.h"
#include "motion/trapq.h"
#include "motion_test_util.h"

namespace kpp::motion {
namespace {

constexpr double kFreq = 1e8;  // 10 ns ticks, to see the solver's precision

struct StepRun {
  std::vector<double> times;
  std::vector<int> dirs;
};

// Generate the steps of `sk` up to each of `flush_times` with exact (max_error 0) compression.
StepRun generate(StepperKinematics& sk, std::vector<double> flush_times) {
  MessageQueue out;
  StepCompress sc(&out);
  sc.configure(1, 0, testing::kQueueStepTag, testing::kSetDirTag);
  sc.set_time(0., kFreq);
  for (double ft : flush_times) {
    sk.trapq()->check_sentinels();
    EXPECT_EQ(sk.generate_steps(sc, ft), 0) << sc.error();
    EXPECT_EQ(sc.flush(uint64_t(ft * kFreq)), 0) << sc.error();
  }
  EXPECT_EQ(sc.flush(UINT64_MAX), 0);
  testing::StepDecoder d;
  d.feed_all(out);
  StepRun r;
  for (auto& s : d.steps) {
    r.times.push_back(double(s.clock) / kFreq);
    r.dirs.push_back(s.dir);
  }
  return r;
}

TEST(Itersolve, ConstantVelocityStepsAtHalfStepCrossings) {
  TrapQ tq;
  CartesianKinematics sk('x');
  sk.set_trapq(&tq, 0.01);
  sk.set_position(0., 0., 0.);
  // 5 mm at 10 mm/s from t = 1 s.
  tq.append(1., 0., 0.5, 0., {0., 0., 0.}, {1., 0., 0.}, 10., 10., 0.);
  StepRun r = generate(sk, {2.});
  ASSERT_EQ(r.times.size(), 500u);
  for (int n = 1; n <= 500; n++) {
    double want = 1. + (n - 0.5) * 0.01 / 10.;
    EXPECT_NEAR(r.times[n - 1], want, 3e-8) << "step " << n;
    EXPECT_EQ(r.dirs[n - 1], 1);
  }
  EXPECT_NEAR(sk.commanded_pos(), 5., 1e-9);
}

TEST(Itersolve, ConstantAccelerationStepsMatchSquareRootLaw) {
  TrapQ tq;
  CartesianKinematics sk('y');
  sk.set_trapq(&tq, 0.0125);
  sk.set_position(0., 10., 0.);
  // From rest at 1000 mm/s^2 for 0.2 s: 20 mm, 1600 steps; towards -y.
  tq.append(0.5, 0.2, 0., 0., {0., 10., 0.}, {0., -1., 0.}, 0., 200., 1000.);
  StepRun r = generate(sk, {0.6, 0.65, 0.9});
  ASSERT_EQ(r.times.size(), 1600u);
  for (int n = 1; n <= 1600; n++) {
    double want = 0.5 + std::sqrt(2. * (n - 0.5) * 0.0125 / 1000.);
    ASSERT_NEAR(r.times[n - 1], want, 3e-8) << "step " << n;
    ASSERT_EQ(r.dirs[n - 1], 0);
  }
  EXPECT_NEAR(sk.commanded_pos(), -10., 1e-9);
}

TEST(Itersolve, DirectionChangeInsideAMove) {
  TrapQ tq;
  CartesianKinematics sk('x');
  sk.set_trapq(&tq, 0.01);
  sk.set_position(0., 0., 0.);
  // v(t) = 10 - 100 t: forward to 0.5 mm at t = 0.1, back to 0 at t = 0.2.
  Move m;
  m.print_time = 1.;
  m.move_t = 0.2;
  m.start_v = 10.;
  m.half_accel = -50.;
  m.axes_r = {1., 0., 0.};
  tq.add_move(m);
  StepRun r = generate(sk, {1.3});
  // 0.5 mm is itself a step position: 50 steps out, then 50 back.
  ASSERT_EQ(r.times.size(), 100u);
  for (int n = 1; n <= 50; n++) {
    double d = (n - 0.5) * 0.01;
    double t_out = (10. - std::sqrt(100. - 200. * d)) / 100.;
    double t_back = (10. + std::sqrt(100. - 200. * d)) / 100.;
    EXPECT_NEAR(r.times[n - 1], 1. + t_out, 3e-8);
    EXPECT_EQ(r.dirs[n - 1], 1);
    EXPECT_NEAR(r.times[100 - n], 1. + t_back, 3e-8);
    EXPECT_EQ(r.dirs[100 - n], 0);
  }
  EXPECT_NEAR(sk.commanded_pos(), 0., 1e-9);
}

TEST(Itersolve, SplitFlushWindowsGiveTheSameSteps) {
  auto make = [](TrapQ& tq) {
    tq.append(1., 0.1, 0.3, 0.1, {0., 0., 0.}, {0.6, 0.8, 0.}, 0., 50., 500.);
    tq.append(1.6, 0.05, 0.1, 0.05, {12., 16., 0.}, {-1., 0., 0.}, 0., 20., 400.);
  };
  TrapQ tq1, tq2;
  make(tq1);
  make(tq2);
  CartesianKinematics a('x'), b('x');
  a.set_trapq(&tq1, 0.0125);
  b.set_trapq(&tq2, 0.0125);
  StepRun r1 = generate(a, {3.});
  StepRun r2 = generate(b, {1.05, 1.1, 1.37, 1.5, 1.61, 1.75, 2.2, 3.});
  ASSERT_EQ(r1.times.size(), r2.times.size());
  for (size_t i = 0; i < r1.times.size(); i++) EXPECT_EQ(r1.times[i], r2.times[i]);
  EXPECT_EQ(a.commanded_pos(), b.commanded_pos());
}

TEST(Itersolve, InactiveMovesAreSkippedAndCheckActiveFindsTheNextMove) {
  TrapQ tq;
  CartesianKinematics sk('x');
  sk.set_trapq(&tq, 0.01);
  tq.append(1., 0., 1., 0., {0., 0., 0.}, {0., 1., 0.}, 5., 5., 0.);  // y only
  tq.append(2.5, 0., 1., 0., {0., 5., 0.}, {1., 0., 0.}, 1., 1., 0.);
  tq.check_sentinels();
  EXPECT_EQ(sk.check_active(2.), 0.);
  EXPECT_EQ(sk.check_active(3.), 2.5);
  EXPECT_TRUE(sk.is_active_axis('x'));
  EXPECT_FALSE(sk.is_active_axis('y'));
  EXPECT_FALSE(sk.is_active_axis('e'));
  StepRun r = generate(sk, {2., 4.});
  ASSERT_EQ(r.times.size(), 100u);
  EXPECT_NEAR(r.times[0], 2.505, 3e-8);
  EXPECT_DOUBLE_EQ(sk.last_flush_time(), 4.);
}

TEST(Itersolve, SetPositionSetsCommandedPosition) {
  CartesianKinematics sk('z');
  sk.set_position(1., 2., 3.5);
  EXPECT_EQ(sk.commanded_pos(), 3.5);
  EXPECT_EQ(sk.calc_position_from_coord(9., 9., -2.), -2.);
}

}  // namespace
}  // namespace kpp::motion
