// Printer rails (see rail.h).
#include "motion/rail.h"

#include <fmt/format.h>

#include "mcu/pins.h"
#include "modules/query_endstops.h"

namespace kpp {

PrinterRail::PrinterRail(const ConfigWrapper& config, Options opts)
    : name_(opts.name.empty() ? config.get_name() : opts.name),
      units_in_radians_(opts.units_in_radians) {
  // The primary endstop exists before the primary stepper (its oids come first).
  std::shared_ptr<McuEndstop> mcu_endstop;
  std::string endstop_pin = config.get("endstop_pin");
  mcu_endstop = lookup_endstop(endstop_pin, get_name(true), config);
  if (opts.with_stepper) {
    auto stepper = make_printer_stepper(config, units_in_radians_);
    add_stepper(stepper, endstop_pin, config);
  }
  // Where the endstop triggers.
  double position_endstop;
  if (auto* ep = dynamic_cast<EndstopWithPosition*>(mcu_endstop.get()))
    position_endstop = ep->get_position_endstop();
  else if (!opts.default_position_endstop)
    position_endstop = config.getfloat("position_endstop");
  else
    position_endstop = config.getfloat("position_endstop", *opts.default_position_endstop);
  // Travel range.
  if (opts.need_position_minmax) {
    position_min_ = config.getfloat("position_min", 0.);
    position_max_ = config.getfloat("position_max", FloatLimits{.above = position_min_});
  } else {
    position_min_ = 0.;
    position_max_ = position_endstop;
  }
  if (position_endstop < position_min_ || position_endstop > position_max_)
    throw ConfigError(fmt::format(
        "position_endstop in section '{}' must be between position_min and position_max",
        config.get_name()));
  // Homing.
  HomingInfo& hi = homing_info_;
  hi.position_endstop = position_endstop;
  hi.speed = config.getfloat("homing_speed", 5.0, FloatLimits{.above = 0.});
  hi.second_homing_speed =
      config.getfloat("second_homing_speed", hi.speed / 2., FloatLimits{.above = 0.});
  hi.retract_speed = config.getfloat("homing_retract_speed", hi.speed, FloatLimits{.above = 0.});
  hi.retract_dist = config.getfloat("homing_retract_dist", 5., FloatLimits{.minval = 0.});
  auto positive_dir = config.getboolean_opt("homing_positive_dir");
  if (!positive_dir) {
    double axis_len = position_max_ - position_min_;
    if (position_endstop <= position_min_ + axis_len / 4.)
      hi.positive_dir = false;
    else if (position_endstop >= position_max_ - axis_len / 4.)
      hi.positive_dir = true;
    else
      throw ConfigError(fmt::format("Unable to infer homing_positive_dir in section '{}'",
                                    config.get_name()));
  } else {
    hi.positive_dir = *positive_dir;
    if ((hi.positive_dir && position_endstop == position_min_) ||
        (!hi.positive_dir && position_endstop == position_max_))
      throw ConfigError(fmt::format("Invalid homing_positive_dir / position_endstop in '{}'",
                                    config.get_name()));
  }
}

std::string PrinterRail::get_name(bool short_name) const {
  if (short_name && name_.starts_with("stepper_")) return name_.substr(8);
  return name_;
}

std::shared_ptr<McuEndstop> PrinterRail::lookup_endstop(const std::string& endstop_pin,
                                                        const std::string& name,
                                                        const ConfigWrapper& config) {
  Printer& printer = config.get_printer();
  auto& ppins = printer.lookup<PrinterPins>("pins");
  PinParams pin_params = ppins.parse_pin(endstop_pin, true, true);
  std::string pin_name = pin_params.chip_name + ":" + pin_params.pin;
  for (auto& [n, e] : endstop_map_) {
    if (n != pin_name) continue;
    if (pin_params.invert != e.invert || pin_params.pullup != e.pullup)
      throw ConfigError(fmt::format(
          "Pinter rail {} shared endstop pin {} must specify the same pullup/invert settings",
          get_name(), pin_name));
    return e.endstop;
  }
  auto mcu_endstop = ppins.setup_endstop(endstop_pin);
  endstop_map_.push_back({pin_name, {mcu_endstop, pin_params.invert, pin_params.pullup}});
  endstops_.emplace_back(mcu_endstop, name);
  auto& qe = printer.load<QueryEndstops>(config, "query_endstops");
  qe.register_endstop(mcu_endstop, name);
  return mcu_endstop;
}

void PrinterRail::add_stepper(std::shared_ptr<MotionStepper> stepper,
                              const std::optional<std::string>& endstop_pin,
                              const ConfigWrapper& config, const std::string& endstop_name) {
  steppers_.push_back(stepper);
  std::shared_ptr<McuEndstop> endstop;
  if (!endstop_pin) {
    // No endstop of its own: it stops with the rail's first endstop.
    endstop = endstops_.at(0).first;
  } else {
    endstop = lookup_endstop(*endstop_pin,
                             endstop_name.empty() ? stepper->get_name(true) : endstop_name, config);
  }
  endstop->add_stepper(*stepper);
}

void PrinterRail::add_extra_stepper(const ConfigWrapper& config) {
  auto stepper = make_printer_stepper(config, units_in_radians_);
  add_stepper(stepper, config.get_opt("endstop_pin"), config);
}

void PrinterRail::setup_itersolve(
    const std::function<std::unique_ptr<motion::StepperKinematics>()>& alloc) {
  for (auto& s : steppers_) s->setup_itersolve(alloc());
}

void PrinterRail::set_trapq(motion::TrapQ* tq) {
  for (auto& s : steppers_) s->set_trapq(tq);
}

void PrinterRail::set_position(double x, double y, double z) {
  for (auto& s : steppers_) s->set_position(x, y, z);
}

std::unique_ptr<PrinterRail> lookup_multi_rail(const ConfigWrapper& config,
                                               PrinterRail::Options opts) {
  auto rail = std::make_unique<PrinterRail>(config, opts);
  for (int i = 1; i < 99; i++) {
    std::string name = config.get_name() + std::to_string(i);
    if (!config.has_section(name)) break;
    rail->add_extra_stepper(config.getsection(name));
  }
  return rail;
}

}  // namespace kpp
