// Generic cartesian stepper kinematics: the stepper position is a fixed linear combination of
// the toolhead x, y and z (kin_generic.c); covers cartesian, corexy, corexz, hybrid and
// multi-carriage machines described by a coefficient matrix.
#pragma once

#include <span>

#include "motion/itersolve.h"

namespace kpp::motion {

class GenericCartesianKinematics : public StepperKinematics {
 public:
  explicit GenericCartesianKinematics(const Vec3& coeffs);
  double calc_position(const Move& m, double move_time) override;
  // Change the coefficients (the active axes follow the non-zero ones).
  void set_coeffs(const Vec3& coeffs);
  const Vec3& coeffs() const { return a_; }
  // Toolhead position from stepper positions: the least-squares solution of
  // coeffs[i] . p = positions[i] (exact when the steppers determine x, y and z). Axes that no
  // stepper moves come out as 0.
  static Vec3 forward(std::span<const Vec3> coeffs, std::span<const double> positions);

 private:
  Vec3 a_;
};

}  // namespace kpp::motion
