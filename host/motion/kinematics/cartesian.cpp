// Cartesian stepper kinematics (see cartesian.h).
#include "motion/kinematics/cartesian.h"

#include <stdexcept>

namespace kpp::motion {

CartesianKinematics::CartesianKinematics(char axis) {
  if (axis < 'x' || axis > 'z') throw std::invalid_argument("cartesian axis must be x, y or z");
  axis_ = axis - 'x';
  set_active_flags(kActiveX << axis_);
}

double CartesianKinematics::calc_position(const Move& m, double move_time) {
  return m.start_pos[axis_] + m.axes_r[axis_] * m.distance(move_time);
}

}  // namespace kpp::motion
