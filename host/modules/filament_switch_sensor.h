// [filament_switch_sensor NAME] (Klipper's extras/filament_switch_sensor.py) and the runout
// logic it shares with [filament_motion_sensor]: pause and runout_gcode when the filament runs
// out during a print, insert_gcode when it is inserted while not printing, QUERY_FILAMENT_SENSOR,
// SET_FILAMENT_SENSOR and the status fields filament_detected / enabled.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/gcode_macro.h"

namespace kpp {

class RunoutHelper {
 public:
  // Events are ignored for this long after klippy:ready.
  static constexpr double kStartupDelay = 2.;

  explicit RunoutHelper(const ConfigWrapper& config);
  // The sensor's reading changed (or was confirmed) at `eventtime`.
  void note_filament_present(double eventtime, bool present);
  Json get_status(double eventtime) const;
  const std::string& name() const { return name_; }
  bool filament_present() const { return filament_present_; }
  bool enabled() const { return sensor_enabled_; }

 private:
  void runout_event(double eventtime);
  void insert_event(double eventtime);
  void exec_gcode(const std::string& prefix, const MacroTemplate& tmpl);
  bool is_printing() const;
  void cmd_query(GCodeCommand& gcmd);
  void cmd_set(GCodeCommand& gcmd);

  Printer& printer_;
  GCodeDispatch& gcode_;
  std::string name_;
  bool runout_pause_;
  std::optional<MacroTemplate> runout_gcode_, insert_gcode_;
  double pause_delay_, event_delay_;
  double min_event_systime_;
  bool filament_present_ = false;
  bool sensor_enabled_ = true;
};

}  // namespace kpp
