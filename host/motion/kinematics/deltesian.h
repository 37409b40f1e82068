// Deltesian stepper kinematics: two vertical carriages left and right, each joined to the
// effector by an arm in the XZ plane, and a cartesian Y (kin_deltesian.c).
#pragma once

#include <array>

#include "motion/itersolve.h"

namespace kpp::motion {

class DeltesianKinematics : public StepperKinematics {
 public:
  // `arm2` is the squared arm length; the pillar stands at x = arm_x (negative on the left).
  DeltesianKinematics(double arm2, double arm_x);
  double calc_position(const Move& m, double move_time) override;
  // Toolhead {x, z} from the left and right carriage positions; arm_x holds the positive
  // horizontal arm offsets (left, right).
  static std::array<double, 2> forward(const std::array<double, 2>& arm_x,
                                       const std::array<double, 2>& arm2,
                                       const std::array<double, 2>& carriage_pos);

 private:
  double arm2_, arm_x_;
};

}  // namespace kpp::motion
