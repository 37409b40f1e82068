// Cartesian printer kinematics (see cartesian_kin.h).
#include "motion/kinematics/cartesian_kin.h"

#include <cmath>

#include <fmt/format.h>

#include "modules/homing.h"
#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/corexy.h"
#include "motion/kinematics/corexz.h"
#include "motion/toolhead.h"

namespace kpp {

void AxisLimits::clear(const std::string& axes) {
  for (int axis = 0; axis < 3; axis++)
    if (axes.find("xyz"[axis]) != std::string::npos) limits[axis] = {1., -1.};
}

std::string AxisLimits::homed_axes() const {
  std::string out;
  for (int axis = 0; axis < 3; axis++)
    if (homed(axis)) out += "xyz"[axis];
  return out;
}

void AxisLimits::check_endstops(const ToolMove& move) const {
  const Coord& end_pos = move.end_pos;
  for (int i = 0; i < 3; i++) {
    if (move.axes_d[i] != 0. &&
        (end_pos[i] < limits[i].first || end_pos[i] > limits[i].second)) {
      if (limits[i].first > limits[i].second) throw move.move_error("Must home axis first");
      throw move.move_error();
    }
  }
}

void home_rail_axis(Homing& homing_state, int axis, PrinterRail& rail) {
  auto [position_min, position_max] = rail.get_range();
  const HomingInfo& hi = rail.get_homing_info();
  std::vector<std::optional<double>> homepos(4);
  homepos[axis] = hi.position_endstop;
  std::vector<std::optional<double>> forcepos = homepos;
  if (hi.positive_dir)
    *forcepos[axis] -= 1.5 * (hi.position_endstop - position_min);
  else
    *forcepos[axis] += 1.5 * (position_max - hi.position_endstop);
  homing_state.home_rails({&rail}, forcepos, homepos);
}

CartKinematics::CartKinematics(ToolHead& toolhead, const ConfigWrapper& config, Variant variant)
    : printer_(config.get_printer()), variant_(variant) {
  for (char axis : std::string("xyz"))
    rails_.push_back(lookup_multi_rail(config.getsection(std::string("stepper_") + axis)));
  // The two belts of a core printer both move when either axis homes: each endstop of a
  // belt axis also stops the other belt's steppers.
  auto cross_link = [this](int a, int b) {
    for (auto& s : rails_[b]->get_steppers()) rails_[a]->get_endstops()[0].first->add_stepper(*s);
    for (auto& s : rails_[a]->get_steppers()) rails_[b]->get_endstops()[0].first->add_stepper(*s);
  };
  auto cart = [](char a) {
    return [a] { return std::make_unique<motion::CartesianKinematics>(a); };
  };
  if (variant == Variant::kCoreXY) {
    cross_link(0, 1);
    rails_[0]->setup_itersolve([] { return std::make_unique<motion::CoreXYKinematics>('+'); });
    rails_[1]->setup_itersolve([] { return std::make_unique<motion::CoreXYKinematics>('-'); });
    rails_[2]->setup_itersolve(cart('z'));
  } else if (variant == Variant::kCoreXZ) {
    cross_link(0, 2);
    rails_[0]->setup_itersolve([] { return std::make_unique<motion::CoreXZKinematics>('+'); });
    rails_[1]->setup_itersolve(cart('y'));
    rails_[2]->setup_itersolve([] { return std::make_unique<motion::CoreXZKinematics>('-'); });
  } else if (variant == Variant::kHybridCoreXY) {
    // Only the Y endstop also stops the X motor (it moves when Y moves).
    for (auto& s : rails_[0]->get_steppers()) rails_[1]->get_endstops()[0].first->add_stepper(*s);
    rails_[0]->setup_itersolve([] { return std::make_unique<motion::CoreXYKinematics>('-'); });
    rails_[1]->setup_itersolve(cart('y'));
    rails_[2]->setup_itersolve(cart('z'));
  } else if (variant == Variant::kHybridCoreXZ) {
    for (auto& s : rails_[0]->get_steppers()) rails_[2]->get_endstops()[0].first->add_stepper(*s);
    rails_[0]->setup_itersolve([] { return std::make_unique<motion::CoreXZKinematics>('-'); });
    rails_[1]->setup_itersolve(cart('y'));
    rails_[2]->setup_itersolve(cart('z'));
  } else {
    for (int i = 0; i < 3; i++) rails_[i]->setup_itersolve(cart("xyz"[i]));
  }
  for (int i = 0; i < 3; i++) {
    auto r = rails_[i]->get_range();
    axes_min_[i] = r.first;
    axes_max_[i] = r.second;
  }
  if (config.has_section("dual_carriage")) setup_dual_carriage(config);
  for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
  auto [max_velocity, max_accel] = toolhead.get_max_velocity();
  max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                    FloatLimits{.maxval = max_velocity, .above = 0.});
  max_z_accel_ =
      config.getfloat("max_z_accel", max_accel, FloatLimits{.maxval = max_accel, .above = 0.});
}

CartKinematics::~CartKinematics() = default;

void CartKinematics::setup_dual_carriage(const ConfigWrapper& config) {
  ConfigWrapper dc_config = config.getsection("dual_carriage");
  bool hybrid = variant_ == Variant::kHybridCoreXY || variant_ == Variant::kHybridCoreXZ;
  if (variant_ == Variant::kCoreXY || variant_ == Variant::kCoreXZ)
    throw config.error(fmt::format("Section 'dual_carriage' is not supported by '{}' kinematics",
                                   config.get("kinematics")));
  // The hybrid machines only have the X carriage to double (the option is still read).
  std::string axis_name = hybrid ? dc_config.getchoice("axis", {"x"}, "x")
                                 : dc_config.getchoice("axis", {"x", "y"});
  dc_axis_ = axis_name == "x" ? 0 : 1;
  rails_.push_back(lookup_multi_rail(dc_config));
  PrinterRail& dc_rail = *rails_[3];
  if (variant_ == Variant::kHybridCoreXY) {
    // The second carriage's belt runs x + y: the Y endstop also stops it.
    for (auto& s : dc_rail.get_steppers()) rails_[1]->get_endstops()[0].first->add_stepper(*s);
    dc_rail.setup_itersolve([] { return std::make_unique<motion::CoreXYKinematics>('+'); });
  } else if (variant_ == Variant::kHybridCoreXZ) {
    for (auto& s : dc_rail.get_steppers()) rails_[2]->get_endstops()[0].first->add_stepper(*s);
    dc_rail.setup_itersolve([] { return std::make_unique<motion::CoreXZKinematics>('+'); });
  } else {
    char a = axis_name[0];
    dc_rail.setup_itersolve([a] { return std::make_unique<motion::CartesianKinematics>(a); });
  }
  std::optional<double> safe_dist;
  if (dc_config.get_opt("safe_distance"))
    safe_dist = dc_config.getfloat("safe_distance", 0., FloatLimits{.minval = 0.});
  dc_module_ = std::make_shared<DualCarriages>(printer_, *this,
                                               std::vector<PrinterRail*>{rails_[dc_axis_].get()},
                                               std::vector<PrinterRail*>{&dc_rail},
                                               std::vector<int>{dc_axis_},
                                               std::vector<std::optional<double>>{safe_dist});
  printer_.add_object("dual_carriage", dc_module_);
}

void CartKinematics::update_limits(int axis, std::pair<double, double> range) {
  // An axis that is not homed stays so.
  if (limits_.homed(axis)) limits_.limits[axis] = range;
}

void CartKinematics::home_axis(Homing& homing_state, int axis, PrinterRail& rail) {
  home_rail_axis(homing_state, axis, rail);
}

std::vector<MotionStepper*> CartKinematics::get_steppers() {
  std::vector<MotionStepper*> out;
  for (auto& rail : rails_)
    for (auto& s : rail->get_steppers()) out.push_back(s.get());
  return out;
}

Pos3 CartKinematics::calc_position(const std::map<std::string, double>& stepper_positions) {
  Pos3 p;
  for (int i = 0; i < 3; i++) p[i] = stepper_positions.at(rails_[i]->get_name());
  if (dc_module_) {
    PrinterRail* primary = dc_module_->get_primary_rail(dc_axis_);
    bool dual_primary = primary == rails_[3].get();
    double pd = stepper_positions.at(rails_[3]->get_name());
    // The dual carriage's belt is x + y (x + z): its x is the difference.
    if (variant_ == Variant::kHybridCoreXY && dual_primary) return {pd - p[1], p[1], p[2]};
    if (variant_ == Variant::kHybridCoreXZ && dual_primary) return {pd - p[2], p[1], p[2]};
    if (variant_ == Variant::kCartesian && dual_primary) p[dc_axis_] = pd;
  }
  switch (variant_) {
    case Variant::kCoreXY: return {0.5 * (p[0] + p[1]), 0.5 * (p[0] - p[1]), p[2]};
    case Variant::kCoreXZ: return {0.5 * (p[0] + p[2]), p[1], 0.5 * (p[0] - p[2])};
    case Variant::kHybridCoreXY: return {p[0] + p[1], p[1], p[2]};
    case Variant::kHybridCoreXZ: return {p[0] + p[2], p[1], p[2]};
    default: return p;
  }
}

void CartKinematics::set_position(const std::array<double, 3>& newpos,
                                  const std::string& homing_axes) {
  for (auto& rail : rails_) rail->set_position(newpos[0], newpos[1], newpos[2]);
  for (char axis_name : homing_axes) {
    int axis = static_cast<int>(std::string("xyz").find(axis_name));
    PrinterRail* rail = rails_[axis].get();
    if (dc_module_ && axis == dc_axis_) rail = dc_module_->get_primary_rail(axis);
    if (rail) limits_.limits[axis] = rail->get_range();
  }
}

void CartKinematics::clear_homing_state(const std::string& axes) { limits_.clear(axes); }

void CartKinematics::home(Homing& homing_state) {
  for (int axis : homing_state.get_axes()) {
    if (dc_module_ && axis == dc_axis_)
      dc_module_->home(homing_state, axis);
    else
      home_rail_axis(homing_state, axis, *rails_[axis]);
  }
}

void CartKinematics::check_move(ToolMove& move) {
  const auto& l = limits_.limits;
  double xpos = move.end_pos[0], ypos = move.end_pos[1];
  if (xpos < l[0].first || xpos > l[0].second || ypos < l[1].first || ypos > l[1].second)
    limits_.check_endstops(move);
  if (move.axes_d[2] == 0.) return;  // normal XY move
  // A move with Z: slower Z velocity and acceleration.
  limits_.check_endstops(move);
  double z_ratio = move.move_d / std::fabs(move.axes_d[2]);
  move.limit_speed(max_z_velocity_ * z_ratio, max_z_accel_ * z_ratio);
}

Json CartKinematics::get_status(double) {
  return Json{{"homed_axes", limits_.homed_axes()},
              {"axis_minimum", coord_status(axes_min_)},
              {"axis_maximum", coord_status(axes_max_)}};
}

KPP_REGISTER_KINEMATICS(cartesian, "cartesian",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<CartKinematics>(
                              th, c, CartKinematics::Variant::kCartesian);
                        })
KPP_REGISTER_KINEMATICS(corexy, "corexy",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<CartKinematics>(
                              th, c, CartKinematics::Variant::kCoreXY);
                        })
KPP_REGISTER_KINEMATICS(corexz, "corexz",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<CartKinematics>(
                              th, c, CartKinematics::Variant::kCoreXZ);
                        })
KPP_REGISTER_KINEMATICS(hybrid_corexy, "hybrid_corexy",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<CartKinematics>(
                              th, c, CartKinematics::Variant::kHybridCoreXY);
                        })
KPP_REGISTER_KINEMATICS(hybrid_corexz, "hybrid_corexz",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<CartKinematics>(
                              th, c, CartKinematics::Variant::kHybridCoreXZ);
                        })

}  // namespace kpp
