// [servo NAME] (Klipper's extras/servo.py): a hobby servo on a PWM pin with a 20 ms period;
// SET_SERVO SERVO=name ANGLE=<deg> | WIDTH=<s> sets the pulse width in step with the moves
// (WIDTH=0 turns the signal off), status "value" is the PWM duty.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/gcode.h"
#include "mcu/pins.h"
#include "modules/gcode_request_queue.h"

namespace kpp {
namespace {

constexpr double kSignalPeriod = 0.020;

class PrinterServo : public PrinterObject {
 public:
  explicit PrinterServo(const ConfigWrapper& config) {
    Printer& printer = config.get_printer();
    min_width_ = config.getfloat("minimum_pulse_width", .001,
                                 {.above = 0., .below = kSignalPeriod});
    max_width_ = config.getfloat("maximum_pulse_width", .002,
                                 {.above = min_width_, .below = kSignalPeriod});
    max_angle_ = config.getfloat("maximum_servo_angle", 180.);
    angle_to_width_ = (max_width_ - min_width_) / max_angle_;
    double initial;
    if (auto angle = config.getfloat_opt("initial_angle", {.minval = 0., .maxval = 360.}))
      initial = pwm_from_angle(*angle);
    else
      initial = pwm_from_width(
          config.getfloat("initial_pulse_width", 0., {.minval = 0., .maxval = max_width_}));
    pwm_ = printer.lookup<PrinterPins>("pins").setup_pwm(config.get("pin"));
    pwm_->setup_max_duration(0.);
    pwm_->setup_cycle_time(kSignalPeriod);
    pwm_->setup_start_value(initial, 0.);
    gcrq_ = std::make_unique<GCodeRequestQueue>(config, pwm_->get_mcu(),
                                                [this](double pt, double v) { return set_pwm(pt, v); });
    const std::string& section = config.get_name();
    std::string name = section.substr(section.find(' ') + 1);
    printer.lookup<GCodeDispatch>("gcode").register_mux_command(
        "SET_SERVO", "SERVO", name, [this](GCodeCommand& g) { cmd_set_servo(g); },
        "Set servo angle");
  }
  Json get_status(double) override { return {{"value", last_value_}}; }

 private:
  GCodeRequestQueue::Result set_pwm(double print_time, double value) {
    using Result = GCodeRequestQueue::Result;
    if (value == last_value_) return {Result::kDiscard, 0.};
    // While pulses are running, a new width starts at a period boundary of the pulse train
    // (whole signal periods after the last change) so no pulse is cut short; Klipper's
    // streams show the same alignment.
    if (last_value_ != 0.) {
      double aligned = pulse_boundary(print_time);
      if (aligned > print_time + kTimeEpsilon) return {Result::kReschedule, 0., aligned};
    }
    last_value_ = value;
    last_value_time_ = print_time;
    pwm_->set_pwm(print_time, value);
    return {};
  }
  // The first period boundary of the running pulse train at or after print_time.
  double pulse_boundary(double print_time) const {
    double periods = std::ceil((print_time - last_value_time_) / kSignalPeriod - kPeriodEpsilon);
    return last_value_time_ + std::max(periods, 0.) * kSignalPeriod;
  }
  // Angles and widths outside the servo's range are clamped to it.
  double pwm_from_angle(double angle) const {
    angle = std::clamp(angle, 0., max_angle_);
    return (min_width_ + angle * angle_to_width_) / kSignalPeriod;
  }
  double pwm_from_width(double width) const {
    if (width != 0.) width = std::clamp(width, min_width_, max_width_);
    return width / kSignalPeriod;
  }
  void cmd_set_servo(GCodeCommand& gcmd) {
    double value;
    if (auto width = gcmd.get_float_opt("WIDTH"))
      value = pwm_from_width(*width);
    else
      value = pwm_from_angle(gcmd.get_float("ANGLE"));
    gcrq_->queue_gcode_request(value);
  }

  double min_width_, max_width_, max_angle_, angle_to_width_;
  static constexpr double kTimeEpsilon = 1e-9, kPeriodEpsilon = 1e-6;
  double last_value_ = 0., last_value_time_ = 0.;
  std::shared_ptr<McuPwm> pwm_;
  std::unique_ptr<GCodeRequestQueue> gcrq_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterServo>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(servo, nullptr, kpp::load_prefix)
