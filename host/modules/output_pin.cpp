// [output_pin name]: a digital or PWM pin set at run time with SET_PIN PIN=name VALUE=<v>
// (Klipper's output_pin.py); changes take effect in step with the moves.
#include <fmt/format.h>

#include "core/gcode.h"
#include "core/logging.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/gcode_request_queue.h"
#include "modules/template_evaluator.h"

namespace kpp {
namespace {

constexpr double kMaxScheduleTime = 5.0;

class PrinterOutputPin : public PrinterObject {
 public:
  explicit PrinterOutputPin(const ConfigWrapper& config) {
    Printer& printer = config.get_printer();
    printer_ = &printer;
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
    mcu_ = mcu;
    gcrq_ = std::make_unique<GCodeRequestQueue>(
        config, *mcu, [this](double pt, double v) { return set_pin(pt, v); });
    template_eval_ = &TemplateEvaluator::lookup(config);
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
  // A template's text as the pin's value (0 when it is not a number), set as soon as allowed.
  void template_update(const std::string& text) {
    auto v = parse_config_float(text);
    if (!v) log::warning("output_pin template render error: '{}'", text);
    double now = printer_->get_reactor().monotonic();
    gcrq_->send_async_request(
        mcu_->estimated_print_time(now + GCodeRequestQueue::kPinMinTime), v.value_or(0.));
  }
  void cmd_SET_PIN(GCodeCommand& gcmd) {
    auto value = gcmd.get_float_opt("VALUE", {.minval = 0., .maxval = scale_});
    auto tpl = gcmd.get_opt("TEMPLATE");
    if (value.has_value() == tpl.has_value())
      throw gcmd.error("SET_PIN command must specify VALUE or TEMPLATE");
    if (tpl) {
      template_eval_->set_template(gcmd, this,
                                   [this](const std::string& t) { template_update(t); });
      return;
    }
    double v = *value / scale_;
    if (!is_pwm_ && v != 0. && v != 1.) throw gcmd.error("Invalid pin value");
    gcrq_->queue_gcode_request(v);
  }

  bool is_pwm_;
  double scale_ = 1.;
  double last_value_;
  std::shared_ptr<McuPwm> pwm_;
  std::shared_ptr<McuDigitalOut> dout_;
  std::unique_ptr<GCodeRequestQueue> gcrq_;
  Printer* printer_;
  Mcu* mcu_ = nullptr;
  TemplateEvaluator* template_eval_ = nullptr;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterOutputPin>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(output_pin, nullptr, kpp::load_prefix)
