// CoreXZ stepper kinematics (see corexz.h).
#include "motion/kinematics/corexz.h"

#include <stdexcept>

namespace kpp::motion {

CoreXZKinematics::CoreXZKinematics(char type) {
  if (type != '+' && type != '-') throw std::invalid_argument("corexz type must be + or -");
  plus_ = type == '+';
  set_active_flags(kActiveX | kActiveZ);
}

double CoreXZKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  return plus_ ? c.x + c.z : c.x - c.z;
}

Vec3 CoreXZKinematics::forward(double plus_pos, double minus_pos, double y) {
  return {0.5 * (plus_pos + minus_pos), y, 0.5 * (plus_pos - minus_pos)};
}

}  // namespace kpp::motion
