// The interactive part of Klipper's manual_probe.py: a session in which the user lowers the
// nozzle with TESTZ until it touches the bed (paper test), then ACCEPT (or NEXT) or ABORT.
// PROBE_CALIBRATE uses it; the session ends by calling `finalize` with the kinematic position
// (std::nullopt when aborted or failed).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/coord.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "motion/kinematics/kinematics.h"

namespace kpp {

class ManualProbeSession {
 public:
  using Finalize = std::function<void(std::optional<Pos3>)>;
  // Throws CommandError "Already in a manual Z probe. Use ABORT to abort it." if one runs.
  static void verify_none_active(Printer& printer);
  // Registers ACCEPT/NEXT/ABORT/TESTZ until the session ends; keeps itself alive until then.
  static void start(Printer& printer, const GCodeCommand& gcmd, Finalize finalize);

 private:
  ManualProbeSession(Printer& printer, double speed, Finalize finalize);
  Pos3 kinematics_pos();
  void move_z(double z);
  void report_z_status(bool warn_no_change = false, std::optional<double> prev_z = {});
  void cmd_testz(GCodeCommand& gcmd);
  void cmd_accept(GCodeCommand& gcmd);
  void finish(bool success);

  Printer& printer_;
  double speed_;
  Finalize finalize_;
  std::vector<double> past_positions_;  // sorted Z heights tried so far
  Coord start_position_;
  Coord last_toolhead_pos_;            // toolhead position of the cached kinematics position
  std::optional<Pos3> last_kin_pos_;
  std::shared_ptr<ManualProbeSession> self_;  // alive while the commands are registered
};

}  // namespace kpp
