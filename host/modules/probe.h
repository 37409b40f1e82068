// [probe] (Klipper's extras/probe.py): a Z probe on an endstop pin. PROBE, QUERY_PROBE,
// PROBE_ACCURACY, PROBE_CALIBRATE, Z_OFFSET_APPLY_PROBE; the "probe:z_virtual_endstop" pin for homing Z with the
// probe (its position_endstop is z_offset); multi-sample probing with a tolerance and retries.
// Other modules (bed_mesh, z_tilt, ...) probe through start_session()/ProbeSession.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/coord.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "mcu/pin_types.h"
#include "modules/gcode_macro.h"
#include "motion/kinematics/kinematics.h"
#include "motion/rail.h"

namespace kpp {

class HomingMove;
class ToolHead;

// Probing parameters: the config values, overridable per command (PROBE_SPEED=, SAMPLES=, ...).
struct ProbeParams {
  double probe_speed = 5., lift_speed = 5.;
  int samples = 1;
  double sample_retract_dist = 2.;
  double samples_tolerance = .1;
  int samples_tolerance_retries = 0;
  std::string samples_result = "average";
};

// Several probe samples combined: "average" averages X, Y and Z; "median" takes the sample
// with the median Z (the mean of the middle two for an even count).
Pos3 calc_probe_z_average(const std::vector<Pos3>& positions, const std::string& method);

// What PrinterProbe needs of its endstop: an MCU endstop whose position is the probe's z_offset,
// with hooks around a multi-sample run and around each probing (or homing) move. [probe] uses
// ProbeEndstop; [bltouch] its own.
class ProbeEndstopWrapper : public McuEndstop, public EndstopWithPosition {
 public:
  virtual void multi_probe_begin() = 0;
  virtual void multi_probe_end() = 0;
  virtual void probe_prepare(HomingMove* hmove) = 0;
  virtual void probe_finish(HomingMove* hmove) = 0;
};

// The probe's endstop: forwards to the MCU endstop and runs activate_gcode/deactivate_gcode
// around probing moves. With deactivate_on_each_sample disabled, a multi-probe run lowers
// the probe once and raises it at the end.
class ProbeEndstop : public ProbeEndstopWrapper {
 public:
  ProbeEndstop(const ConfigWrapper& config);
  Mcu& get_mcu() override { return mcu_endstop_->get_mcu(); }
  void add_stepper(McuStepper& s) override { mcu_endstop_->add_stepper(s); }
  std::vector<McuStepper*> get_steppers() override { return mcu_endstop_->get_steppers(); }
  std::shared_ptr<Completion<bool>> home_start(double print_time, double sample_time,
                                               int sample_count, double rest_time,
                                               bool triggered) override {
    return mcu_endstop_->home_start(print_time, sample_time, sample_count, rest_time, triggered);
  }
  double home_wait(double home_end_time) override { return mcu_endstop_->home_wait(home_end_time); }
  int query_endstop(double print_time) override { return mcu_endstop_->query_endstop(print_time); }
  double get_position_endstop() override { return position_endstop_; }

  void multi_probe_begin() override;
  void multi_probe_end() override;
  void probe_prepare(HomingMove* hmove) override;
  void probe_finish(HomingMove* hmove) override;

 private:
  void run_script(const MacroTemplate& tmpl, const char* what);

  Printer& printer_;
  double position_endstop_;
  bool stow_on_each_sample_;
  MacroTemplate activate_gcode_, deactivate_gcode_;
  std::shared_ptr<McuEndstop> mcu_endstop_;
  enum class Multi { kOff, kFirst, kOn } multi_ = Multi::kOff;
};

class PrinterProbe : public PrinterObject, public PinChip {
 public:
  explicit PrinterProbe(const ConfigWrapper& config);
  // A probe whose endstop is not a plain pin (bltouch).
  PrinterProbe(const ConfigWrapper& config, std::shared_ptr<ProbeEndstopWrapper> endstop);
  Json get_status(double eventtime) override;
  std::shared_ptr<McuEndstop> setup_endstop(const PinParams& p) override;

  Pos3 get_offsets() const { return {x_offset_, y_offset_, z_offset_}; }
  ProbeParams get_probe_params(const GCodeCommand* gcmd = nullptr) const;
  // A probing session: start, run_probe() per point, results(), end.
  void start_session();
  void end_session();
  // Probe the current XY position (all samples); appends to results().
  Pos3 run_probe(const GCodeCommand& gcmd);
  const std::vector<Pos3>& results() const { return results_; }
  // One session with one point.
  Pos3 run_single_probe(const GCodeCommand& gcmd);

 private:
  Pos3 probe_once(double speed);
  void move_z(double z, double speed);
  void cmd_probe(GCodeCommand& gcmd);
  void cmd_query_probe(GCodeCommand& gcmd);
  void cmd_probe_accuracy(GCodeCommand& gcmd);
  void cmd_probe_calibrate(GCodeCommand& gcmd);
  void cmd_z_offset_apply_probe(GCodeCommand& gcmd);

  Printer& printer_;
  std::string name_;
  std::shared_ptr<ProbeEndstopWrapper> endstop_;
  double x_offset_, y_offset_, z_offset_;
  double z_position_;  // where a probing move aims (Z position_min)
  ProbeParams defaults_;
  bool session_pending_ = false;
  std::vector<Pos3> results_;
  bool last_state_ = false;
  double last_z_result_ = 0.;
};

}  // namespace kpp
