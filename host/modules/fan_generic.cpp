// [fan_generic name]: a fan set by SET_FAN_SPEED FAN=name SPEED=<0..1> (Klipper's
// fan_generic.py).
#include <fmt/format.h>

#include "core/gcode.h"
#include "core/logging.h"
#include "modules/fan.h"
#include "modules/template_evaluator.h"

namespace kpp {
namespace {

class PrinterFanGeneric : public PrinterObject {
 public:
  explicit PrinterFanGeneric(const ConfigWrapper& config)
      : fan_(config), template_eval_(TemplateEvaluator::lookup(config)) {
    const std::string& section = config.get_name();
    std::string fan_name = section.substr(section.find(' ') + 1);
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_mux_command(
        "SET_FAN_SPEED", "FAN", fan_name, [this](GCodeCommand& g) { cmd_set_fan_speed(g); },
        "Sets the speed of a fan");
  }
  Json get_status(double eventtime) override { return fan_.get_status(eventtime); }

 private:
  void cmd_set_fan_speed(GCodeCommand& gcmd) {
    auto speed = gcmd.get_float_opt("SPEED", {.minval = 0.});
    auto tpl = gcmd.get_opt("TEMPLATE");
    if (speed.has_value() == tpl.has_value())
      throw gcmd.error("SET_FAN_SPEED must specify SPEED or TEMPLATE");
    if (tpl) {
      template_eval_.set_template(gcmd, this, [this](const std::string& text) {
        auto v = parse_config_float(text);
        if (!v) log::warning("fan_generic template render error: '{}'", text);
        fan_.set_speed(v.value_or(0.));
      });
      return;
    }
    fan_.set_speed_from_command(*speed);
  }

  Fan fan_;
  TemplateEvaluator& template_eval_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterFanGeneric>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(fan_generic, nullptr, kpp::load_prefix)
