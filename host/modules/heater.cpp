// A PWM heater: temperature smoothing, control, pin updates and the main-thread watchdog.
#include "modules/heater.h"

#include <cmath>

#include <fmt/format.h>

#include "core/gcode.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/heater_mpc.h"
#include "modules/temperature_sensors.h"

namespace kpp {

namespace {
std::string last_word(const std::string& s) {
  auto pos = s.find_last_of(' ');
  return pos == std::string::npos ? s : s.substr(pos + 1);
}
}  // namespace

PwmHeater::PwmHeater(const ConfigWrapper& config, std::unique_ptr<TemperatureSensor> sensor)
    : printer_(config.get_printer()),
      name_(config.get_name()),
      short_name_(last_word(config.get_name())),
      sensor_(std::move(sensor)) {
  min_temp_ = config.getfloat("min_temp", {.minval = kKelvinToCelsius});
  max_temp_ = config.getfloat("max_temp", {.above = min_temp_});
  sensor_->setup_minmax(min_temp_, max_temp_);
  sensor_->setup_callback([this](double t, double v) { temperature_callback(t, v); });
  pwm_delay_ = sensor_->get_report_time_delta();
  min_extrude_temp_ =
      config.getfloat("min_extrude_temp", 170., {.minval = min_temp_, .maxval = max_temp_});
  // Batch mode has no temperatures: allow extrusion so G-code can be replayed.
  can_extrude_ = min_extrude_temp_ <= 0. || printer_.is_batch_mode();
  max_power_ = config.getfloat("max_power", 1., {.maxval = 1., .above = 0.});
  smooth_time_ = config.getfloat("smooth_time", 1., {.above = 0.});
  inv_smooth_time_ = 1. / smooth_time_;
  control_ = make_heater_control(*this, config);
  auto& ppins = printer_.lookup<PrinterPins>("pins");
  mcu_pwm_ = ppins.setup_pwm(config.get("heater_pin"));
  double pwm_cycle_time = config.getfloat("pwm_cycle_time", 0.100, {.maxval = pwm_delay_, .above = 0.});
  mcu_pwm_->setup_cycle_time(pwm_cycle_time);
  mcu_pwm_->setup_max_duration(kMaxHeatTime);
  printer_.load_object(config, "verify_heater " + short_name_);
  printer_.load_object(config, "pid_calibrate");
  if (control_->get_type() == "mpc" || config.has_option("heater_power"))
    printer_.load_object(config, "mpc_calibrate");
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_mux_command(
      "SET_HEATER_TEMPERATURE", "HEATER", short_name_,
      [this](GCodeCommand& gcmd) {
        double temp = gcmd.get_float("TARGET", 0.);
        printer_.lookup<PrinterHeaters>("heaters").set_temperature(*this, temp);
      },
      "Sets a heater temperature");
  printer_.register_event_handler<>("klippy:ready", [this] { handle_ready(); });
  printer_.register_event_handler<>("klippy:shutdown", [this] { handle_shutdown(); });
}

PwmHeater::~PwmHeater() = default;

Mcu& PwmHeater::mcu() { return mcu_pwm_->get_mcu(); }

void PwmHeater::handle_ready() {
  // The watchdog: a reactor timer refreshes the deadline once a second; when the reactor stops
  // running, readings still arriving can no longer keep the heater on.
  auto& reactor = printer_.get_reactor();
  mainthread_timer_ = reactor.register_timer(
      [this](double eventtime) {
        if (printer_.is_shutdown()) return Reactor::kNever;
        verify_mainthread_time_ = mcu().estimated_print_time(eventtime) + kMaxMainthreadTime;
        return eventtime + 1.;
      },
      Reactor::kNow);
}

void PwmHeater::handle_shutdown() {
  verify_mainthread_time_ = -999.;
  if (mainthread_timer_) printer_.get_reactor().update_timer(mainthread_timer_, Reactor::kNever);
}

void PwmHeater::set_pwm(double read_time, double value) {
  if (target_temp_ <= 0. || read_time > verify_mainthread_time_) value = 0.;
  // Skip changes under 5% of max_power, but refresh the pin before the MCU's max_duration
  // runs out (three readings ahead, so a late reading still makes it).
  if ((read_time < next_pwm_time_ || last_pwm_value_ == 0.) &&
      std::abs(value - last_pwm_value_) < max_power_ * kMinPwmChangeRatio)
    return;
  double pwm_time = read_time + pwm_delay_;
  next_pwm_time_ = pwm_time + kMaxHeatTime - (3. * pwm_delay_ + 0.001);
  last_pwm_value_ = value;
  mcu_pwm_->set_pwm(pwm_time, value);
}

void PwmHeater::temperature_callback(double read_time, double temp) {
  double time_diff = read_time - last_temp_time_;
  last_temp_ = temp;
  last_temp_time_ = read_time;
  control_->temperature_update(read_time, temp, target_temp_);
  double temp_diff = temp - smoothed_temp_;
  double adj_time = std::min(time_diff * inv_smooth_time_, 1.);
  smoothed_temp_ += temp_diff * adj_time;
  can_extrude_ = smoothed_temp_ >= min_extrude_temp_;
  if (observer_) observer_(read_time, temp);
}

void PwmHeater::set_temp(double degrees) {
  if (degrees != 0. && (degrees < min_temp_ || degrees > max_temp_))
    throw CommandError(fmt::format("Requested temperature ({:.1f}) out of range ({:.1f}:{:.1f})",
                                   degrees, min_temp_, max_temp_));
  if (degrees != 0.) {
    auto reason = control_->not_ready_reason();
    if (!reason.empty()) throw CommandError(fmt::format("Heater {} is {}", short_name_, reason));
  }
  target_temp_ = degrees;
}

std::pair<double, double> PwmHeater::get_temp(double eventtime) {
  double print_time = mcu().estimated_print_time(eventtime) - kQuellStaleTime;
  if (last_temp_time_ < print_time) return {0., target_temp_};
  return {smoothed_temp_, target_temp_};
}

bool PwmHeater::check_busy(double eventtime) {
  return control_->check_busy(eventtime, smoothed_temp_, target_temp_);
}

std::unique_ptr<HeaterControl> PwmHeater::set_control(std::unique_ptr<HeaterControl> control) {
  std::swap(control, control_);
  target_temp_ = 0.;
  return control;
}

void PwmHeater::alter_target(double target) {
  if (target != 0.) target = std::clamp(target, min_temp_, max_temp_);
  target_temp_ = target;
}

std::string PwmHeater::stats(double) {
  return fmt::format("{}: target={:.0f} temp={:.1f} pwm={:.3f}", short_name_, target_temp_,
                     last_temp_, last_pwm_value_);
}

Json PwmHeater::get_status(double) {
  Json st = {{"temperature", round2(smoothed_temp_)},
             {"target", target_temp_},
             {"power", last_pwm_value_}};
  Json extra = control_->get_status();
  if (extra.is_object())
    for (auto& [k, v] : extra.items()) st[k] = v;
  return st;
}

std::unique_ptr<HeaterControl> make_heater_control(PwmHeater& heater,
                                                   const ConfigWrapper& config) {
  auto algo = config.getchoice("control", {"watermark", "pid", "mpc"});
  if (algo == "watermark")
    return std::make_unique<ControlWatermark>(heater, heater.get_max_power(),
                                              config.getfloat("max_delta", 2.0, {.above = 0.}));
  if (algo == "pid") {
    PidGains g{config.getfloat("pid_Kp"), config.getfloat("pid_Ki"), config.getfloat("pid_Kd")};
    return std::make_unique<ControlPid>(heater, heater.get_max_power(), g,
                                        heater.get_smooth_time());
  }
  return make_mpc_control(heater, config);
}

}  // namespace kpp
