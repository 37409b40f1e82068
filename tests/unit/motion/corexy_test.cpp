// CoreXY and CoreXZ stepper kinematics: belt sums and differences, forward and back.
#include "motion/kinematics/corexy.h"

#include <gtest/gtest.h>

#include <random>

#include "motion/kinematics/corexz.h"

namespace kpp::motion {
namespace {

TEST(CoreXYKinematics, SumAndDifference) {
  CoreXYKinematics a('+'), b('-');
  EXPECT_EQ(a.calc_position_from_coord(3., 4., 9.), 7.);
  EXPECT_EQ(b.calc_position_from_coord(3., 4., 9.), -1.);
  EXPECT_EQ(a.active_flags(), kActiveX | kActiveY);
}

TEST(CoreXYKinematics, RoundTrip) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(-300., 300.);
  CoreXYKinematics a('+'), b('-');
  for (int i = 0; i < 1000; i++) {
    double x = u(rng), y = u(rng), z = u(rng);
    Vec3 p = CoreXYKinematics::forward(a.calc_position_from_coord(x, y, z),
                                       b.calc_position_from_coord(x, y, z), z);
    EXPECT_NEAR(p.x, x, 1e-12);
    EXPECT_NEAR(p.y, y, 1e-12);
    EXPECT_EQ(p.z, z);
  }
}

TEST(CoreXZKinematics, RoundTrip) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(-300., 300.);
  CoreXZKinematics a('+'), b('-');
  EXPECT_EQ(a.active_flags(), kActiveX | kActiveZ);
  EXPECT_EQ(a.calc_position_from_coord(3., 100., 4.), 7.);
  for (int i = 0; i < 1000; i++) {
    double x = u(rng), y = u(rng), z = u(rng);
    Vec3 p = CoreXZKinematics::forward(a.calc_position_from_coord(x, y, z),
                                       b.calc_position_from_coord(x, y, z), y);
    EXPECT_NEAR(p.x, x, 1e-12);
    EXPECT_EQ(p.y, y);
    EXPECT_NEAR(p.z, z, 1e-12);
  }
}

}  // namespace
}  // namespace kpp::motion
