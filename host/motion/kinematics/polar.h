// Polar stepper kinematics: a rotating bed (angle in radians, kept continuous across the
// -pi/pi seam) and a radial arm (kin_polar.c).
#pragma once

#include "motion/itersolve.h"

namespace kpp::motion {

class PolarKinematics : public StepperKinematics {
 public:
  // `type` is 'a' (bed angle) or 'r' (arm radius).
  explicit PolarKinematics(char type);
  double calc_position(const Move& m, double move_time) override;
  // Keep the commanded bed angle within [-pi, pi].
  void post_fixup() override;
  bool has_post_fixup() const override { return angle_; }
  // Toolhead position from bed angle, arm radius and z.
  static Vec3 forward(double bed_angle, double arm_pos, double z);

 private:
  bool angle_;
};

}  // namespace kpp::motion
