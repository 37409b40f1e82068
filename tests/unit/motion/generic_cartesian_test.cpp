// Generic cartesian stepper kinematics: coefficient rows, active axes, forward solution.
#include "motion/kinematics/generic_cartesian.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace kpp::motion {
namespace {

TEST(GenericCartesianKinematics, CoefficientsSelectActiveAxes) {
  GenericCartesianKinematics sk({1., -1., 0.});
  EXPECT_EQ(sk.active_flags(), kActiveX | kActiveY);
  EXPECT_EQ(sk.calc_position_from_coord(3., 4., 5.), -1.);
  sk.set_coeffs({0., 0., 2.});
  EXPECT_EQ(sk.active_flags(), kActiveZ);
  EXPECT_EQ(sk.calc_position_from_coord(3., 4., 5.), 10.);
}

TEST(GenericCartesianKinematics, RoundTripCoreXYWithTwoZ) {
  std::vector<Vec3> rows = {{1., 1., 0.}, {1., -1., 0.}, {0., 0., 1.}, {0., 0., 1.}};
  std::vector<GenericCartesianKinematics> sks;
  for (auto& r : rows) sks.emplace_back(r);
  std::mt19937 rng(8);
  std::uniform_real_distribution<double> u(-200., 200.);
  for (int i = 0; i < 500; i++) {
    double x = u(rng), y = u(rng), z = u(rng);
    std::vector<double> pos;
    for (auto& sk : sks) pos.push_back(sk.calc_position_from_coord(x, y, z));
    Vec3 p = GenericCartesianKinematics::forward(rows, pos);
    EXPECT_NEAR(p.x, x, 1e-9);
    EXPECT_NEAR(p.y, y, 1e-9);
    EXPECT_NEAR(p.z, z, 1e-9);
  }
}

TEST(GenericCartesianKinematics, AxisWithoutStepperIsZero) {
  std::vector<Vec3> rows = {{1., 0., 0.}, {0., 2., 0.}};
  std::vector<double> pos = {5., 8.};
  Vec3 p = GenericCartesianKinematics::forward(rows, pos);
  EXPECT_NEAR(p.x, 5., 1e-12);
  EXPECT_NEAR(p.y, 4., 1e-12);
  EXPECT_EQ(p.z, 0.);
}

}  // namespace
}  // namespace kpp::motion
