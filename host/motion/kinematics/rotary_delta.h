// Rotary delta stepper kinematics: each stepper turns an upper arm about a shoulder joint; a
// lower arm of fixed length joins the elbow to the effector (kin_rotary_delta.c). Positions are
// angles in radians.
#pragma once

#include <array>

#include "motion/itersolve.h"

namespace kpp::motion {

struct RotaryDeltaArm {
  double shoulder_radius, shoulder_height;
  double angle;  // radians
  double upper_arm, lower_arm;
};

class RotaryDeltaKinematics : public StepperKinematics {
 public:
  explicit RotaryDeltaKinematics(const RotaryDeltaArm& arm);
  double calc_position(const Move& m, double move_time) override;
  // Elbow position of `arm` at upper-arm angle `angle`.
  static Vec3 elbow_coord(const RotaryDeltaArm& arm, double angle);
  // Effector position from the three upper-arm angles.
  static Vec3 forward(const std::array<RotaryDeltaArm, 3>& arms,
                      const std::array<double, 3>& angles);

 private:
  double cos_, sin_, shoulder_radius_, shoulder_height_;
  double upper_arm2_, lower_arm2_;
};

}  // namespace kpp::motion
