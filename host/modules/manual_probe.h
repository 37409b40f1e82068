// The manual_probe object (Klipper's extras/manual_probe.py, always loaded): MANUAL_PROBE,
// Z_ENDSTOP_CALIBRATE and Z_OFFSET_APPLY_ENDSTOP (the delta form adjusts all three towers),
// and the status of a running manual probe session (is_active, z_position, z_position_lower,
// z_position_upper). The session itself (TESTZ/ACCEPT/ABORT) is in manual_probe_helper.h.
#pragma once

#include <optional>
#include <string>

#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {

class ManualProbe : public PrinterObject {
 public:
  explicit ManualProbe(const ConfigWrapper& config);
  Json get_status(double eventtime) override;

  // Called by a running session after each move, and with std::nullopt when it ends.
  struct SessionStatus {
    double z_position;
    std::optional<double> lower, upper;  // nearest heights tried below/above
  };
  void set_session_status(std::optional<SessionStatus> status) { status_ = status; }

 private:
  void cmd_manual_probe(GCodeCommand& gcmd);
  void cmd_z_endstop_calibrate(GCodeCommand& gcmd);
  void cmd_z_offset_apply_endstop(GCodeCommand& gcmd);
  void cmd_z_offset_apply_delta_endstops(GCodeCommand& gcmd);
  double homing_origin_z();
  void report_new_endstop(const std::string& text);

  Printer& printer_;
  std::optional<double> z_position_endstop_;
  std::string z_endstop_section_;
  std::optional<double> tower_endstops_[3];  // stepper_a/b/c position_endstop (delta)
  std::optional<SessionStatus> status_;
};

}  // namespace kpp
