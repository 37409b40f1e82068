// Polar stepper kinematics: radius, bed angle continuity across the -pi/pi seam.
#include "motion/kinematics/polar.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "motion/stepcompress.h"
#include "motion/trapq.h"
#include "motion_test_util.h"

namespace kpp::motion {
namespace {

TEST(PolarKinematics, RoundTrip) {
  PolarKinematics bed('a'), arm('r');
  std::mt19937 rng(6);
  std::uniform_real_distribution<double> u(-150., 150.);
  for (int i = 0; i < 1000; i++) {
    double x = u(rng), y = u(rng);
    bed.set_position(x, y, 0.);
    Vec3 p =
        PolarKinematics::forward(bed.commanded_pos(), arm.calc_position_from_coord(x, y, 0.), 7.);
    EXPECT_NEAR(p.x, x, 1e-9);
    EXPECT_NEAR(p.y, y, 1e-9);
    EXPECT_EQ(p.z, 7.);
  }
}

TEST(PolarKinematics, BedAngleStaysContinuousAcrossTheSeam) {
  TrapQ tq;
  PolarKinematics bed('a');
  const double step = 2. * std::numbers::pi / 3200.;
  bed.set_trapq(&tq, step);
  bed.set_position(-10., 5., 0.);  // angle ~ +2.68
  EXPECT_TRUE(bed.has_post_fixup());
  // Straight line to (-10, -5): the angle passes pi and continues (atan2 jumps to -pi).
  tq.append(1., 0., 1., 0., {-10., 5., 0.}, {0., -1., 0.}, 10., 10., 0.);
  tq.check_sentinels();
  MessageQueue out;
  StepCompress sc(&out);
  sc.configure(1, 0, testing::kQueueStepTag, testing::kSetDirTag);
  sc.set_time(0., 1e6);
  ASSERT_EQ(bed.generate_steps(sc, 3.), 0);
  ASSERT_EQ(sc.flush(UINT64_MAX), 0);
  testing::StepDecoder d;
  d.feed_all(out);
  double swept = 2. * std::atan2(5., 10.);  // 2.678 rad round to 3.605 rad
  EXPECT_NEAR(double(d.steps.size()), swept / step, 1.);
  for (auto& s : d.steps) EXPECT_EQ(s.dir, 1);
  // The commanded angle is wrapped back into [-pi, pi].
  EXPECT_NEAR(bed.commanded_pos(), std::atan2(-5., -10.), step);
}

}  // namespace
}  // namespace kpp::motion
