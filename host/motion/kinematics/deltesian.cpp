// Deltesian stepper kinematics (see deltesian.h).
#include "motion/kinematics/deltesian.h"

#include <cmath>

namespace kpp::motion {

DeltesianKinematics::DeltesianKinematics(double arm2, double arm_x) : arm2_(arm2), arm_x_(arm_x) {
  set_active_flags(kActiveX | kActiveZ);
}

double DeltesianKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  double dx = c.x - arm_x_;
  return std::sqrt(arm2_ - dx * dx) + c.z;
}

std::array<double, 2> DeltesianKinematics::forward(const std::array<double, 2>& arm_x,
                                                   const std::array<double, 2>& arm2,
                                                   const std::array<double, 2>& carriage_pos) {
  double dx = arm_x[0] + arm_x[1], dz = carriage_pos[1] - carriage_pos[0];
  double pivots = std::sqrt(std::pow(dx, 2.) + std::pow(dz, 2.));
  // Intersect the arm circles in a frame along the line between the two pivots, then rotate
  // and shift back.
  double xt = (std::pow(pivots, 2.) + arm2[0] - arm2[1]) / (2 * pivots);
  double zt = std::sqrt(arm2[0] - std::pow(xt, 2.));
  double x = xt * dx / pivots + zt * dz / pivots - arm_x[0];
  double z = xt * dz / pivots - zt * dx / pivots + carriage_pos[0];
  return {x, z};
}

}  // namespace kpp::motion
