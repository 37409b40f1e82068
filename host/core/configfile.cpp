// The "configfile" printer object (see configfile.h) and the start-up hooks that create it and
// run the unused-option check.
#include "core/configfile.h"

#include <set>

#include "core/gcode.h"
#include "core/logging.h"

namespace kpp {

namespace {
const ConfigFile& block_of(const ConfigFile& file) {
  static const ConfigFile kEmpty;
  return file.autosave() ? *file.autosave() : kEmpty;
}
}  // namespace

PrinterConfig::PrinterConfig(Printer& printer, const ConfigWrapper& config)
    : printer_(printer),
      file_(config.file()),
      tracker_(config.tracker()),
      autosave_(block_of(*config.file())) {
  auto& gcode = printer.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "SAVE_CONFIG", [this](GCodeCommand& gcmd) { cmd_save_config(gcmd); }, false,
      "Overwrite config file and restart");
}

void PrinterConfig::set(std::string_view section, std::string_view option, std::string value) {
  autosave_.set(section, option, std::move(value));
}

void PrinterConfig::set(std::string_view section, std::string_view option, double value) {
  autosave_.set(section, option, value);
}

void PrinterConfig::remove_section(std::string_view section) {
  autosave_.remove_section(section);
}

void PrinterConfig::runtime_warning(const std::string& msg) {
  log::warning("{}", msg);
  runtime_warnings_.push_back(Json{{"type", "runtime_warning"}, {"message", msg}});
}

void PrinterConfig::check_unused_options() {
  std::set<std::string> objects;
  for (const auto& [name, obj] : printer_.lookup_objects()) objects.insert(name);
  kpp::check_unused_options(*file_, *tracker_, objects);
  status_config_ = config_raw_status(*file_);
  status_settings_ = Json::object();
  for (const auto& [section, options] : tracker_->settings()) status_settings_[section] = options;
}

void PrinterConfig::log_config() {
  std::string text = file_->to_string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  // Only with a log file, as Klipper (the dump would flood the console otherwise).
  printer_.set_rollover_info(
      "config", "===== Config file =====\n" + text + "\n=======================",
      !printer_.get_start_args().log_file.empty());
}

Json PrinterConfig::get_status(double /*eventtime*/) {
  Json warnings = Json::array();
  for (const auto& w : tracker_->warnings()) warnings.push_back(w);
  for (const auto& w : runtime_warnings_) warnings.push_back(w);
  return Json{{"config", status_config_},
              {"settings", status_settings_},
              {"warnings", std::move(warnings)},
              {"save_config_pending", autosave_.pending()},
              {"save_config_pending_items", autosave_.pending_items()}};
}

void PrinterConfig::cmd_save_config(GCodeCommand& /*gcmd*/) {
  std::string backup = autosave_.save(printer_.get_start_args().config_file);
  if (backup.empty()) return;  // nothing to save
  // As Klipper: let queued moves finish, then restart with the new file.
  printer_.lookup<GCodeDispatch>("gcode").request_restart("restart");
}

PrinterConfig& add_printer_config(Printer& printer, const ConfigWrapper& config) {
  auto obj = std::make_shared<PrinterConfig>(printer, config);
  PrinterConfig& ref = *obj;
  printer.add_object("configfile", std::move(obj));
  return ref;
}

namespace {

void create_configfile(Printer& printer, const ConfigWrapper* config) {
  add_printer_config(printer, *config).log_config();
}

void check_configfile(Printer& printer, const ConfigWrapper*) {
  printer.lookup<PrinterConfig>("configfile").check_unused_options();
}

}  // namespace

}  // namespace kpp

// Before any section is loaded (modules may look the object up), and as the last check.
KPP_REGISTER_STARTUP_HOOK(configfile, kpp::StartupPhase::kBeforeSections, -100,
                          kpp::create_configfile)
KPP_REGISTER_STARTUP_HOOK(configfile_check, kpp::StartupPhase::kValidate, 1000,
                          kpp::check_configfile)
