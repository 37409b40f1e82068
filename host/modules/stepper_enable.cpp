// Stepper enable lines (see stepper_enable.h).
#include "modules/stepper_enable.h"

#include "core/logging.h"
#include "mcu/pins.h"
#include "motion/toolhead.h"

namespace kpp {

void StepperEnablePin::set_enable(double print_time) {
  if (!enable_count_) mcu_enable_->set_digital(print_time, 1);
  enable_count_++;
}

void StepperEnablePin::set_disable(double print_time) {
  enable_count_--;
  if (!enable_count_) mcu_enable_->set_digital(print_time, 0);
}

EnableTracking::EnableTracking(std::shared_ptr<MotionStepper> stepper,
                               std::shared_ptr<StepperEnablePin> enable)
    : stepper_(std::move(stepper)), enable_(std::move(enable)) {
  stepper_->add_active_callback([this](double t) { motor_enable(t); });
}

void EnableTracking::motor_enable(double print_time) {
  if (is_enabled_) return;
  for (auto& cb : callbacks_) cb(print_time, true);
  enable_->set_enable(print_time);
  is_enabled_ = true;
}

void EnableTracking::motor_disable(double print_time) {
  if (!is_enabled_) return;
  for (auto& cb : callbacks_) cb(print_time, false);
  enable_->set_disable(print_time);
  is_enabled_ = false;
  // Enable again on the next movement.
  stepper_->add_active_callback([this](double t) { motor_enable(t); });
}

PrinterStepperEnable::PrinterStepperEnable(const ConfigWrapper& config)
    : printer_(config.get_printer()) {
  printer_.register_event_handler<double>("gcode:request_restart",
                                          [this](double) { motor_off(); });
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command("M18", [this](GCodeCommand&) { motor_off(); });
  gcode.register_command("M84", [this](GCodeCommand&) { motor_off(); });
  gcode.register_command(
      "SET_STEPPER_ENABLE", [this](GCodeCommand& g) { cmd_SET_STEPPER_ENABLE(g); }, false,
      "Enable/disable individual stepper by name");
}

std::shared_ptr<StepperEnablePin> PrinterStepperEnable::setup_enable_pin(
    const std::optional<std::string>& pin) {
  if (!pin) {
    // No enable line: the driver is always enabled.
    auto enable = std::make_shared<StepperEnablePin>(nullptr, 9999);
    enable->is_dedicated = false;
    return enable;
  }
  auto& ppins = printer_.lookup<PrinterPins>("pins");
  PinParams p = ppins.lookup_pin(*pin, true, false, "stepper_enable");
  std::string key = p.chip_name + ":" + p.pin;
  auto it = shared_pins_.find(key);
  if (it != shared_pins_.end()) {
    it->second->is_dedicated = false;
    return it->second;
  }
  auto mcu_enable = p.chip->setup_digital_out(p);
  mcu_enable->setup_max_duration(0.);
  auto enable = std::make_shared<StepperEnablePin>(mcu_enable, 0);
  shared_pins_[key] = enable;
  return enable;
}

void PrinterStepperEnable::register_stepper(const ConfigWrapper& config,
                                            std::shared_ptr<MotionStepper> stepper) {
  std::string name = stepper->get_name();
  auto enable = setup_enable_pin(config.get_opt("enable_pin"));
  enable_lines_.emplace_back(name, std::make_unique<EnableTracking>(stepper, enable));
}

void PrinterStepperEnable::motor_off() {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  // Generate pending steps first: that runs the automatic enables of the steppers they move
  // (which must come before the disable).
  toolhead.flush_step_generation();
  toolhead.dwell(kDisableStallTime);
  double print_time = toolhead.get_last_move_time();
  for (auto& [name, el] : enable_lines_) el->motor_disable(print_time);
  toolhead.get_kinematics().clear_homing_state("xyz");
  printer_.send_event<double>("stepper_enable:motor_off", print_time);
  toolhead.dwell(kDisableStallTime);
}

bool PrinterStepperEnable::set_motors_enable(const std::vector<std::string>& stepper_names,
                                             bool enable) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  // Generate pending steps first: that runs the automatic enables of the steppers they move.
  toolhead.flush_step_generation();
  std::optional<double> print_time;
  bool did_change = false;
  for (const std::string& name : stepper_names) {
    EnableTracking& el = lookup_enable(name);
    if (el.is_motor_enabled() == enable) continue;
    if (!print_time) {
      // Keep a gap after any earlier automatic enable.
      if (!enable) toolhead.dwell(kDisableStallTime);
      print_time = toolhead.get_last_move_time();
    }
    if (enable)
      el.motor_enable(*print_time);
    else
      el.motor_disable(*print_time);
    did_change = true;
  }
  // And a gap before any later automatic enable.
  if (did_change && !enable) toolhead.dwell(kDisableStallTime);
  return did_change;
}

void PrinterStepperEnable::motor_debug_enable(const std::string& stepper, bool enable) {
  if (set_motors_enable({stepper}, enable))
    log::info("{} has been manually {}", stepper, enable ? "enabled" : "disabled");
}

std::vector<std::string> PrinterStepperEnable::get_steppers() const {
  std::vector<std::string> out;
  for (auto& [name, el] : enable_lines_) out.push_back(name);
  return out;
}

EnableTracking& PrinterStepperEnable::lookup_enable(const std::string& name) {
  for (auto& [n, el] : enable_lines_)
    if (n == name) return *el;
  throw ConfigError(fmt::format("Unknown stepper '{}'", name));
}

Json PrinterStepperEnable::get_status(double) {
  Json steppers = Json::object();
  for (auto& [name, el] : enable_lines_) steppers[name] = el->is_motor_enabled();
  return Json{{"steppers", steppers}};
}

void PrinterStepperEnable::cmd_SET_STEPPER_ENABLE(GCodeCommand& gcmd) {
  auto stepper_name = gcmd.get_opt("STEPPER");
  bool known = false;
  if (stepper_name)
    for (auto& [n, el] : enable_lines_)
      if (n == *stepper_name) known = true;
  if (!known) {
    gcmd.respond_info(fmt::format("SET_STEPPER_ENABLE: Invalid stepper \"{}\"",
                                  stepper_name ? *stepper_name : "None"));
    return;
  }
  bool enable = gcmd.get_int("ENABLE", 1) != 0;
  motor_debug_enable(*stepper_name, enable);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrinterStepperEnable>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(stepper_enable, kpp::load, nullptr)
