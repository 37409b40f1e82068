// Linear delta and deltesian stepper kinematics: carriage heights and the forward solution.
#include "motion/kinematics/delta.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "motion/kinematics/deltesian.h"

namespace kpp::motion {
namespace {

// example-delta.cfg: delta_radius 174.75, arm_length 333, towers at 210, 330 and 90 degrees.
struct Delta {
  std::array<Vec3, 3> towers;
  std::array<double, 3> arm2{333. * 333., 333. * 333., 333. * 333.};
  Delta() {
    const double angles[3] = {210., 330., 90.};
    for (int i = 0; i < 3; i++) {
      double a = angles[i] * std::numbers::pi / 180.;
      towers[i] = {std::cos(a) * 174.75, std::sin(a) * 174.75, 0.};
    }
  }
};

TEST(DeltaKinematics, CarriageHeightOverTheCentre) {
  Delta d;
  DeltaKinematics sk(d.arm2[0], d.towers[0].x, d.towers[0].y);
  EXPECT_NEAR(sk.calc_position_from_coord(0., 0., 10.),
              10. + std::sqrt(333. * 333. - 174.75 * 174.75), 1e-9);
  EXPECT_EQ(sk.active_flags(), kActiveX | kActiveY | kActiveZ);
}

TEST(DeltaKinematics, RoundTrip) {
  Delta d;
  std::array<DeltaKinematics, 3> sks = {DeltaKinematics(d.arm2[0], d.towers[0].x, d.towers[0].y),
                                        DeltaKinematics(d.arm2[1], d.towers[1].x, d.towers[1].y),
                                        DeltaKinematics(d.arm2[2], d.towers[2].x, d.towers[2].y)};
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uxy(-100., 100.), uz(0., 250.);
  for (int i = 0; i < 1000; i++) {
    double x = uxy(rng), y = uxy(rng), z = uz(rng);
    std::array<double, 3> carriages;
    for (int t = 0; t < 3; t++) carriages[t] = sks[t].calc_position_from_coord(x, y, z);
    Vec3 p = DeltaKinematics::forward(d.towers, d.arm2, carriages);
    EXPECT_NEAR(p.x, x, 1e-9);
    EXPECT_NEAR(p.y, y, 1e-9);
    EXPECT_NEAR(p.z, z, 1e-9);
  }
}

// example-deltesian.cfg: arm_length 217, arm_x_length 160 on both sides.
TEST(DeltesianKinematics, RoundTrip) {
  double arm2 = 217. * 217.;
  DeltesianKinematics left(arm2, -160.), right(arm2, 160.);
  EXPECT_EQ(left.active_flags(), kActiveX | kActiveZ);
  EXPECT_NEAR(left.calc_position_from_coord(0., 7., 5.), 5. + std::sqrt(arm2 - 160. * 160.), 1e-12);
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> ux(-55., 55.), uz(0., 200.);
  for (int i = 0; i < 1000; i++) {
    double x = ux(rng), z = uz(rng);
    auto p = DeltesianKinematics::forward(
        {160., 160.}, {arm2, arm2},
        {left.calc_position_from_coord(x, 0., z), right.calc_position_from_coord(x, 0., z)});
    EXPECT_NEAR(p[0], x, 1e-9);
    EXPECT_NEAR(p[1], z, 1e-9);
  }
}

}  // namespace
}  // namespace kpp::motion
