// Fans: the shared Fan and the [fan] section (M106/M107).
#include "modules/fan.h"

#include <algorithm>

#include "core/gcode.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/pulse_counter.h"

namespace kpp {

Fan::Fan(const ConfigWrapper& config, double default_shutdown_speed)
    : printer_(config.get_printer()) {
  max_power_ = config.getfloat("max_power", 1., {.maxval = 1., .above = 0.});
  kick_start_time_ = config.getfloat("kick_start_time", 0.1, {.minval = 0.});
  off_below_ = config.getfloat("off_below", 0., {.minval = 0., .maxval = 1.});
  double cycle_time = config.getfloat("cycle_time", 0.010, {.above = 0.});
  bool hardware_pwm = config.getboolean("hardware_pwm", false);
  double shutdown_speed =
      config.getfloat("shutdown_speed", default_shutdown_speed, {.minval = 0., .maxval = 1.});
  auto& ppins = printer_.lookup<PrinterPins>("pins");
  mcu_fan_ = ppins.setup_pwm(config.get("pin"));
  mcu_fan_->setup_max_duration(0.);
  mcu_fan_->setup_cycle_time(cycle_time, hardware_pwm);
  mcu_fan_->setup_start_value(0., std::clamp(shutdown_speed, 0., max_power_));
  if (auto pin = config.get_opt("enable_pin")) {
    enable_pin_ = ppins.setup_digital_out(*pin);
    enable_pin_->setup_max_duration(0.);
  }
  gcrq_ = std::make_unique<GCodeRequestQueue>(
      config, mcu_fan_->get_mcu(), [this](double pt, double v) { return apply_speed(pt, v); });
  if (auto pin = config.get_opt("tachometer_pin")) {
    tachometer_ppr_ = static_cast<int>(config.getint("tachometer_ppr", 2, {.minval = 1}));
    double poll_time = config.getfloat("tachometer_poll_interval", 0.0015, {.above = 0.});
    tachometer_ = std::make_unique<FrequencyCounter>(printer_, *pin, 1., poll_time);
  }
  printer_.register_event_handler<double>("gcode:request_restart",
                                          [this](double pt) { set_speed(0., pt); });
}

Fan::~Fan() = default;

GCodeRequestQueue::Result Fan::apply_speed(double print_time, double value) {
  if (value < off_below_) value = 0.;
  value = std::clamp(value * max_power_, 0., max_power_);
  if (value == last_fan_value_) return {GCodeRequestQueue::Result::kDiscard, 0.};
  if (enable_pin_) {
    if (value > 0. && last_fan_value_ == 0.)
      enable_pin_->set_digital(print_time, 1);
    else if (value == 0. && last_fan_value_ > 0.)
      enable_pin_->set_digital(print_time, 0);
  }
  if (value > 0. && kick_start_time_ > 0. &&
      (last_fan_value_ == 0. || value - last_fan_value_ > .5)) {
    // Full power for kick_start_time gets a stopped fan turning; the request then comes back.
    last_req_value_ = value;
    last_fan_value_ = max_power_;
    mcu_fan_->set_pwm(print_time, max_power_);
    return {GCodeRequestQueue::Result::kDelay, kick_start_time_};
  }
  last_fan_value_ = last_req_value_ = value;
  mcu_fan_->set_pwm(print_time, value);
  return {};
}

void Fan::set_speed(double value, std::optional<double> print_time) {
  double pt;
  if (print_time) {
    pt = *print_time;
  } else {
    double systime = printer_.get_reactor().monotonic();
    pt = get_mcu().estimated_print_time(systime + GCodeRequestQueue::kPinMinTime);
  }
  gcrq_->send_async_request(pt, value);
}

void Fan::set_speed_from_command(double value) { gcrq_->queue_gcode_request(value); }

Json Fan::get_status(double eventtime) const {
  Json rpm = nullptr;
  if (tachometer_) rpm = tachometer_->get_frequency() * 30. / tachometer_ppr_;
  (void)eventtime;
  return {{"speed", last_req_value_}, {"rpm", rpm}};
}

namespace {

// [fan]: the part cooling fan, M106 S<0..255> and M107.
class PrinterFan : public PrinterObject {
 public:
  explicit PrinterFan(const ConfigWrapper& config) : fan_(config) {
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_command("M106", [this](GCodeCommand& gcmd) {
      fan_.set_speed_from_command(gcmd.get_float("S", 255., {.minval = 0.}) / 255.);
    });
    gcode.register_command("M107", [this](GCodeCommand&) { fan_.set_speed_from_command(0.); });
  }
  Json get_status(double eventtime) override { return fan_.get_status(eventtime); }

 private:
  Fan fan_;
};

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrinterFan>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(fan, kpp::load, nullptr)
