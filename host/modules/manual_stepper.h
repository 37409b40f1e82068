// [manual_stepper <name>] (Klipper's extras/manual_stepper.py): a stepper outside the
// kinematics, moved with MANUAL_STEPPER on its own timeline (synchronised with the toolhead),
// optionally homed against its endstop, or bound to a G-code axis (GCODE_AXIS=A) so that G1
// moves it along with the toolhead.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "motion/kinematics/kinematics.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

class MotionQueuing;

class ManualStepper : public PrinterObject,
                      public ExtraAxis,
                      public MotionHead,
                      private Kinematics {
 public:
  explicit ManualStepper(const ConfigWrapper& config);

  // ---- ExtraAxis (while bound to a G-code axis) ----
  std::string get_name() const override { return name_; }
  std::string get_axis_gcode_id() const override { return axis_gcode_id_.value_or(""); }
  bool is_kinematic_axis() const override { return true; }
  double calc_junction(const ToolMove& prev_move, const ToolMove& move,
                       size_t ea_index) override;
  void check_move(ToolMove& move, size_t ea_index) override;
  void process_move(double print_time, const ToolMove& move, size_t ea_index) override;

  // ---- MotionHead (homing moves) ----
  const Coord& get_position() const override;
  void set_position(const Coord& newpos, const std::string& homing_axes = "") override;
  double get_last_move_time() override;
  void flush_step_generation() override { sync_print_time(); }
  void dwell(double delay) override { next_cmd_time_ += std::max(0., delay); }
  void drip_move(const Coord& newpos, double speed, DripCompletion* completion) override;
  Kinematics& get_kinematics() override { return *this; }

  Json get_status(double eventtime) override;

 private:
  // ---- Kinematics (what homing needs: the steppers and their position) ----
  std::vector<MotionStepper*> get_steppers() override;
  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override;
  void set_position(const std::array<double, 3>& newpos, const std::string&) override {
    do_set_position(newpos[0]);
  }
  void clear_homing_state(const std::string&) override {}
  void home(Homing&) override {}
  void check_move(ToolMove&) override {}

  void sync_print_time();
  void do_enable(bool enable);
  void do_set_position(double setpos);
  double submit_move(double movetime, double movepos, double speed, double accel);
  void do_move(double movepos, double speed, double accel, bool sync);
  void do_homing_move(double movepos, double speed, double accel, bool triggered,
                      bool check_trigger);
  void check_range(GCodeCommand& gcmd, double movepos) const;
  void cmd_MANUAL_STEPPER(GCodeCommand& gcmd);
  void command_with_gcode_axis(GCodeCommand& gcmd);

  Printer& printer_;
  std::string name_;
  bool can_home_;
  std::unique_ptr<PrinterRail> rail_;
  std::vector<std::shared_ptr<MotionStepper>> steppers_;
  double velocity_, accel_, homing_accel_;
  double next_cmd_time_ = 0.;
  // Where the queued moves end (the stepper's own position lags until its steps are
  // generated).
  double commanded_pos_ = 0.;
  std::optional<double> pos_min_, pos_max_;
  MotionQueuing& motion_queuing_;
  motion::TrapQ* trapq_;
  std::optional<std::string> axis_gcode_id_;
  double instant_corner_v_ = 0., gaxis_limit_velocity_ = 0., gaxis_limit_accel_ = 0.;
  mutable Coord position_;
};

}  // namespace kpp
