// Cartesian stepper kinematics: the stepper follows one toolhead axis (kin_cartesian.c).
#pragma once

#include "motion/itersolve.h"

namespace kpp::motion {

class CartesianKinematics : public StepperKinematics {
 public:
  // `axis` is 'x', 'y' or 'z'.
  explicit CartesianKinematics(char axis);
  double calc_position(const Move& m, double move_time) override;
  // The toolhead coordinate of the axis for a stepper position (the identity).
  static double forward(double stepper_pos) { return stepper_pos; }

 private:
  int axis_;
};

}  // namespace kpp::motion
