// Extruders (Klipper's kinematics/extruder.py): [extruder], [extruder1] ... with their heater,
// extrusion limits and own trapq; the extruder stepper (also used by [extruder_stepper]) with
// pressure advance; ACTIVATE_EXTRUDER, SET_PRESSURE_ADVANCE, SET_EXTRUDER_ROTATION_DISTANCE,
// SYNC_EXTRUDER_MOTION, M104 and M109.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/gcode.h"
#include "modules/heaters_api.h"
#include "motion/kinematics/extruder.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

class PrinterExtruder;

class ExtruderStepper {
 public:
  explicit ExtruderStepper(const ConfigWrapper& config);
  const std::string& name() const { return name_; }
  MotionStepper& stepper() { return *stepper_; }
  Json get_status(double eventtime) const;
  double find_past_position(double print_time) const;
  // Follow the moves of `extruder_name` (empty: stop following).
  void sync_to_extruder(const std::string& extruder_name);
  void cmd_SET_PRESSURE_ADVANCE(GCodeCommand& gcmd);

 private:
  void handle_connect();
  void set_pressure_advance(double pressure_advance, double smooth_time);
  void cmd_default_SET_PRESSURE_ADVANCE(GCodeCommand& gcmd);
  void cmd_SET_E_ROTATION_DISTANCE(GCodeCommand& gcmd);
  void cmd_SYNC_EXTRUDER_MOTION(GCodeCommand& gcmd);

  Printer& printer_;
  std::string name_;
  double pressure_advance_ = 0., pressure_advance_smooth_time_ = 0.;
  double config_pa_, config_smooth_time_;
  std::shared_ptr<MotionStepper> stepper_;
  motion::ExtruderKinematics* sk_extruder_;
  std::optional<std::string> motion_queue_;
};

// Objects whose filament position over time can be read back ([extruder*] and
// [extruder_stepper] sections; used by filament_motion_sensor).
class ExtruderPositionSource {
 public:
  virtual ~ExtruderPositionSource() = default;
  virtual double find_past_position(double print_time) const = 0;
};

class PrinterExtruder : public PrinterObject, public ExtraAxis, public ExtruderPositionSource {
 public:
  PrinterExtruder(const ConfigWrapper& config, int extruder_num);

  // ---- ExtraAxis ----
  std::string get_name() const override { return name_; }
  std::string get_axis_gcode_id() const override { return "E"; }
  bool is_extruder_axis() const override { return true; }
  double calc_junction(const ToolMove& prev_move, const ToolMove& move,
                       size_t ea_index) override;
  void check_move(ToolMove& move, size_t ea_index) override;
  void process_move(double print_time, const ToolMove& move, size_t ea_index) override;

  Heater& get_heater() { return *heater_; }
  motion::TrapQ* get_trapq() { return trapq_; }
  ExtruderStepper* extruder_stepper() { return extruder_stepper_.get(); }
  double last_position() const { return last_position_; }
  double find_past_position(double print_time) const override;
  std::string stats(double eventtime) { return heater_->stats(eventtime); }
  Json get_status(double eventtime) override;

 private:
  void cmd_M104(GCodeCommand& gcmd, bool wait);
  void cmd_ACTIVATE_EXTRUDER(GCodeCommand& gcmd);

  Printer& printer_;
  std::string name_;
  double last_position_ = 0.;
  Heater* heater_;
  double nozzle_diameter_, filament_area_, max_extrude_ratio_;
  double max_e_velocity_, max_e_accel_, max_e_dist_, instant_corner_v_;
  motion::TrapQ* trapq_;
  std::unique_ptr<ExtruderStepper> extruder_stepper_;
};

// Create [extruder], [extruder1], ... (after the toolhead).
void add_printer_extruders(Printer& printer, const ConfigWrapper& config);

}  // namespace kpp
