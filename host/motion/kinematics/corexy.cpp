// CoreXY stepper kinematics (see corexy.h).
#include "motion/kinematics/corexy.h"

#include <stdexcept>

namespace kpp::motion {

CoreXYKinematics::CoreXYKinematics(char type) {
  if (type != '+' && type != '-') throw std::invalid_argument("corexy type must be + or -");
  plus_ = type == '+';
  set_active_flags(kActiveX | kActiveY);
}

double CoreXYKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  return plus_ ? c.x + c.y : c.x - c.y;
}

Vec3 CoreXYKinematics::forward(double plus_pos, double minus_pos, double z) {
  return {0.5 * (plus_pos + minus_pos), 0.5 * (plus_pos - minus_pos), z};
}

}  // namespace kpp::motion
