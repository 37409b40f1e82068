// [fan_generic name]: a fan set by SET_FAN_SPEED FAN=name SPEED=<0..1> (Klipper's
// fan_generic.py).
#include <fmt/format.h>

#include "core/gcode.h"
#include "modules/fan.h"

namespace kpp {
namespace {

class PrinterFanGeneric : public PrinterObject {
 public:
  explicit PrinterFanGeneric(const ConfigWrapper& config) : fan_(config) {
    const std::string& section = config.get_name();
    std::string fan_name = section.substr(section.find(' ') + 1);
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_mux_command(
        "SET_FAN_SPEED", "FAN", fan_name,
        [this](GCodeCommand& gcmd) {
          // Display templates do not exist in this build: every TEMPLATE name is unknown.
          auto tpl = gcmd.get("TEMPLATE", "");
          if (!tpl.empty()) throw gcmd.error(fmt::format("Unknown display_template '{}'", tpl));
          fan_.set_speed_from_command(gcmd.get_float("SPEED", 0.));
        },
        "Sets the speed of a fan");
  }
  Json get_status(double eventtime) override { return fan_.get_status(eventtime); }

 private:
  Fan fan_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterFanGeneric>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(fan_generic, nullptr, kpp::load_prefix)
