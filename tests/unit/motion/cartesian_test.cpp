// Cartesian stepper kinematics: each stepper follows its axis.
#include "motion/kinematics/cartesian.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace kpp::motion {
namespace {

TEST(CartesianKinematics, FollowsItsAxis) {
  CartesianKinematics x('x'), y('y'), z('z');
  EXPECT_EQ(x.calc_position_from_coord(1., 2., 3.), 1.);
  EXPECT_EQ(y.calc_position_from_coord(1., 2., 3.), 2.);
  EXPECT_EQ(z.calc_position_from_coord(1., 2., 3.), 3.);
  EXPECT_EQ(x.active_flags(), kActiveX);
  EXPECT_EQ(z.active_flags(), kActiveZ);
  EXPECT_EQ(CartesianKinematics::forward(z.calc_position_from_coord(4., 5., 6.)), 6.);
  EXPECT_THROW(CartesianKinematics('e'), std::invalid_argument);
}

TEST(CartesianKinematics, PositionAlongAMove) {
  CartesianKinematics y('y');
  Move m;
  m.start_pos = {1., 2., 3.};
  m.axes_r = {0.6, -0.8, 0.};
  m.start_v = 10.;
  m.half_accel = 50.;
  // distance(0.1) = (10 + 5) * 0.1 = 1.5
  EXPECT_DOUBLE_EQ(y.calc_position(m, 0.1), 2. - 0.8 * 1.5);
}

}  // namespace
}  // namespace kpp::motion
