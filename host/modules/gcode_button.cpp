// [gcode_button NAME] (Klipper's extras/gcode_button.py): runs press_gcode / release_gcode when
// a button on a digital pin (or in a resistance range of an analog pin) changes; QUERY_BUTTON
// and the status field "state" (PRESSED / RELEASED).
#include <fmt/format.h>

#include <deque>

#include "core/logging.h"
#include "modules/buttons.h"
#include "modules/gcode_macro.h"

namespace kpp {
namespace {

class GCodeButton : public PrinterObject {
 public:
  explicit GCodeButton(const ConfigWrapper& config)
      : printer_(config.get_printer()), gcode_(printer_.lookup<GCodeDispatch>("gcode")) {
    const std::string& section = config.get_name();
    name_ = section.substr(section.rfind(' ') + 1);
    std::string pin = config.get("pin");
    auto& buttons = load_buttons(config);
    auto cb = [this](double eventtime, int state) { button_callback(eventtime, state); };
    if (auto range = config.getfloatlist_opt("analog_range", ',', 2)) {
      double pullup = config.getfloat("analog_pullup_resistor", 4700., {.above = 0.});
      buttons.register_debounce_adc_button(pin, (*range)[0], (*range)[1], pullup, cb, config);
    } else {
      buttons.register_debounce_button(pin, cb, config);
    }
    auto& macro = load_gcode_macro(config);
    press_.emplace(macro.load_template(config, "press_gcode"));
    release_.emplace(macro.load_template(config, "release_gcode", ""));
    gcode_.register_mux_command(
        "QUERY_BUTTON", "BUTTON", name_, [this](GCodeCommand& g) { cmd_query_button(g); },
        "Report on the state of a button");
  }

  Json get_status(double) override { return {{"state", last_state_ ? "PRESSED" : "RELEASED"}}; }

 private:
  void cmd_query_button(GCodeCommand& gcmd) {
    gcmd.respond_info(fmt::format("{}: {}", name_, last_state_ ? "PRESSED" : "RELEASED"));
  }

  void button_callback(double, int state) {
    last_state_ = state != 0;
    // Scripts run one after the other in the order of the changes, even when one waits.
    queue_.push_back(last_state_ ? &*press_ : &*release_);
    if (queue_.size() == 1)
      printer_.get_reactor().register_callback([this](double) { dispatch_templates(); });
  }

  void dispatch_templates() {
    while (!queue_.empty()) {
      try {
        gcode_.run_script(queue_.front()->render());
      } catch (const std::exception& e) {
        log::error("Script running error: {}", e.what());
      }
      queue_.pop_front();
    }
  }

  Printer& printer_;
  GCodeDispatch& gcode_;
  std::string name_;
  std::optional<MacroTemplate> press_, release_;
  bool last_state_ = false;
  std::deque<const MacroTemplate*> queue_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<GCodeButton>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(gcode_button, nullptr, kpp::load_prefix)
