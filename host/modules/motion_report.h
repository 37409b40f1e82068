// [motion_report] (loaded by every stepper): the live toolhead position and velocities at the
// current time, read back from the trapq history (status: live_position, live_velocity,
// live_extruder_velocity, steppers, trapq).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/printer.h"
#include "motion/stepper.h"

namespace kpp {

class MotionReport : public PrinterObject, public StepperRegistry {
 public:
  explicit MotionReport(const ConfigWrapper& config);
  void register_stepper(const ConfigWrapper& config,
                        std::shared_ptr<MotionStepper> stepper) override;
  Json get_status(double eventtime) override;

 private:
  Printer& printer_;
  std::map<std::string, std::shared_ptr<MotionStepper>> steppers_;
  double next_status_time_ = 0.;
  Json last_status_;
};

}  // namespace kpp
