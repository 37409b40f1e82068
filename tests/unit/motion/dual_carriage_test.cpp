// Dual carriage wrapper: scaled/offset axis, parking, mirrored carriage.
#include "motion/kinematics/dual_carriage.h"

#include <gtest/gtest.h>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/corexy.h"

namespace kpp::motion {
namespace {

TEST(DualCarriageKinematics, TransformsTheAxisBeforeTheCarriageKinematics) {
  CartesianKinematics x('x');
  DualCarriageKinematics dc;
  dc.set_inner(&x);
  EXPECT_EQ(dc.active_flags(), kActiveX);
  EXPECT_EQ(dc.calc_position_from_coord(10., 0., 0.), 10.);
  // Mirrored: the second carriage moves the other way from 300.
  ASSERT_TRUE(dc.set_transform('x', -1., 300.));
  EXPECT_EQ(dc.calc_position_from_coord(10., 0., 0.), 290.);
  EXPECT_EQ(dc.toolhead_coord('x', 290.), 10.);
  // Parked: x no longer moves it.
  ASSERT_TRUE(dc.set_transform('x', 0., 250.));
  EXPECT_EQ(dc.active_flags(), 0);
  EXPECT_EQ(dc.calc_position_from_coord(10., 0., 0.), 250.);
  ASSERT_TRUE(dc.set_transform('x', 1., 0.));
  EXPECT_EQ(dc.active_flags(), kActiveX);
  EXPECT_FALSE(dc.set_transform('z', 1., 0.));
}

TEST(DualCarriageKinematics, AlongAMove) {
  CoreXYKinematics plus('+');
  DualCarriageKinematics dc;
  dc.set_inner(&plus);
  ASSERT_TRUE(dc.set_transform('x', 1., 50.));
  Move m;
  m.start_pos = {1., 2., 0.};
  m.axes_r = {1., 0., 0.};
  m.start_v = 4.;
  EXPECT_DOUBLE_EQ(dc.calc_position(m, 0.5), (1. + 2. + 50.) + 2.);
}

}  // namespace
}  // namespace kpp::motion
