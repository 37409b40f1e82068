// Linear delta stepper kinematics: a carriage on a vertical tower joined to the effector by an
// arm of fixed length (kin_delta.c), plus the forward solution from three carriage heights.
#pragma once

#include <array>

#include "motion/itersolve.h"

namespace kpp::motion {

class DeltaKinematics : public StepperKinematics {
 public:
  // `arm2` is the squared arm length; the tower stands at (tower_x, tower_y).
  DeltaKinematics(double arm2, double tower_x, double tower_y);
  double calc_position(const Move& m, double move_time) override;
  // Effector position from the three carriage positions (towers as {x, y, 0}).
  static Vec3 forward(const std::array<Vec3, 3>& towers, const std::array<double, 3>& arm2,
                      const std::array<double, 3>& carriage_pos);

 private:
  double arm2_, tower_x_, tower_y_;
};

}  // namespace kpp::motion
