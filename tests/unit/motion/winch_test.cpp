// Cable winch stepper kinematics: cable lengths and the forward solution.
#include "motion/kinematics/winch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace kpp::motion {
namespace {

TEST(WinchKinematics, CableLength) {
  WinchKinematics sk({0., -2000., -100.});
  EXPECT_NEAR(sk.calc_position_from_coord(0., 0., 0.), std::sqrt(2000. * 2000. + 100. * 100.),
              1e-9);
  EXPECT_EQ(sk.active_flags(), kActiveX | kActiveY | kActiveZ);
}

TEST(WinchKinematics, RoundTripBelowTheAnchors) {
  // The forward solution is the lower intersection of the three cable spheres.
  std::array<Vec3, 3> anchors = {Vec3{0., -2000., 3000.}, Vec3{2000., 1000., 3000.},
                                 Vec3{-2000., 1000., 3000.}};
  std::array<WinchKinematics, 3> sks = {WinchKinematics(anchors[0]), WinchKinematics(anchors[1]),
                                        WinchKinematics(anchors[2])};
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-500., 500.), uz(0., 1000.);
  for (int i = 0; i < 1000; i++) {
    double x = u(rng), y = u(rng), z = uz(rng);
    std::array<double, 3> len;
    for (int k = 0; k < 3; k++) len[k] = sks[k].calc_position_from_coord(x, y, z);
    Vec3 p = WinchKinematics::forward(anchors, len);
    EXPECT_NEAR(p.x, x, 1e-6);
    EXPECT_NEAR(p.y, y, 1e-6);
    EXPECT_NEAR(p.z, z, 1e-6);
  }
}

}  // namespace
}  // namespace kpp::motion
