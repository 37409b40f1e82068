// CoreXZ stepper kinematics: each stepper follows x+z or x-z (kin_corexz.c); the '-' stepper
// alone serves hybrid-CoreXZ printers.
#pragma once

#include "motion/itersolve.h"

namespace kpp::motion {

class CoreXZKinematics : public StepperKinematics {
 public:
  // `type` is '+' (position x + z) or '-' (position x - z).
  explicit CoreXZKinematics(char type);
  double calc_position(const Move& m, double move_time) override;
  // Toolhead position from the '+' and '-' stepper positions (and y).
  static Vec3 forward(double plus_pos, double minus_pos, double y);

 private:
  bool plus_;
};

}  // namespace kpp::motion
