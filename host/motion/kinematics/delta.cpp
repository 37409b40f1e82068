// Linear delta stepper kinematics (see delta.h).
#include "motion/kinematics/delta.h"

#include <cmath>

#include "motion/kinematics/trilateration.h"

namespace kpp::motion {

DeltaKinematics::DeltaKinematics(double arm2, double tower_x, double tower_y)
    : arm2_(arm2), tower_x_(tower_x), tower_y_(tower_y) {
  set_active_flags(kActiveX | kActiveY | kActiveZ);
}

double DeltaKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  double dx = tower_x_ - c.x, dy = tower_y_ - c.y;
  return std::sqrt(arm2_ - dx * dx - dy * dy) + c.z;
}

Vec3 DeltaKinematics::forward(const std::array<Vec3, 3>& towers, const std::array<double, 3>& arm2,
                              const std::array<double, 3>& carriage_pos) {
  std::array<Vec3, 3> spheres;
  for (int i = 0; i < 3; i++) spheres[i] = {towers[i].x, towers[i].y, carriage_pos[i]};
  return trilateration(spheres, arm2);
}

}  // namespace kpp::motion
