// [stepper_enable] (loaded by every stepper): the stepper driver enable lines, shared lines,
// motor off (M18/M84, end of a batch run), SET_STEPPER_ENABLE.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "mcu/pin_types.h"
#include "motion/stepper.h"

namespace kpp {

// One enable line, possibly shared by several steppers (enabled while any of them is).
class StepperEnablePin {
 public:
  StepperEnablePin(std::shared_ptr<McuDigitalOut> mcu_enable, int enable_count)
      : mcu_enable_(std::move(mcu_enable)), enable_count_(enable_count) {}
  void set_enable(double print_time);
  void set_disable(double print_time);
  bool is_dedicated = true;

 private:
  std::shared_ptr<McuDigitalOut> mcu_enable_;
  int enable_count_;
};

// The enable state of one stepper: enabled when it first moves, disabled by motor off.
class EnableTracking {
 public:
  EnableTracking(std::shared_ptr<MotionStepper> stepper, std::shared_ptr<StepperEnablePin> enable);
  // `cb(print_time, enabled)` on every change.
  void register_state_callback(std::function<void(double, bool)> cb) {
    callbacks_.push_back(std::move(cb));
  }
  void motor_enable(double print_time);
  void motor_disable(double print_time);
  bool is_motor_enabled() const { return is_enabled_; }
  bool has_dedicated_enable() const { return enable_->is_dedicated; }

 private:
  std::shared_ptr<MotionStepper> stepper_;
  std::shared_ptr<StepperEnablePin> enable_;
  std::vector<std::function<void(double, bool)>> callbacks_;
  bool is_enabled_ = false;
};

class PrinterStepperEnable : public PrinterObject, public StepperRegistry {
 public:
  static constexpr double kDisableStallTime = 0.100;

  explicit PrinterStepperEnable(const ConfigWrapper& config);
  void register_stepper(const ConfigWrapper& config,
                        std::shared_ptr<MotionStepper> stepper) override;
  void motor_off();
  // Enable or disable the named steppers at the end of the queued moves; returns whether any
  // changed.
  bool set_motors_enable(const std::vector<std::string>& stepper_names, bool enable);
  void motor_debug_enable(const std::string& stepper, bool enable);
  std::vector<std::string> get_steppers() const;
  // ConfigError "Unknown stepper '<name>'" when absent.
  EnableTracking& lookup_enable(const std::string& name);
  Json get_status(double eventtime) override;

 private:
  std::shared_ptr<StepperEnablePin> setup_enable_pin(const std::optional<std::string>& pin);
  void cmd_SET_STEPPER_ENABLE(GCodeCommand& gcmd);

  Printer& printer_;
  std::vector<std::pair<std::string, std::unique_ptr<EnableTracking>>> enable_lines_;
  std::map<std::string, std::shared_ptr<StepperEnablePin>> shared_pins_;
};

}  // namespace kpp
