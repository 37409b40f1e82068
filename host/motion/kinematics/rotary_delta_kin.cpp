// Rotary delta printer kinematics (Klipper's kinematics/rotary_delta.py): three steppers turn
// upper arms (positions in radians) about shoulder joints; lower arms join the elbows to the
// effector. All three arms home together; moves are limited to a cylinder tapered at the top.
#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "modules/homing.h"
#include "motion/kinematics/kinematics.h"
#include "motion/kinematics/rotary_delta.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class RotaryDeltaKin : public Kinematics {
 public:
  RotaryDeltaKin(ToolHead& toolhead, const ConfigWrapper& config) {
    std::array<ConfigWrapper, 3> sconfigs = {config.getsection("stepper_a"),
                                              config.getsection("stepper_b"),
                                              config.getsection("stepper_c")};
    PrinterRail::Options opts;
    opts.need_position_minmax = false;
    opts.units_in_radians = true;
    rails_[0] = std::make_unique<PrinterRail>(sconfigs[0], opts);
    // Arms b and c default to arm a's endstop position.
    opts.default_position_endstop = rails_[0]->get_homing_info().position_endstop;
    rails_[1] = std::make_unique<PrinterRail>(sconfigs[1], opts);
    rails_[2] = std::make_unique<PrinterRail>(sconfigs[2], opts);
    auto [max_velocity, max_accel] = toolhead.get_max_velocity();
    (void)max_accel;
    max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                      FloatLimits{.maxval = max_velocity, .above = 0.});
    double shoulder_radius = config.getfloat("shoulder_radius", FloatLimits{.above = 0.});
    double shoulder_height = config.getfloat("shoulder_height", FloatLimits{.above = 0.});
    double upper_a = sconfigs[0].getfloat("upper_arm_length", FloatLimits{.above = 0.});
    double lower_a = sconfigs[0].getfloat("lower_arm_length", FloatLimits{.above = 0.});
    const double default_angles[3] = {30., 150., 270.};
    std::array<double, 3> endstops;
    for (int i = 0; i < 3; i++) {
      arms_[i].shoulder_radius = shoulder_radius;
      arms_[i].shoulder_height = shoulder_height;
      arms_[i].upper_arm = sconfigs[i].getfloat("upper_arm_length", upper_a, FloatLimits{.above = 0.});
      arms_[i].lower_arm = sconfigs[i].getfloat("lower_arm_length", lower_a, FloatLimits{.above = 0.});
      arms_[i].angle = sconfigs[i].getfloat("angle", default_angles[i]) * M_PI / 180.;
      endstops[i] = rails_[i]->get_homing_info().position_endstop;
      motion::RotaryDeltaArm arm = arms_[i];
      rails_[i]->setup_itersolve(
          [arm] { return std::make_unique<motion::RotaryDeltaKinematics>(arm); });
    }
    for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
    // Boundaries: the arm angles with the effector at the centre, at each endstop height.
    std::array<double, 3> eangles;
    for (int i = 0; i < 3; i++) eangles[i] = rails_[i]->calc_position_from_coord(0., 0., endstops[i]);
    motion::Vec3 hp = motion::RotaryDeltaKinematics::forward(arms_, eangles);
    home_position_ = {hp.x, hp.y, hp.z};
    max_z_ = std::min({endstops[0], endstops[1], endstops[2]});
    min_z_ = config.getfloat("minimum_z_position", 0., FloatLimits{.maxval = max_z_});
    double min_ua = 1e300, min_la = 1e300;
    limit_z_ = 1e300;
    for (int i = 0; i < 3; i++) {
      min_ua = std::min(min_ua, shoulder_radius + arms_[i].upper_arm);
      min_la = std::min(min_la, arms_[i].lower_arm - shoulder_radius);
      double elbow_z = motion::RotaryDeltaKinematics::elbow_coord(arms_[i], eangles[i]).z;
      limit_z_ = std::min(limit_z_, elbow_z - arms_[i].lower_arm);
    }
    max_xy2_ = std::pow(std::min(min_ua, min_la), 2.);
    log::info("Delta max build height {:.2f}mm (radius tapered above {:.2f}mm)", max_z_, limit_z_);
    double max_xy = std::sqrt(max_xy2_);
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
    motion::Vec3 p = motion::RotaryDeltaKinematics::forward(arms_, spos);
    return {p.x, p.y, p.z};
  }

  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override {
    for (auto& rail : rails_) rail->set_position(newpos[0], newpos[1], newpos[2]);
    limit_xy2_ = -1.;
    if (homing_axes == "xyz") need_home_ = false;
  }

  void clear_homing_state(const std::string& axes) override {
    // The arms can only be homed together.
    if (!axes.empty()) {
      limit_xy2_ = -1.;
      need_home_ = true;
    }
  }

  void home(Homing& homing_state) override {
    homing_state.set_axes({0, 1, 2});
    std::vector<std::optional<double>> homepos = {home_position_[0], home_position_[1],
                                                  home_position_[2], std::nullopt};
    std::vector<std::optional<double>> forcepos = homepos;
    // Start the homing move from just below the bed so that every arm travels to its endstop.
    forcepos[2] = -1.;
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
      // Unlike linear delta, the Z speed limit applies to the whole move.
      move.limit_speed(max_z_velocity_, move.accel);
      limit_xy2 = -1.;
    }
    limit_xy2_ = limit_xy2;
  }

  Json get_status(double) override {
    return Json{{"homed_axes", need_home_ ? "" : "xyz"},
                {"axis_minimum", coord_status(axes_min_)},
                {"axis_maximum", coord_status(axes_max_)}};
  }

 private:
  std::array<std::unique_ptr<PrinterRail>, 3> rails_;
  std::array<motion::RotaryDeltaArm, 3> arms_{};
  double max_z_velocity_;
  bool need_home_ = true;
  double limit_xy2_ = -1.;
  Pos3 home_position_{};
  double max_z_ = 0., min_z_ = 0., limit_z_ = 0., max_xy2_ = 0.;
  std::array<double, 3> axes_min_{}, axes_max_{};
};

}  // namespace

KPP_REGISTER_KINEMATICS(rotary_delta, "rotary_delta",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<RotaryDeltaKin>(th, c);
                        })

}  // namespace kpp
