// CoreXY stepper kinematics: each stepper follows x+y or x-y (kin_corexy.c); the '-' stepper
// alone is also the belt arrangement of hybrid-CoreXY ("markforged") printers.
#pragma once

#include "motion/itersolve.h"

namespace kpp::motion {

class CoreXYKinematics : public StepperKinematics {
 public:
  // `type` is '+' (position x + y) or '-' (position x - y).
  explicit CoreXYKinematics(char type);
  double calc_position(const Move& m, double move_time) override;
  // Toolhead x and y from the '+' and '-' stepper positions.
  static Vec3 forward(double plus_pos, double minus_pos, double z);

 private:
  bool plus_;
};

}  // namespace kpp::motion
