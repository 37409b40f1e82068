// Cable winch stepper kinematics: the stepper position is the cable length from an anchor to
// the toolhead (kin_winch.c).
#pragma once

#include <array>

#include "motion/itersolve.h"

namespace kpp::motion {

class WinchKinematics : public StepperKinematics {
 public:
  explicit WinchKinematics(const Vec3& anchor);
  double calc_position(const Move& m, double move_time) override;
  // Toolhead position from the cable lengths of the first three anchors.
  static Vec3 forward(const std::array<Vec3, 3>& anchors, const std::array<double, 3>& lengths);

 private:
  Vec3 anchor_;
};

}  // namespace kpp::motion
