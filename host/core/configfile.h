// The "configfile" printer object: the loaded printer.cfg as status (config, settings, warnings,
// pending SAVE_CONFIG changes), the SAVE_CONFIG command, and the check that every section and
// option of the file was read by some module.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/config_save.h"
#include "core/printer.h"

namespace kpp {

class GCodeCommand;

class PrinterConfig : public PrinterObject {
 public:
  // `config` is the printer's top-level wrapper (its file and access tracker are used).
  PrinterConfig(Printer& printer, const ConfigWrapper& config);

  // For the next SAVE_CONFIG (calibration results): set an option in the block at the end of
  // printer.cfg, or drop a section from it.
  void set(std::string_view section, std::string_view option, std::string value);
  void set(std::string_view section, std::string_view option, double value);
  void remove_section(std::string_view section);
  // A warning listed in the "warnings" status (type "runtime_warning") and logged.
  void runtime_warning(const std::string& msg);

  // Klipper's start-up check (see check_unused_options in config.h); then takes the snapshot of
  // the "config" and "settings" status.
  void check_unused_options();
  // The whole config in the log ("===== Config file =====").
  void log_config();

  Json get_status(double eventtime) override;
  const ConfigAutosave& autosave() const { return autosave_; }

 private:
  void cmd_save_config(GCodeCommand& gcmd);

  Printer& printer_;
  std::shared_ptr<ConfigFile> file_;
  std::shared_ptr<ConfigAccessTracker> tracker_;
  ConfigAutosave autosave_;
  Json status_config_ = Json::object();
  Json status_settings_ = Json::object();
  std::vector<Json> runtime_warnings_;
};

// Create the "configfile" object for `config` (a start-up hook does this before the config
// sections are loaded; tests call it directly).
PrinterConfig& add_printer_config(Printer& printer, const ConfigWrapper& config);

}  // namespace kpp
