// Homing (Klipper's extras/homing.py): G28, homing and probing moves that run until an
// endstop triggers, and the bookkeeping of stepper positions around them.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/coord.h"
#include "core/gcode.h"
#include "motion/rail.h"

namespace kpp {

class ToolHead;
class MotionHead;
class MotionStepper;

// A stepper's positions around one homing move.
struct StepperPosition {
  StepperPosition(MotionStepper* stepper, std::string endstop_name);
  void note_home_end(double trigger_time);
  void verify_no_probe_skew() const;
  MotionStepper* stepper;
  std::string endstop_name, stepper_name;
  int64_t start_pos;
  double start_cmd_pos;
  int64_t halt_pos = 0, trig_pos = 0;
};

// One homing or probing move: start the endstops, drip the move, collect trigger times.
class HomingMove {
 public:
  HomingMove(Printer& printer, const std::vector<NamedEndstop>& endstops,
             MotionHead* toolhead = nullptr);
  std::vector<std::shared_ptr<McuEndstop>> get_mcu_endstops() const;
  // The drip move runs to `target` instead of the homing position; the position assigned at
  // the trigger stays the homing position (homing via the probe's virtual endstop).
  void set_travel_target(Coord target) { travel_target_ = std::move(target); }
  // Returns the trigger position (the halt position for probes).
  Coord homing_move(const Coord& movepos, double speed, bool probe_pos = false,
                    bool triggered = true, bool check_triggered = true);
  // The name of an endstop that triggered before any step (not in batch mode).
  std::optional<std::string> check_no_movement() const;
  const std::vector<StepperPosition>& stepper_positions() const { return stepper_positions_; }

 private:
  double calc_endstop_rate(McuEndstop& mcu_endstop, const Coord& movepos, double speed);
  Coord calc_toolhead_pos(std::map<std::string, double> kin_spos,
                          const std::map<std::string, int64_t>& offsets);
  // Beyond Klipper: bring the steppers of one rail that stopped on the same endstop back to
  // the same distance moved (steppers on another MCU than the endstop stop later).
  void realign_shared_rails(double speed);

  Printer& printer_;
  std::vector<NamedEndstop> endstops_;
  MotionHead* toolhead_;
  std::vector<StepperPosition> stepper_positions_;
  std::optional<Coord> travel_target_;
};

// State of one G28 (handed to the kinematics and to homing_override / event handlers).
class Homing {
 public:
  explicit Homing(Printer& printer);
  void set_axes(std::vector<int> axes) { changed_axes_ = std::move(axes); }
  const std::vector<int>& get_axes() const { return changed_axes_; }
  int64_t get_trigger_position(const std::string& stepper_name) const {
    return trigger_mcu_pos_.at(stepper_name);
  }
  void set_stepper_adjustment(const std::string& stepper_name, double adjustment) {
    adjust_pos_[stepper_name] = adjustment;
  }
  void set_homed_position(const std::vector<std::optional<double>>& pos);
  // Called from "homing:home_rails_begin": the homing moves of these rails travel to `pos` on
  // `axis` (the probe's Z minimum when Z homes via probe:z_virtual_endstop), while the
  // trigger still marks the rail's position_endstop.
  void set_travel_limit(int axis, double pos) { travel_limit_[axis] = pos; }
  // Home `rails` together: the toolhead is assumed at `forcepos` and moves to `movepos`
  // (unset entries keep the current position).
  void home_rails(const std::vector<PrinterRail*>& rails,
                  const std::vector<std::optional<double>>& forcepos,
                  const std::vector<std::optional<double>>& movepos);

 private:
  Coord fill_coord(const std::vector<std::optional<double>>& coord) const;

  Printer& printer_;
  ToolHead& toolhead_;
  std::vector<int> changed_axes_;
  std::map<std::string, int64_t> trigger_mcu_pos_;
  std::map<std::string, double> adjust_pos_;
  std::map<int, double> travel_limit_;
};

class PrinterHoming : public PrinterObject {
 public:
  static constexpr double kHomingStartDelay = 0.001;
  static constexpr double kEndstopSampleTime = .000015;
  static constexpr int kEndstopSampleCount = 4;

  explicit PrinterHoming(const ConfigWrapper& config);
  // A homing move of another toolhead (manual_stepper) with these endstops.
  void manual_home(MotionHead* toolhead, const std::vector<NamedEndstop>& endstops,
                   const Coord& pos, double speed, bool triggered, bool check_triggered);
  // Move towards `pos` until the probe triggers; returns where it triggered.
  Coord probing_move(std::shared_ptr<McuEndstop> mcu_probe, const Coord& pos, double speed);
  void cmd_G28(GCodeCommand& gcmd);

 private:
  Printer& printer_;
};

}  // namespace kpp
