// Rotary delta stepper kinematics: arm angles and the forward solution.
#include "motion/kinematics/rotary_delta.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

namespace kpp::motion {
namespace {

// example-rotary-delta.cfg: shoulder radius 33.9, height 412.9, arms 170 / 320, at 30, 150
// and 270 degrees.
std::array<RotaryDeltaArm, 3> arms() {
  std::array<RotaryDeltaArm, 3> a;
  const double angles[3] = {30., 150., 270.};
  for (int i = 0; i < 3; i++) a[i] = {33.9, 412.9, angles[i] * std::numbers::pi / 180., 170., 320.};
  return a;
}

TEST(RotaryDeltaKinematics, ElbowAtComputedAngleReachesTheEffector) {
  auto a = arms();
  RotaryDeltaKinematics sk(a[0]);
  Vec3 eff = {20., -35., 150.};
  double angle = sk.calc_position_from_coord(eff.x, eff.y, eff.z);
  Vec3 elbow = RotaryDeltaKinematics::elbow_coord(a[0], angle);
  double dx = eff.x - elbow.x, dy = eff.y - elbow.y, dz = eff.z - elbow.z;
  EXPECT_NEAR(std::sqrt(dx * dx + dy * dy + dz * dz), 320., 1e-9);
}

TEST(RotaryDeltaKinematics, RoundTrip) {
  auto a = arms();
  std::array<RotaryDeltaKinematics, 3> sks = {
      RotaryDeltaKinematics(a[0]), RotaryDeltaKinematics(a[1]), RotaryDeltaKinematics(a[2])};
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> uxy(-60., 60.), uz(20., 200.);
  for (int i = 0; i < 1000; i++) {
    double x = uxy(rng), y = uxy(rng), z = uz(rng);
    std::array<double, 3> angles;
    for (int t = 0; t < 3; t++) angles[t] = sks[t].calc_position_from_coord(x, y, z);
    Vec3 p = RotaryDeltaKinematics::forward(a, angles);
    EXPECT_NEAR(p.x, x, 1e-8);
    EXPECT_NEAR(p.y, y, 1e-8);
    EXPECT_NEAR(p.z, z, 1e-8);
  }
}

}  // namespace
}  // namespace kpp::motion
