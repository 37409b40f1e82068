// Rotary delta stepper kinematics (see rotary_delta.h).
#include "motion/kinematics/rotary_delta.h"

#include <cmath>

#include "motion/kinematics/trilateration.h"

namespace kpp::motion {

namespace {

// Upper arm angle for an effector joint at (dx, dy) relative to the shoulder, from
//   elbow_x^2 + elbow_y^2 = upper_arm^2 and
//   (dx - elbow_x)^2 + (dy - elbow_y)^2 = lower_arm^2 (lower_arm2 already reduced by the
//   out-of-plane offset).
double two_arm_angle(double dx, double dy, double upper_arm2, double lower_arm2) {
  // elbow_y = c1 - c2 * elbow_x
  double inv_dy = 1. / dy;
  double c1 = .5 * inv_dy * (dx * dx + dy * dy + upper_arm2 - lower_arm2);
  double c2 = dx * inv_dy;
  double scale = c2 * c2 + 1.0;
  double scaled_elbow_x = c1 * c2 + std::sqrt(scale * upper_arm2 - c1 * c1);
  double scaled_elbow_y = c1 * scale - c2 * scaled_elbow_x;
  return std::atan2(scaled_elbow_y, scaled_elbow_x);
}

}  // namespace

RotaryDeltaKinematics::RotaryDeltaKinematics(const RotaryDeltaArm& arm)
    : cos_(std::cos(arm.angle)),
      sin_(std::sin(arm.angle)),
      shoulder_radius_(arm.shoulder_radius),
      shoulder_height_(arm.shoulder_height),
      upper_arm2_(arm.upper_arm * arm.upper_arm),
      lower_arm2_(arm.lower_arm * arm.lower_arm) {
  set_active_flags(kActiveX | kActiveY | kActiveZ);
}

double RotaryDeltaKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  // Rotate and shift to a frame at the shoulder joint with the upper arm in its xy plane.
  double sjz = c.y * cos_ - c.x * sin_;
  double sjx = c.x * cos_ + c.y * sin_ - shoulder_radius_;
  double sjy = c.z - shoulder_height_;
  return two_arm_angle(sjx, sjy, upper_arm2_, lower_arm2_ - sjz * sjz);
}

Vec3 RotaryDeltaKinematics::elbow_coord(const RotaryDeltaArm& arm, double angle) {
  double sj_elbow_x = arm.upper_arm * std::cos(angle);
  double sj_elbow_y = arm.upper_arm * std::sin(angle);
  return {(sj_elbow_x + arm.shoulder_radius) * std::cos(arm.angle),
          (sj_elbow_x + arm.shoulder_radius) * std::sin(arm.angle),
          sj_elbow_y + arm.shoulder_height};
}

Vec3 RotaryDeltaKinematics::forward(const std::array<RotaryDeltaArm, 3>& arms,
                                    const std::array<double, 3>& angles) {
  std::array<Vec3, 3> spheres;
  std::array<double, 3> lower_arm2;
  for (int i = 0; i < 3; i++) {
    spheres[i] = elbow_coord(arms[i], angles[i]);
    lower_arm2[i] = std::pow(arms[i].lower_arm, 2.);
  }
  return trilateration(spheres, lower_arm2);
}

}  // namespace kpp::motion
