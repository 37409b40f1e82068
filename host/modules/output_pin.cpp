// [output_pin name]: a digital or PWM pin set at run time with SET_PIN PIN=name VALUE=<v>
// (Klipper's output_pin.py); changes take effect in step with the moves.
#include <fmt/format.h>

#include "core/gcode.h"
#include "mcu/pins.h"
#include "modules/gcode_request_queue.h"

namespace kpp {
namespace {

constexpr double kMaxScheduleTime = 5.0;

class PrinterOutputPin : public PrinterObject {
 public:
  explicit PrinterOutputPin(const ConfigWrapper& config) {
    Printer& printer = config.get_printer();
    auto& ppins = printer.lookup<PrinterPins>("pins");
    is_pwm_ = config.getboolean("pwm", false);
    Mcu* mcu;
    if (is_pwm_) {
      pwm_ = ppins.setup_pwm(config.get("pin"));
      double cycle_time =
          config.getfloat("cycle_time", 0.100, {.maxval = kMaxScheduleTime, .above = 0.});
      pwm_->setup_cycle_time(cycle_time, config.getboolean("hardware_pwm", false));
      scale_ = config.getfloat("scale", 1., {.above = 0.});
      pwm_->setup_max_duration(0.);
      mcu = &pwm_->get_mcu();
    } else {
      dout_ = ppins.setup_digital_out(config.get("pin"));
      dout_->setup_max_duration(0.);
      mcu = &dout_->get_mcu();
    }
    last_value_ = config.getfloat("value", 0., {.minval = 0., .maxval = scale_}) / scale_;
    double shutdown_value =
        config.getfloat("shutdown_value", 0., {.minval = 0., .maxval = scale_}) / scale_;
    if (pwm_)
      pwm_->setup_start_value(last_value_, shutdown_value);
    else
      dout_->setup_start_value(last_value_, shutdown_value);
    gcrq_ = std::make_unique<GCodeRequestQueue>(
        config, *mcu, [this](double pt, double v) { return set_pin(pt, v); });
    const std::string& section = config.get_name();
    std::string pin_name = section.substr(section.find(' ') + 1);
    printer.lookup<GCodeDispatch>("gcode").register_mux_command(
        "SET_PIN", "PIN", pin_name, [this](GCodeCommand& g) { cmd_SET_PIN(g); },
        "Set the value of an output pin");
  }
  Json get_status(double) override { return {{"value", last_value_}}; }

 private:
  GCodeRequestQueue::Result set_pin(double print_time, double value) {
    if (value == last_value_) return {GCodeRequestQueue::Result::kDiscard, 0.};
    last_value_ = value;
    if (pwm_)
      pwm_->set_pwm(print_time, value);
    else
      dout_->set_digital(print_time, static_cast<int>(value));
    return {};
  }
  void cmd_SET_PIN(GCodeCommand& gcmd) {
    // Display templates do not exist in this build: every TEMPLATE name is unknown.
    auto tpl = gcmd.get("TEMPLATE", "");
    if (!tpl.empty()) throw gcmd.error(fmt::format("Unknown display_template '{}'", tpl));
    double value = gcmd.get_float("VALUE", {.minval = 0., .maxval = scale_}) / scale_;
    if (!is_pwm_ && value != 0. && value != 1.) throw gcmd.error("Invalid pin value");
    gcrq_->queue_gcode_request(value);
  }

  bool is_pwm_;
  double scale_ = 1.;
  double last_value_;
  std::shared_ptr<McuPwm> pwm_;
  std::shared_ptr<McuDigitalOut> dout_;
  std::unique_ptr<GCodeRequestQueue> gcrq_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterOutputPin>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(output_pin, nullptr, kpp::load_prefix)
