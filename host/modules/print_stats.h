// [print_stats] (loaded by [virtual_sdcard]): the state, durations and filament of the current
// file print, and SET_PRINT_STATS_INFO layer counts (Status_Reference.md "print_stats").
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {

class PrintStats : public PrinterObject {
 public:
  explicit PrintStats(const ConfigWrapper& config);

  // The file printing is about to start from (resets everything else).
  void set_current_file(const std::string& filename);
  // The print (re)starts / pauses / ends. Each sends Klipper's "print_stats:..." event.
  void note_start();
  void note_pause();
  void note_complete();
  void note_error(const std::string& message);
  void note_cancel();
  // Back to "standby" with no file.
  void reset();

  const std::string& state() const { return state_; }
  Json get_status(double eventtime) override;

 private:
  // Extruder position and extrude factor from gcode_move's status; nullopt without gcode_move.
  std::optional<std::pair<double, double>> extruder_position(double eventtime);
  void update_filament(double eventtime);
  void finish(const std::string& state, const std::string& message);
  void cmd_set_print_stats_info(GCodeCommand& gcmd);

  Printer& printer_;
  std::string filename_, message_, state_ = "standby";
  double prev_pause_duration_ = 0., last_epos_ = 0., filament_used_ = 0.;
  double total_duration_ = 0., init_duration_ = 0.;
  std::optional<double> print_start_time_, last_pause_time_;
  std::optional<int64_t> total_layer_, current_layer_;
};

}  // namespace kpp
