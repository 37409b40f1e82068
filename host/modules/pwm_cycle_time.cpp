// [pwm_cycle_time name]: a software-PWM output pin whose cycle time can change at run time,
// SET_PIN PIN=name VALUE=<v> [CYCLE_TIME=<s>] (Klipper's pwm_cycle_time.py). The MCU's
// soft PWM takes a new cycle length with set_digital_out_pwm_cycle before the next
// queue_digital_out; McuPwmPin::set_pwm sends it when the cycle time differs.
#include <fmt/format.h>

#include "core/gcode.h"
#include "mcu/pins.h"
#include "motion/toolhead.h"

namespace kpp {
namespace {

constexpr double kPinMinTime = 0.100;  // updates at least this far apart, as Klipper does
constexpr double kMaxScheduleTime = 5.0;

class PrinterOutputPwmCycle : public PrinterObject {
 public:
  explicit PrinterOutputPwmCycle(const ConfigWrapper& config) : printer_(config.get_printer()) {
    default_cycle_time_ =
        config.getfloat("cycle_time", 0.100, {.maxval = kMaxScheduleTime, .above = 0.});
    last_cycle_time_ = default_cycle_time_;
    scale_ = config.getfloat("scale", 1., {.above = 0.});
    last_value_ = config.getfloat("value", 0., {.minval = 0., .maxval = scale_}) / scale_;
    double shutdown_value =
        config.getfloat("shutdown_value", 0., {.minval = 0., .maxval = scale_}) / scale_;
    // Always software PWM: hardware PWM cannot change its period on the fly.
    pwm_ = printer_.lookup<PrinterPins>("pins").setup_pwm(config.get("pin"));
    pwm_->setup_cycle_time(default_cycle_time_, false);
    pwm_->setup_max_duration(0.);
    pwm_->setup_start_value(last_value_, shutdown_value);
    const std::string& section = config.get_name();
    std::string pin_name = section.substr(section.find(' ') + 1);
    printer_.lookup<GCodeDispatch>("gcode").register_mux_command(
        "SET_PIN", "PIN", pin_name, [this](GCodeCommand& g) { cmd_SET_PIN(g); },
        "Set the value of an output pin");
  }
  Json get_status(double) override { return {{"value", last_value_}}; }

 private:
  void set_pin(double print_time, double value, double cycle_time) {
    if (value == last_value_ && cycle_time == last_cycle_time_) return;
    print_time = std::max(print_time, last_print_time_ + kPinMinTime);
    pwm_->set_pwm(print_time, value, cycle_time);
    last_value_ = value;
    last_cycle_time_ = cycle_time;
    last_print_time_ = print_time;
  }
  void cmd_SET_PIN(GCodeCommand& gcmd) {
    double value = gcmd.get_float("VALUE", {.minval = 0., .maxval = scale_}) / scale_;
    double cycle_time = gcmd.get_float("CYCLE_TIME", default_cycle_time_,
                                       {.maxval = kMaxScheduleTime, .above = 0.});
    auto* toolhead = printer_.try_lookup<ToolHead>("toolhead");
    if (!toolhead) throw gcmd.error("Printer not ready: no toolhead");
    toolhead->register_lookahead_callback(
        [this, value, cycle_time](double pt) { set_pin(pt, value, cycle_time); });
  }

  Printer& printer_;
  double default_cycle_time_, last_cycle_time_;
  double scale_;
  double last_value_;
  double last_print_time_ = 0.;
  std::shared_ptr<McuPwm> pwm_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterOutputPwmCycle>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(pwm_cycle_time, nullptr, kpp::load_prefix)
