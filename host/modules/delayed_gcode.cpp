// [delayed_gcode NAME] (see delayed_gcode.h).
#include "modules/delayed_gcode.h"

#include <fmt/format.h>

#include "core/logging.h"

namespace kpp {

namespace {
std::string second_word(const std::string& section) {
  auto sp = section.find(' ');
  std::string rest = sp == std::string::npos ? std::string() : section.substr(sp + 1);
  auto b = rest.find_first_not_of(" \t");
  rest = b == std::string::npos ? std::string() : rest.substr(b);
  return rest.substr(0, rest.find_first_of(" \t"));
}
}  // namespace

DelayedGCode::DelayedGCode(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      reactor_(printer_.get_reactor()),
      gcode_(printer_.lookup<GCodeDispatch>("gcode")),
      name_(second_word(config.get_name())),
      template_(load_gcode_macro(config).load_template(config, "gcode")),
      duration_(config.getfloat("initial_duration", 0., FloatLimits{.minval = 0.})) {
  printer_.register_event_handler<>("klippy:ready", [this] { handle_ready(); });
  gcode_.register_mux_command("UPDATE_DELAYED_GCODE", "ID", name_,
                              [this](GCodeCommand& g) { cmd_update(g); },
                              "Update the duration of a delayed_gcode");
}

void DelayedGCode::handle_ready() {
  double waketime = duration_ ? reactor_.monotonic() + duration_ : Reactor::kNever;
  timer_ = reactor_.register_timer([this](double t) { return timer_event(t); }, waketime);
}

double DelayedGCode::timer_event(double eventtime) {
  inside_timer_ = true;
  try {
    gcode_.run_script(template_.render());
  } catch (const std::exception& e) {
    // As in Klipper: the failure of a timed script is logged (a G-code error inside the script
    // has already been reported to the user by the G-code dispatcher).
    log::error("Script running error: {}", e.what());
  }
  double next = repeat_ ? eventtime + duration_ : Reactor::kNever;
  inside_timer_ = repeat_ = false;
  return next;
}

void DelayedGCode::cmd_update(GCodeCommand& gcmd) {
  duration_ = gcmd.get_float("DURATION", FloatLimits{.minval = 0.});
  if (inside_timer_) {
    // Called from the script itself: decide the next run when the script returns.
    repeat_ = duration_ != 0.;
    return;
  }
  if (!timer_) return;  // not ready yet: handle_ready() starts it with this duration
  reactor_.update_timer(timer_, duration_ ? reactor_.monotonic() + duration_ : Reactor::kNever);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<DelayedGCode>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(delayed_gcode, nullptr, kpp::load)
