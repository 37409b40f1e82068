// Filament runout handling and [filament_switch_sensor NAME] (see filament_switch_sensor.h).
#include "modules/filament_switch_sensor.h"

#include <fmt/format.h>

#include "core/logging.h"
#include "modules/buttons.h"
#include "modules/idle_timeout.h"
#include "modules/pause_resume.h"

namespace kpp {

RunoutHelper::RunoutHelper(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      gcode_(printer_.lookup<GCodeDispatch>("gcode")),
      min_event_systime_(Reactor::kNever) {
  const std::string& section = config.get_name();
  name_ = section.substr(section.rfind(' ') + 1);
  runout_pause_ = config.getboolean("pause_on_runout", true);
  if (runout_pause_) printer_.load_object(config, "pause_resume");
  auto& macro = load_gcode_macro(config);
  // Without pause_on_runout and without runout_gcode, runout detection is off.
  if (runout_pause_ || config.get_opt("runout_gcode"))
    runout_gcode_.emplace(macro.load_template(config, "runout_gcode", ""));
  if (config.get_opt("insert_gcode"))
    insert_gcode_.emplace(macro.load_template(config, "insert_gcode"));
  pause_delay_ = config.getfloat("pause_delay", .5, {.above = 0.});
  event_delay_ = config.getfloat("event_delay", 3., {.minval = 0.});
  printer_.register_event_handler<>("klippy:ready", [this] {
    min_event_systime_ = printer_.get_reactor().monotonic() + kStartupDelay;
  });
  gcode_.register_mux_command(
      "QUERY_FILAMENT_SENSOR", "SENSOR", name_, [this](GCodeCommand& g) { cmd_query(g); },
      "Query the status of the Filament Sensor");
  gcode_.register_mux_command(
      "SET_FILAMENT_SENSOR", "SENSOR", name_, [this](GCodeCommand& g) { cmd_set(g); },
      "Sets the filament sensor on/off");
}

bool RunoutHelper::is_printing() const {
  auto* idle = printer_.try_lookup<IdleTimeout>("idle_timeout");
  return idle && idle->state() == "Printing";
}

void RunoutHelper::note_filament_present(double eventtime, bool present) {
  if (present == filament_present_) return;
  filament_present_ = present;
  // Ignored: during the start-up time, within event_delay of the last event, while an event
  // runs (min_event_systime_ is "never" then), or with the sensor disabled.
  if (eventtime < min_event_systime_ || !sensor_enabled_) return;
  Reactor& reactor = printer_.get_reactor();
  double now = reactor.monotonic();
  bool printing = is_printing();
  if (present) {
    if (!printing && insert_gcode_) {
      min_event_systime_ = Reactor::kNever;
      log::info("Filament Sensor {}: insert event detected, Time {:.2f}", name_, now);
      reactor.register_callback([this](double t) { insert_event(t); });
    }
  } else if (printing && runout_gcode_) {
    min_event_systime_ = Reactor::kNever;
    log::info("Filament Sensor {}: runout event detected, Time {:.2f}", name_, now);
    reactor.register_callback([this](double t) { runout_event(t); });
  }
}

void RunoutHelper::runout_event(double eventtime) {
  std::string prefix;
  if (runout_pause_) {
    // The pause itself must take effect now, before the queued G-code of the print goes on;
    // PAUSE in the script then saves the state and is not sent twice.
    printer_.lookup<PauseResume>("pause_resume").send_pause_command();
    prefix = "PAUSE\n";
    printer_.get_reactor().pause(eventtime + pause_delay_);
  }
  exec_gcode(prefix, *runout_gcode_);
}

void RunoutHelper::insert_event(double) { exec_gcode("", *insert_gcode_); }

void RunoutHelper::exec_gcode(const std::string& prefix, const MacroTemplate& tmpl) {
  try {
    gcode_.run_script(prefix + tmpl.render() + "\nM400");
  } catch (const std::exception& e) {
    log::error("Script running error: {}", e.what());
  }
  min_event_systime_ = printer_.get_reactor().monotonic() + event_delay_;
}

Json RunoutHelper::get_status(double) const {
  return {{"filament_detected", filament_present_}, {"enabled", sensor_enabled_}};
}

void RunoutHelper::cmd_query(GCodeCommand& gcmd) {
  gcmd.respond_info(fmt::format("Filament Sensor {}: {}", name_,
                                filament_present_ ? "filament detected" : "filament not detected"));
}

void RunoutHelper::cmd_set(GCodeCommand& gcmd) { sensor_enabled_ = gcmd.get_int("ENABLE", 1) != 0; }

namespace {

// [filament_switch_sensor NAME]: a switch that reads pressed while filament is present.
class SwitchSensor : public PrinterObject {
 public:
  explicit SwitchSensor(const ConfigWrapper& config) {
    auto& buttons = load_buttons(config);
    std::string pin = config.get("switch_pin");
    buttons.register_debounce_button(
        pin, [this](double eventtime, int state) { helper_->note_filament_present(eventtime, state); },
        config);
    helper_.emplace(config);
  }
  Json get_status(double eventtime) override { return helper_->get_status(eventtime); }

 private:
  std::optional<RunoutHelper> helper_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<SwitchSensor>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(filament_switch_sensor, nullptr, kpp::load_prefix)
