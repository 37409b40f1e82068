// Deltesian printer kinematics (Klipper's kinematics/deltesian.py): left and right vertical
// carriages joined to the effector by arms in the XZ plane (they home together and define X
// and Z), plus a cartesian Y rail. X moves far out (steep arms) are slowed down.
#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "modules/homing.h"
#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/deltesian.h"
#include "motion/kinematics/kinematics.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

// Moves get slower once the tower/X movement ratio passes this (the slow_ratio default).
constexpr double kSlowRatio = 3.;
// Default smallest angle (degrees) between an arm and the horizontal.
constexpr double kMinAngle = 5.;

class DeltesianKin : public Kinematics {
 public:
  DeltesianKin(ToolHead& toolhead, const ConfigWrapper& config) {
    std::array<ConfigWrapper, 3> sconfigs = {config.getsection("stepper_left"),
                                              config.getsection("stepper_right"),
                                              config.getsection("stepper_y")};
    PrinterRail::Options opts;
    opts.need_position_minmax = false;
    rails_[0] = std::make_unique<PrinterRail>(sconfigs[0], opts);
    opts.default_position_endstop = rails_[0]->get_homing_info().position_endstop;
    rails_[1] = std::make_unique<PrinterRail>(sconfigs[1], opts);
    rails_[2] = lookup_multi_rail(sconfigs[2]);
    arm_x_[0] = sconfigs[0].getfloat("arm_x_length", FloatLimits{.above = 0.});
    arm_x_[1] = sconfigs[1].getfloat("arm_x_length", arm_x_[0], FloatLimits{.above = 0.});
    std::array<double, 2> arm;
    arm[0] = sconfigs[0].getfloat("arm_length", FloatLimits{.above = arm_x_[0]});
    arm[1] = sconfigs[1].getfloat("arm_length", arm[0], FloatLimits{.above = arm_x_[1]});
    arm2_ = {arm[0] * arm[0], arm[1] * arm[1]};
    double a2l = arm2_[0], axl = -arm_x_[0], a2r = arm2_[1], axr = arm_x_[1];
    rails_[0]->setup_itersolve(
        [a2l, axl] { return std::make_unique<motion::DeltesianKinematics>(a2l, axl); });
    rails_[1]->setup_itersolve(
        [a2r, axr] { return std::make_unique<motion::DeltesianKinematics>(a2r, axr); });
    rails_[2]->setup_itersolve([] { return std::make_unique<motion::CartesianKinematics>('y'); });
    for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
    // X limits: the arms may not get flatter than min_angle.
    double min_angle =
        config.getfloat("min_angle", kMinAngle, FloatLimits{.minval = 0., .maxval = 90.});
    double cos_angle = std::cos(min_angle * M_PI / 180.);
    double x_kin_min = std::ceil(-std::min(arm_x_[0], cos_angle * arm[1] - arm_x_[1]));
    double x_kin_max = std::floor(std::min(arm_x_[1], cos_angle * arm[0] - arm_x_[0]));
    double x_kin_range = std::min({x_kin_max - x_kin_min, x_kin_max * 2., -x_kin_min * 2.});
    double print_width =
        config.getfloat("print_width", 0., FloatLimits{.minval = 0., .maxval = x_kin_range});
    if (print_width != 0.)
      limits_[0] = {-print_width * .5, print_width * .5};
    else
      limits_[0] = {x_kin_min, x_kin_max};
    limits_[1] = rails_[2]->get_range();
    // Z limits: the carriages' endstops, lowered where an arm reaches far.
    for (int i = 0; i < 2; i++)
      abs_endstop_[i] = rails_[i]->get_homing_info().position_endstop +
                        std::sqrt(arm2_[i] - arm_x_[i] * arm_x_[i]);
    home_z_ = motion::DeltesianKinematics::forward(arm_x_, arm2_, abs_endstop_)[1];
    double z_max = std::min(pillars_z_max(limits_[0].first), pillars_z_max(limits_[0].second));
    double z_min = config.getfloat("minimum_z_position", 0., FloatLimits{.maxval = z_max});
    limits_[2] = {z_min, z_max};
    double slow_ratio = config.getfloat("slow_ratio", kSlowRatio, FloatLimits{.minval = 0.});
    if (slow_ratio > 0.) {
      double sr2 = slow_ratio * slow_ratio;
      double slow = 1e300, very_slow = 1e300;
      for (int i = 0; i < 2; i++) {
        slow = std::min(slow, std::sqrt(sr2 * arm2_[i] / (sr2 + 1.)) - arm_x_[i]);
        very_slow = std::min(very_slow, std::sqrt(2. * sr2 * arm2_[i] / (2. * sr2 + 1.)) - arm_x_[i]);
      }
      slow_x2_ = slow * slow;
      very_slow_x2_ = very_slow * very_slow;
      log::info("Deltesian kinematics: moves slowed past {:.2f}mm and {:.2f}mm", slow, very_slow);
    }
    auto [max_velocity, max_accel] = toolhead.get_max_velocity();
    max_velocity_ = max_velocity;
    max_accel_ = max_accel;
    max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                      FloatLimits{.maxval = max_velocity, .above = 0.});
    max_z_accel_ =
        config.getfloat("max_z_accel", max_accel, FloatLimits{.maxval = max_accel, .above = 0.});
    for (int i = 0; i < 3; i++) {
      axes_min_[i] = limits_[i].first;
      axes_max_[i] = limits_[i].second;
    }
    set_position({0., 0., 0.}, "");
  }

  std::vector<MotionStepper*> get_steppers() override {
    std::vector<MotionStepper*> out;
    for (auto& rail : rails_)
      for (auto& s : rail->get_steppers()) out.push_back(s.get());
    return out;
  }

  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override {
    std::array<double, 2> sp = {stepper_positions.at(rails_[0]->get_name()),
                                stepper_positions.at(rails_[1]->get_name())};
    auto xz = motion::DeltesianKinematics::forward(arm_x_, arm2_, sp);
    return {xz[0], stepper_positions.at(rails_[2]->get_name()), xz[1]};
  }

  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override {
    for (auto& rail : rails_) rail->set_position(newpos[0], newpos[1], newpos[2]);
    for (char c : homing_axes) {
      auto axis = std::string("xyz").find(c);
      if (axis != std::string::npos) homed_[axis] = true;
    }
  }

  void clear_homing_state(const std::string& axes) override {
    for (int i = 0; i < 3; i++)
      if (axes.find("xyz"[i]) != std::string::npos) homed_[i] = false;
  }

  void home(Homing& homing_state) override {
    // X and Z come from the same two carriages and always home together.
    bool home_xz = false, home_y = false;
    for (int a : homing_state.get_axes()) (a == 1 ? home_y : home_xz) = true;
    std::vector<int> axes;
    if (home_xz) axes = {0, 2};
    if (home_y) axes.push_back(1);
    std::sort(axes.begin(), axes.end());
    homing_state.set_axes(axes);
    std::vector<std::optional<double>> homepos(4);
    if (home_xz) {
      homepos[0] = 0.;
      homepos[2] = home_z_;
      std::vector<std::optional<double>> forcepos = homepos;
      double max_dz2 = std::max(arm2_[0] - arm_x_[0] * arm_x_[0], arm2_[1] - arm_x_[1] * arm_x_[1]);
      forcepos[2] = -1.5 * std::sqrt(max_dz2);
      homing_state.home_rails({rails_[0].get(), rails_[1].get()}, forcepos, homepos);
    }
    if (home_y) {
      auto [position_min, position_max] = rails_[2]->get_range();
      const HomingInfo& hi = rails_[2]->get_homing_info();
      homepos[1] = hi.position_endstop;
      std::vector<std::optional<double>> forcepos = homepos;
      if (hi.positive_dir)
        *forcepos[1] -= 1.5 * (hi.position_endstop - position_min);
      else
        *forcepos[1] += 1.5 * (position_max - hi.position_endstop);
      homing_state.home_rails({rails_[2].get()}, forcepos, homepos);
    }
  }

  void check_move(ToolMove& move) override {
    auto limits = limits_;
    const Coord &spos = move.start_pos, &epos = move.end_pos;
    bool homing_move = false;
    if (epos[0] == 0. && epos[2] == home_z_ && move.axes_d[1] == 0.)
      homing_move = true;
    else if (epos[2] > limits[2].second)
      limits[2].second = pillars_z_max(epos[0]);  // near the top the reach depends on X
    for (int i = 0; i < 3; i++) {
      if (move.axes_d[i] == 0.) continue;
      if (!homed_[i]) throw move.move_error("Must home axis first");
      if ((epos[i] < limits[i].first || epos[i] > limits[i].second) && !homing_move)
        throw move.move_error();
    }
    if (move.axes_d[2] != 0.) {
      double z_ratio = move.move_d / std::fabs(move.axes_d[2]);
      move.limit_speed(max_z_velocity_ * z_ratio, max_z_accel_ * z_ratio);
    }
    if (move.axes_d[0] != 0. && slow_x2_ > 0. && very_slow_x2_ > 0.) {
      double move_x2 = std::max(spos[0] * spos[0], epos[0] * epos[0]);
      if (move_x2 > very_slow_x2_)
        move.limit_speed(max_velocity_ * .25, max_accel_ * .25);
      else if (move_x2 > slow_x2_)
        move.limit_speed(max_velocity_ * .5, max_accel_ * .5);
    }
  }

  Json get_status(double) override {
    std::string homed;
    for (int i = 0; i < 3; i++)
      if (homed_[i]) homed += "xyz"[i];
    return Json{{"homed_axes", homed},
                {"axis_minimum", coord_status(axes_min_)},
                {"axis_maximum", coord_status(axes_max_)}};
  }

 private:
  // Highest reachable Z at toolhead x (both arms still reach the effector).
  double pillars_z_max(double x) const {
    double dz0 = std::sqrt(arm2_[0] - std::pow(arm_x_[0] + x, 2.));
    double dz1 = std::sqrt(arm2_[1] - std::pow(arm_x_[1] - x, 2.));
    return std::min(abs_endstop_[0] - dz0, abs_endstop_[1] - dz1);
  }

  std::array<std::unique_ptr<PrinterRail>, 3> rails_;
  std::array<double, 2> arm_x_{}, arm2_{}, abs_endstop_{};
  std::array<std::pair<double, double>, 3> limits_{};
  double home_z_ = 0., slow_x2_ = 0., very_slow_x2_ = 0.;
  double max_velocity_, max_accel_, max_z_velocity_, max_z_accel_;
  std::array<bool, 3> homed_{};
  std::array<double, 3> axes_min_{}, axes_max_{};
};

}  // namespace

KPP_REGISTER_KINEMATICS(deltesian, "deltesian",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<DeltesianKin>(th, c);
                        })

}  // namespace kpp
