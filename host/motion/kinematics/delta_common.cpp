// Shared delta kinematics parts (see delta_common.h).
#include "motion/kinematics/delta_common.h"

#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "modules/homing.h"
#include "motion/toolhead.h"

namespace kpp {

DeltaKinBase::DeltaKinBase(const ConfigWrapper& config, bool units_in_radians) {
  PrinterRail::Options opts;
  opts.need_position_minmax = false;
  opts.units_in_radians = units_in_radians;
  rails_[0] = std::make_unique<PrinterRail>(config.getsection("stepper_a"), opts);
  opts.default_position_endstop = rails_[0]->get_homing_info().position_endstop;
  rails_[1] = std::make_unique<PrinterRail>(config.getsection("stepper_b"), opts);
  rails_[2] = std::make_unique<PrinterRail>(config.getsection("stepper_c"), opts);
}

void DeltaKinBase::set_bounds(const ConfigWrapper& config, const Pos3& home_position,
                              double limit_z, double max_xy2) {
  home_position_ = home_position;
  max_z_ = std::min({rails_[0]->get_homing_info().position_endstop,
                     rails_[1]->get_homing_info().position_endstop,
                     rails_[2]->get_homing_info().position_endstop});
  min_z_ = config.getfloat("minimum_z_position", 0., FloatLimits{.maxval = max_z_});
  limit_z_ = limit_z;
  max_xy2_ = max_xy2;
  log::info("Delta max build height {:.2f}mm (radius tapered above {:.2f}mm)", max_z_, limit_z_);
  double max_xy = std::sqrt(max_xy2_);
  axes_min_ = {-max_xy, -max_xy, min_z_};
  axes_max_ = {max_xy, max_xy, max_z_};
}

std::vector<MotionStepper*> DeltaKinBase::get_steppers() {
  std::vector<MotionStepper*> out;
  for (auto& rail : rails_)
    for (auto& s : rail->get_steppers()) out.push_back(s.get());
  return out;
}

Pos3 DeltaKinBase::calc_position(const std::map<std::string, double>& stepper_positions) {
  std::array<double, 3> spos;
  for (int i = 0; i < 3; i++) spos[i] = stepper_positions.at(rails_[i]->get_name());
  return actuator_to_cartesian(spos);
}

void DeltaKinBase::set_position(const std::array<double, 3>& newpos,
                                const std::string& homing_axes) {
  for (auto& rail : rails_) rail->set_position(newpos[0], newpos[1], newpos[2]);
  limit_xy2_ = -1.;
  if (homing_axes == "xyz") need_home_ = false;
}

void DeltaKinBase::clear_homing_state(const std::string& axes) {
  // The towers can only be homed together.
  if (!axes.empty()) {
    limit_xy2_ = -1.;
    need_home_ = true;
  }
}

void DeltaKinBase::home_towers(Homing& homing_state, double force_z) {
  homing_state.set_axes({0, 1, 2});
  std::vector<std::optional<double>> homepos = {home_position_[0], home_position_[1],
                                                home_position_[2], std::nullopt};
  std::vector<std::optional<double>> forcepos = homepos;
  forcepos[2] = force_z;
  homing_state.home_rails({rails_[0].get(), rails_[1].get(), rails_[2].get()}, forcepos,
                          homepos);
}

std::optional<double> DeltaKinBase::check_range(ToolMove& move) const {
  const Coord& end_pos = move.end_pos;
  double end_xy2 = end_pos[0] * end_pos[0] + end_pos[1] * end_pos[1];
  if (end_xy2 <= limit_xy2_ && move.axes_d[2] == 0.) return std::nullopt;  // normal XY move
  if (need_home_) throw move.move_error("Must home first");
  double end_z = end_pos[2];
  double limit_xy2 = max_xy2_;
  if (end_z > limit_z_) limit_xy2 = std::min(limit_xy2, std::pow(max_z_ - end_z, 2.));
  if (end_xy2 > limit_xy2 || end_z > max_z_ || end_z < min_z_) {
    // Out of range; only the homing move to the top may go there.
    if (end_pos[0] != home_position_[0] || end_pos[1] != home_position_[1] ||
        end_z < min_z_ || end_z > home_position_[2])
      throw move.move_error();
    limit_xy2 = -1.;
  }
  return limit_xy2;
}

Json DeltaKinBase::get_status(double) {
  return Json{{"homed_axes", need_home_ ? "" : "xyz"},
              {"axis_minimum", coord_status(axes_min_)},
              {"axis_maximum", coord_status(axes_max_)}};
}

}  // namespace kpp
