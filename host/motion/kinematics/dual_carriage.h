// Dual carriage (IDEX) wrapper kinematics: the stepper of a carriage sees the toolhead x / y
// scaled and offset (copy and mirror modes, or a parked carriage with scale 0) before its own
// kinematics (kin_idex.c).
#pragma once

#include "motion/itersolve.h"

namespace kpp::motion {

class DualCarriageKinematics : public StepperKinematics {
 public:
  DualCarriageKinematics();
  // Wrap `inner` (not owned); takes its active axes.
  void set_inner(StepperKinematics* inner);
  StepperKinematics* inner() const { return inner_; }
  // carriage coordinate = toolhead coordinate * scale + offs, for axis 'x' or 'y'; scale 0
  // parks the carriage (the axis no longer moves this stepper). Returns false for other axes.
  bool set_transform(char axis, double scale, double offs);
  double calc_position(const Move& m, double move_time) override;
  // Toolhead coordinate for a carriage coordinate (the inverse transform; scale must be
  // non-zero).
  double toolhead_coord(char axis, double carriage_coord) const;

 private:
  StepperKinematics* inner_ = nullptr;
  DummyMove dm_;
  double x_scale_ = 1., x_offs_ = 0., y_scale_ = 1., y_offs_ = 0.;
};

}  // namespace kpp::motion
