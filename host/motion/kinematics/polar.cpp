// Polar stepper kinematics (see polar.h).
#include "motion/kinematics/polar.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace kpp::motion {

PolarKinematics::PolarKinematics(char type) {
  if (type != 'a' && type != 'r') throw std::invalid_argument("polar type must be a or r");
  angle_ = type == 'a';
  set_active_flags(kActiveX | kActiveY);
}

double PolarKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  if (!angle_) return std::sqrt(c.x * c.x + c.y * c.y);
  // The angle nearest the commanded one, so the bed never turns the long way round.
  double angle = std::atan2(c.y, c.x);
  if (angle - commanded_pos() > std::numbers::pi)
    angle -= 2. * std::numbers::pi;
  else if (angle - commanded_pos() < -std::numbers::pi)
    angle += 2. * std::numbers::pi;
  return angle;
}

void PolarKinematics::post_fixup() {
  double pos = commanded_pos();
  if (pos < -std::numbers::pi)
    set_commanded_pos(pos + 2 * std::numbers::pi);
  else if (pos > std::numbers::pi)
    set_commanded_pos(pos - 2 * std::numbers::pi);
}

Vec3 PolarKinematics::forward(double bed_angle, double arm_pos, double z) {
  return {std::cos(bed_angle) * arm_pos, std::sin(bed_angle) * arm_pos, z};
}

}  // namespace kpp::motion
