// Polar printer kinematics (Klipper's kinematics/polar.py): a rotating bed (stepper_bed, in
// radians), a radial arm rail (stepper_arm) and a Z rail. X and Y always home together (the
// arm homes; the bed angle is then defined as 0), and XY moves are limited to the arm's reach.
#include <algorithm>
#include <cmath>

#include "modules/homing.h"
#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/kinematics.h"
#include "motion/kinematics/polar.h"
#include "motion/rail.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class PolarKin : public Kinematics {
 public:
  PolarKin(ToolHead& toolhead, const ConfigWrapper& config) {
    bed_ = make_printer_stepper(config.getsection("stepper_bed"), /*units_in_radians=*/true);
    arm_ = std::make_unique<PrinterRail>(config.getsection("stepper_arm"));
    z_ = lookup_multi_rail(config.getsection("stepper_z"));
    bed_->setup_itersolve(std::make_unique<motion::PolarKinematics>('a'));
    arm_->setup_itersolve([] { return std::make_unique<motion::PolarKinematics>('r'); });
    z_->setup_itersolve([] { return std::make_unique<motion::CartesianKinematics>('z'); });
    for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
    auto [max_velocity, max_accel] = toolhead.get_max_velocity();
    max_velocity_ = max_velocity;
    max_accel_ = max_accel;
    max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                      FloatLimits{.maxval = max_velocity, .above = 0.});
    max_z_accel_ =
        config.getfloat("max_z_accel", max_accel, FloatLimits{.maxval = max_accel, .above = 0.});
    max_angular_velocity_ = config.getfloat("max_angular_velocity", 0., FloatLimits{.minval = 0.});
    double max_xy = arm_->get_range().second;
    auto [min_z, max_z] = z_->get_range();
    axes_min_ = {-max_xy, -max_xy, min_z};
    axes_max_ = {max_xy, max_xy, max_z};
  }

  std::vector<MotionStepper*> get_steppers() override {
    std::vector<MotionStepper*> out = {bed_.get()};
    for (auto& s : arm_->get_steppers()) out.push_back(s.get());
    for (auto& s : z_->get_steppers()) out.push_back(s.get());
    return out;
  }

  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override {
    double angle = stepper_positions.at(bed_->get_name());
    double arm = stepper_positions.at(arm_->get_name());
    double z = stepper_positions.at(z_->get_name());
    return {std::cos(angle) * arm, std::sin(angle) * arm, z};
  }

  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override {
    bed_->set_position(newpos[0], newpos[1], newpos[2]);
    arm_->set_position(newpos[0], newpos[1], newpos[2]);
    z_->set_position(newpos[0], newpos[1], newpos[2]);
    if (homing_axes.find('z') != std::string::npos) limit_z_ = z_->get_range();
    if (homing_axes.find('x') != std::string::npos && homing_axes.find('y') != std::string::npos)
      limit_xy2_ = std::pow(arm_->get_range().second, 2.);
  }

  void clear_homing_state(const std::string& axes) override {
    if (axes.find('x') != std::string::npos || axes.find('y') != std::string::npos)
      limit_xy2_ = -1.;
    if (axes.find('z') != std::string::npos) limit_z_ = {1., -1.};
  }

  void home(Homing& homing_state) override {
    // X and Y can only be homed together (homing the arm defines the bed angle too).
    const auto& axes = homing_state.get_axes();
    bool home_xy = false, home_z = false;
    for (int a : axes) (a == 2 ? home_z : home_xy) = true;
    std::vector<int> updated;
    if (home_xy) updated = {0, 1};
    if (home_z) updated.push_back(2);
    homing_state.set_axes(updated);
    if (home_xy) home_axis(homing_state, 0, *arm_);
    if (home_z) home_axis(homing_state, 2, *z_);
  }

  void check_move(ToolMove& move) override {
    const Coord& end = move.end_pos;
    double xy2 = end[0] * end[0] + end[1] * end[1];
    if (xy2 > limit_xy2_) {
      if (limit_xy2_ < 0.) throw move.move_error("Must home axis first");
      throw move.move_error();
    }
    if (move.axes_d[2] != 0.) {
      if (end[2] < limit_z_.first || end[2] > limit_z_.second) {
        if (limit_z_.first > limit_z_.second) throw move.move_error("Must home axis first");
        throw move.move_error();
      }
      double z_ratio = move.move_d / std::fabs(move.axes_d[2]);
      move.limit_speed(max_z_velocity_ * z_ratio, max_z_accel_ * z_ratio);
    }
    if (max_angular_velocity_ > 0. && (move.axes_d[0] != 0. || move.axes_d[1] != 0.)) {
      // Near the centre a straight line turns the bed fast: at the point of the segment closest
      // to the origin (distance d) the bed turns at up to v / d rad/s. When the move's requested
      // speed would exceed max_angular_velocity there, Klipper scales the printer-wide
      // max_velocity and max_accel by max_angular_velocity / (v / d) and limits the move to
      // those (so speed and acceleration both shrink in proportion to d). A segment through the
      // exact centre (d == 0) is not limited (no finite scale exists there).
      double d = segment_distance_to_origin(move.start_pos[0], move.start_pos[1], end[0], end[1]);
      if (d > 0.) {
        double angular_v = std::sqrt(move.max_cruise_v2) / d;
        if (angular_v > max_angular_velocity_) {
          double scale = max_angular_velocity_ / angular_v;
          move.limit_speed(max_velocity_ * scale, max_accel_ * scale);
        }
      }
    }
  }

  Json get_status(double) override {
    std::string homed;
    if (limit_xy2_ >= 0.) homed += "xy";
    if (limit_z_.first <= limit_z_.second) homed += "z";
    return Json{{"homed_axes", homed},
                {"axis_minimum", coord_status(axes_min_)},
                {"axis_maximum", coord_status(axes_max_)}};
  }

 private:
  static double segment_distance_to_origin(double x1, double y1, double x2, double y2) {
    double dx = x2 - x1, dy = y2 - y1;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0. ? std::clamp(-(x1 * dx + y1 * dy) / len2, 0., 1.) : 0.;
    return std::hypot(x1 + t * dx, y1 + t * dy);
  }

  static void home_axis(Homing& homing_state, int axis, PrinterRail& rail) {
    auto [position_min, position_max] = rail.get_range();
    const HomingInfo& hi = rail.get_homing_info();
    std::vector<std::optional<double>> homepos(4);
    homepos[axis] = hi.position_endstop;
    if (axis == 0) homepos[1] = 0.;
    std::vector<std::optional<double>> forcepos = homepos;
    if (hi.positive_dir)
      *forcepos[axis] -= hi.position_endstop - position_min;
    else
      *forcepos[axis] += position_max - hi.position_endstop;
    homing_state.home_rails({&rail}, forcepos, homepos);
  }

  std::shared_ptr<MotionStepper> bed_;
  std::unique_ptr<PrinterRail> arm_, z_;
  double max_velocity_, max_accel_, max_z_velocity_, max_z_accel_, max_angular_velocity_;
  double limit_xy2_ = -1.;
  std::pair<double, double> limit_z_{1., -1.};
  std::array<double, 3> axes_min_{}, axes_max_{};
};

}  // namespace

KPP_REGISTER_KINEMATICS(polar, "polar",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<PolarKin>(th, c);
                        })

}  // namespace kpp
