// Cable winch stepper kinematics (see winch.h).
#include "motion/kinematics/winch.h"

#include <cmath>

#include "motion/kinematics/trilateration.h"

namespace kpp::motion {

WinchKinematics::WinchKinematics(const Vec3& anchor) : anchor_(anchor) {
  set_active_flags(kActiveX | kActiveY | kActiveZ);
}

double WinchKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  double dx = anchor_.x - c.x, dy = anchor_.y - c.y, dz = anchor_.z - c.z;
  return std::sqrt(dx * dx + dy * dy + dz * dz);
}

Vec3 WinchKinematics::forward(const std::array<Vec3, 3>& anchors,
                              const std::array<double, 3>& lengths) {
  return trilateration(anchors,
                       {lengths[0] * lengths[0], lengths[1] * lengths[1], lengths[2] * lengths[2]});
}

}  // namespace kpp::motion
