// Linear delta printer kinematics (Klipper's kinematics/delta.py): three towers with carriages
// joined to the effector by arms; all towers home together; moves far from the centre (where a
// small XY motion means a large carriage motion) are slowed down.
#include <cmath>

#include "core/logging.h"
#include "modules/homing.h"
#include "motion/kinematics/delta.h"
#include "motion/kinematics/kinematics.h"
#include "motion/kinematics/trilateration.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

// Moves get slower once the tower/XY movement ratio passes this.
constexpr double kSlowRatio = 3.;

class DeltaKin : public Kinematics {
 public:
  DeltaKin(ToolHead& toolhead, const ConfigWrapper& config) {
    std::array<ConfigWrapper, 3> sconfigs = {config.getsection("stepper_a"),
                                              config.getsection("stepper_b"),
                                              config.getsection("stepper_c")};
    PrinterRail::Options opts;
    opts.need_position_minmax = false;
    rails_[0] = std::make_unique<PrinterRail>(sconfigs[0], opts);
    // Towers b and c default to tower a's endstop position.
    opts.default_position_endstop = rails_[0]->get_homing_info().position_endstop;
    rails_[1] = std::make_unique<PrinterRail>(sconfigs[1], opts);
    rails_[2] = std::make_unique<PrinterRail>(sconfigs[2], opts);
    auto [max_velocity, max_accel] = toolhead.get_max_velocity();
    max_velocity_ = max_velocity;
    max_accel_ = max_accel;
    max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                      FloatLimits{.maxval = max_velocity, .above = 0.});
    double radius = config.getfloat("delta_radius", FloatLimits{.above = 0.});
    double print_radius = config.getfloat("print_radius", radius, FloatLimits{.above = 0.});
    double arm_length_a = sconfigs[0].getfloat("arm_length", FloatLimits{.above = radius});
    const double default_angles[3] = {210., 330., 90.};
    for (int i = 0; i < 3; i++) {
      arm_lengths_[i] = sconfigs[i].getfloat("arm_length", arm_length_a, FloatLimits{.above = radius});
      arm2_[i] = arm_lengths_[i] * arm_lengths_[i];
      abs_endstops_[i] = rails_[i]->get_homing_info().position_endstop +
                         std::sqrt(arm2_[i] - radius * radius);
      double angle = sconfigs[i].getfloat("angle", default_angles[i]);
      towers_[i] = {std::cos(angle * M_PI / 180.) * radius,
                    std::sin(angle * M_PI / 180.) * radius, 0.};
    }
    for (int i = 0; i < 3; i++) {
      double a2 = arm2_[i], tx = towers_[i].x, ty = towers_[i].y;
      rails_[i]->setup_itersolve(
          [a2, tx, ty] { return std::make_unique<motion::DeltaKinematics>(a2, tx, ty); });
    }
    for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
    // Boundaries.
    home_position_ = actuator_to_cartesian(abs_endstops_);
    max_z_ = rails_[0]->get_homing_info().position_endstop;
    for (auto& r : rails_) max_z_ = std::min(max_z_, r->get_homing_info().position_endstop);
    min_z_ = config.getfloat("minimum_z_position", 0., FloatLimits{.maxval = max_z_});
    limit_z_ = abs_endstops_[0] - arm_lengths_[0];
    for (int i = 1; i < 3; i++) limit_z_ = std::min(limit_z_, abs_endstops_[i] - arm_lengths_[i]);
    log::info("Delta max build height {:.2f}mm (radius tapered above {:.2f}mm)", max_z_, limit_z_);
    // Where an XY move could cause excessive tower movement.
    double half_min_step_dist = rails_[0]->primary_stepper().get_step_dist();
    for (auto& r : rails_)
      half_min_step_dist = std::min(half_min_step_dist, r->primary_stepper().get_step_dist());
    half_min_step_dist *= .5;
    double min_arm_length = std::min({arm_lengths_[0], arm_lengths_[1], arm_lengths_[2]});
    auto ratio_to_xy = [&](double ratio) {
      return ratio * std::sqrt(min_arm_length * min_arm_length / (ratio * ratio + 1.) -
                               half_min_step_dist * half_min_step_dist) +
             half_min_step_dist - radius;
    };
    slow_xy2_ = std::pow(ratio_to_xy(kSlowRatio), 2.);
    very_slow_xy2_ = std::pow(ratio_to_xy(2. * kSlowRatio), 2.);
    max_xy2_ = std::pow(
        std::min({print_radius, min_arm_length - radius, ratio_to_xy(4. * kSlowRatio)}), 2.);
    double max_xy = std::sqrt(max_xy2_);
    log::info("Delta max build radius {:.2f}mm (moves slowed past {:.2f}mm and {:.2f}mm)", max_xy,
              std::sqrt(slow_xy2_), std::sqrt(very_slow_xy2_));
    axes_min_ = {-max_xy, -max_xy, min_z_};
    axes_max_ = {max_xy, max_xy, max_z_};
    set_position({0., 0., 0.}, "");
  }

  std::vector<MotionStepper*> get_steppers() override {
    std::vector<MotionStepper*> out;
    for (auto& rail : rails_)
      for (auto& s : rail->get_steppers()) out.push_back(s.get());
    return out;
  }

  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override {
    std::array<double, 3> spos;
    for (int i = 0; i < 3; i++) spos[i] = stepper_positions.at(rails_[i]->get_name());
    return actuator_to_cartesian(spos);
  }

  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override {
    for (auto& rail : rails_) rail->set_position(newpos[0], newpos[1], newpos[2]);
    limit_xy2_ = -1.;
    if (homing_axes == "xyz") need_home_ = false;
  }

  void clear_homing_state(const std::string& axes) override {
    // The towers can only be homed together.
    if (!axes.empty()) {
      limit_xy2_ = -1.;
      need_home_ = true;
    }
  }

  void home(Homing& homing_state) override {
    homing_state.set_axes({0, 1, 2});
    std::vector<std::optional<double>> forcepos = {home_position_[0], home_position_[1],
                                                   home_position_[2], std::nullopt};
    double max_arm2 = std::max({arm2_[0], arm2_[1], arm2_[2]});
    forcepos[2] = -1.5 * std::sqrt(max_arm2 - max_xy2_);
    std::vector<std::optional<double>> homepos = {home_position_[0], home_position_[1],
                                                  home_position_[2], std::nullopt};
    homing_state.home_rails({rails_[0].get(), rails_[1].get(), rails_[2].get()}, forcepos,
                            homepos);
  }

  void check_move(ToolMove& move) override {
    const Coord& end_pos = move.end_pos;
    double end_xy2 = end_pos[0] * end_pos[0] + end_pos[1] * end_pos[1];
    if (end_xy2 <= limit_xy2_ && move.axes_d[2] == 0.) return;  // normal XY move
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
    if (move.axes_d[2] != 0.) {
      double z_ratio = move.move_d / std::fabs(move.axes_d[2]);
      move.limit_speed(max_z_velocity_ * z_ratio, move.accel);
      limit_xy2 = -1.;
    }
    // Slower at the edge of the build envelope.
    double start_xy2 =
        move.start_pos[0] * move.start_pos[0] + move.start_pos[1] * move.start_pos[1];
    double extreme_xy2 = std::max(end_xy2, start_xy2);
    if (extreme_xy2 > slow_xy2_) {
      double r = extreme_xy2 > very_slow_xy2_ ? 0.25 : 0.5;
      move.limit_speed(max_velocity_ * r, max_accel_ * r);
      limit_xy2 = -1.;
    }
    limit_xy2_ = std::min(limit_xy2, slow_xy2_);
  }

  Json get_status(double) override {
    return Json{{"homed_axes", need_home_ ? "" : "xyz"},
                {"axis_minimum", coord_status(axes_min_)},
                {"axis_maximum", coord_status(axes_max_)}};
  }

 private:
  Pos3 actuator_to_cartesian(const std::array<double, 3>& spos) const {
    std::array<motion::Vec3, 3> centers;
    for (int i = 0; i < 3; i++) centers[i] = {towers_[i].x, towers_[i].y, spos[i]};
    motion::Vec3 p = motion::trilateration(centers, arm2_);
    return {p.x, p.y, p.z};
  }

  std::array<std::unique_ptr<PrinterRail>, 3> rails_;
  double max_velocity_, max_accel_, max_z_velocity_;
  std::array<double, 3> arm_lengths_{}, arm2_{}, abs_endstops_{};
  std::array<motion::Vec3, 3> towers_{};
  bool need_home_ = true;
  double limit_xy2_ = -1.;
  Pos3 home_position_{};
  double max_z_ = 0., min_z_ = 0., limit_z_ = 0.;
  double slow_xy2_ = 0., very_slow_xy2_ = 0., max_xy2_ = 0.;
  std::array<double, 3> axes_min_{}, axes_max_{};
};

}  // namespace

KPP_REGISTER_KINEMATICS(delta, "delta",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<DeltaKin>(th, c);
                        })

}  // namespace kpp
