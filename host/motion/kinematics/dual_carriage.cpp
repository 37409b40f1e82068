// Dual carriage wrapper kinematics (see dual_carriage.h).
#include "motion/kinematics/dual_carriage.h"

namespace kpp::motion {

DualCarriageKinematics::DualCarriageKinematics() {
  dm_.m.axes_r.x = 1.;
  dm_.m.axes_r.y = 1.;
}

void DualCarriageKinematics::set_inner(StepperKinematics* inner) {
  inner_ = inner;
  set_active_flags(inner->active_flags());
  copy_solver_state(*inner);
}

bool DualCarriageKinematics::set_transform(char axis, double scale, double offs) {
  if (axis != 'x' && axis != 'y') return false;
  int flag = axis == 'x' ? kActiveX : kActiveY;
  if (axis == 'x') {
    x_scale_ = scale;
    x_offs_ = offs;
  } else {
    y_scale_ = scale;
    y_offs_ = offs;
  }
  if (scale == 0.)
    set_active_flags(active_flags() & ~flag);
  else if (inner_ && (inner_->active_flags() & flag))
    set_active_flags(active_flags() | flag);
  return true;
}

double DualCarriageKinematics::calc_position(const Move& m, double move_time) {
  Vec3 pos = m.coord(move_time);
  dm_.m.start_pos.x = pos.x * x_scale_ + x_offs_;
  dm_.m.start_pos.y = pos.y * y_scale_ + y_offs_;
  dm_.m.start_pos.z = pos.z;
  dm_.m.start_v = 0.;
  return inner_->calc_position(dm_.m, DummyMove::kDummyTime);
}

double DualCarriageKinematics::toolhead_coord(char axis, double carriage_coord) const {
  if (axis == 'x') return (carriage_coord - x_offs_) / x_scale_;
  return (carriage_coord - y_offs_) / y_scale_;
}

}  // namespace kpp::motion
