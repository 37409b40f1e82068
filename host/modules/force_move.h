// [force_move] (loaded by every stepper): STEPPER_BUZZ, and with enable_force_move FORCE_MOVE
// and SET_KINEMATIC_POSITION: move one stepper directly, bypassing the kinematics.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/gcode.h"
#include "motion/kinematics/cartesian.h"
#include "motion/stepper.h"

namespace kpp {

class MotionQueuing;

class ForceMove : public PrinterObject, public StepperRegistry {
 public:
  explicit ForceMove(const ConfigWrapper& config);
  void register_stepper(const ConfigWrapper& config,
                        std::shared_ptr<MotionStepper> stepper) override;
  // ConfigError "Unknown stepper <name>".
  MotionStepper& lookup_stepper(const std::string& name);
  // Move `stepper` by `dist` on its own (the kinematics do not see it).
  void manual_move(MotionStepper& stepper, double dist, double speed, double accel = 0.);

 private:
  MotionStepper& lookup_stepper(GCodeCommand& gcmd);
  bool force_enable(MotionStepper& stepper);
  void restore_enable(MotionStepper& stepper, bool did_enable);
  void cmd_STEPPER_BUZZ(GCodeCommand& gcmd);
  void cmd_FORCE_MOVE(GCodeCommand& gcmd);
  void cmd_SET_KINEMATIC_POSITION(GCodeCommand& gcmd);

  Printer& printer_;
  std::map<std::string, std::shared_ptr<MotionStepper>> steppers_;
  MotionQueuing& motion_queuing_;
  motion::TrapQ* trapq_;
  motion::CartesianKinematics stepper_kinematics_{'x'};
};

// accel time, cruise time, cruise velocity and direction of a move of `dist` (force_move and
// manual_stepper moves).
struct ForcedMoveTimes {
  double axis_r, accel_t, cruise_t, cruise_v;
};
ForcedMoveTimes calc_move_time(double dist, double speed, double accel);

}  // namespace kpp
