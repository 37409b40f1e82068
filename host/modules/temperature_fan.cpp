// [temperature_fan name]: a fan that holds a sensor at target_temp by cooling (Klipper's
// temperature_fan.py): watermark (max_speed above target + max_delta, off below target -
// max_delta) or PID (more error, more speed, within min_speed..max_speed).
#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "core/gcode.h"
#include "modules/fan.h"
#include "modules/heaters_api.h"
#include "modules/temperature_sensors.h"

namespace kpp {
namespace {

constexpr double kMaxFanTime = 5.0;
constexpr double kAmbientTemp = 25.;
constexpr double kPidParamBase = 255.;

class TemperatureFan;

class FanControl {
 public:
  virtual ~FanControl() = default;
  virtual void temperature_update(double read_time, double temp) = 0;
};

class TemperatureFan : public PrinterObject, public TemperatureSource {
 public:
  explicit TemperatureFan(const ConfigWrapper& config);
  std::pair<double, double> get_temp(double) override { return {last_temp_, target_temp_}; }
  Json get_status(double eventtime) override {
    Json st = fan_.get_status(eventtime);
    st["temperature"] = round2(last_temp_);
    st["target"] = target_temp_;
    return st;
  }
  // The control's wish for a reading at read_time (0..1).
  void set_tf_speed(double read_time, double value);
  double min_speed() const { return min_speed_; }
  double max_speed() const { return max_speed_; }
  double target() const { return target_temp_; }

 private:
  void cmd_SET_TEMPERATURE_FAN_TARGET(GCodeCommand& gcmd);

  Printer& printer_;
  std::string name_;
  Fan fan_;
  double min_temp_, max_temp_;
  std::unique_ptr<TemperatureSensor> sensor_;
  double speed_delay_;
  double max_speed_conf_, max_speed_, min_speed_conf_, min_speed_;
  double target_temp_conf_, target_temp_;
  double last_temp_ = 0.;
  double next_speed_time_ = 0., last_speed_value_ = 0.;
  std::unique_ptr<FanControl> control_;
};

class FanWatermark : public FanControl {
 public:
  FanWatermark(TemperatureFan& tf, const ConfigWrapper& config)
      : tf_(tf), max_delta_(config.getfloat("max_delta", 2.0, {.above = 0.})) {}
  void temperature_update(double read_time, double temp) override {
    double target = tf_.target();
    // "heating": the sensor is below its range, so the fan stays off.
    if (heating_ && temp >= target + max_delta_)
      heating_ = false;
    else if (!heating_ && temp <= target - max_delta_)
      heating_ = true;
    tf_.set_tf_speed(read_time, heating_ ? 0. : tf_.max_speed());
  }

 private:
  TemperatureFan& tf_;
  double max_delta_;
  bool heating_ = false;
};

class FanPid : public FanControl {
 public:
  FanPid(TemperatureFan& tf, const ConfigWrapper& config)
      : tf_(tf),
        kp_(config.getfloat("pid_Kp") / kPidParamBase),
        ki_(config.getfloat("pid_Ki") / kPidParamBase),
        kd_(config.getfloat("pid_Kd") / kPidParamBase),
        min_deriv_time_(config.getfloat("pid_deriv_time", 2., {.above = 0.})) {
    if (ki_ != 0.) temp_integ_max_ = 1. / ki_;
  }
  void temperature_update(double read_time, double temp) override {
    double target = tf_.target();
    double time_diff = read_time - prev_temp_time_;
    double temp_diff = temp - prev_temp_;
    double temp_deriv = time_diff >= min_deriv_time_
                            ? temp_diff / time_diff
                            : (prev_temp_deriv_ * (min_deriv_time_ - time_diff) + temp_diff) /
                                  min_deriv_time_;
    double temp_err = target - temp;
    double temp_integ =
        std::clamp(prev_temp_integ_ + temp_err * time_diff, 0., temp_integ_max_);
    double co = kp_ * temp_err + ki_ * temp_integ - kd_ * temp_deriv;
    double bounded_co = std::clamp(co, 0., 1.);
    // co is the heating wish: the fan runs at what is left of it.
    tf_.set_tf_speed(read_time,
                     std::max(tf_.min_speed(), tf_.max_speed() * (1. - bounded_co)));
    prev_temp_ = temp;
    prev_temp_time_ = read_time;
    prev_temp_deriv_ = temp_deriv;
    if (co == bounded_co) prev_temp_integ_ = temp_integ;
  }

 private:
  TemperatureFan& tf_;
  double kp_, ki_, kd_, min_deriv_time_;
  double temp_integ_max_ = 0.;
  double prev_temp_ = kAmbientTemp, prev_temp_time_ = 0., prev_temp_deriv_ = 0.;
  double prev_temp_integ_ = 0.;
};

TemperatureFan::TemperatureFan(const ConfigWrapper& config)
    : printer_(config.get_printer()), fan_(config, 1.) {
  const std::string& section = config.get_name();
  name_ = section.substr(section.find(' ') + 1);
  min_temp_ = config.getfloat("min_temp", {.minval = kKelvinToCelsius});
  max_temp_ = config.getfloat("max_temp", {.above = min_temp_});
  auto& pheaters = printer_.load<PrinterHeaters>(config, "heaters");
  sensor_ = pheaters.setup_sensor(config);
  sensor_->setup_minmax(min_temp_, max_temp_);
  sensor_->setup_callback([this](double t, double temp) {
    last_temp_ = temp;
    control_->temperature_update(t, temp);
  });
  pheaters.register_sensor(config, *this);
  speed_delay_ = sensor_->get_report_time_delta();
  max_speed_conf_ = max_speed_ = config.getfloat("max_speed", 1., {.maxval = 1., .above = 0.});
  min_speed_conf_ = min_speed_ = config.getfloat("min_speed", 0.3, {.minval = 0., .maxval = 1.});
  target_temp_conf_ = target_temp_ =
      config.getfloat("target_temp", max_temp_ > 40. ? 40. : max_temp_,
                      {.minval = min_temp_, .maxval = max_temp_});
  if (config.getchoice("control", {"watermark", "pid"}) == "pid")
    control_ = std::make_unique<FanPid>(*this, config);
  else
    control_ = std::make_unique<FanWatermark>(*this, config);
  printer_.lookup<GCodeDispatch>("gcode").register_mux_command(
      "SET_TEMPERATURE_FAN_TARGET", "TEMPERATURE_FAN", name_,
      [this](GCodeCommand& g) { cmd_SET_TEMPERATURE_FAN_TARGET(g); },
      "Sets a temperature fan target and fan speed limits");
}

void TemperatureFan::set_tf_speed(double read_time, double value) {
  if (value <= 0.)
    value = 0.;
  else if (value < min_speed_)
    value = min_speed_;
  if (target_temp_ <= 0.) value = 0.;
  if ((read_time < next_speed_time_ || last_speed_value_ == 0.) &&
      std::abs(value - last_speed_value_) < 0.05)
    return;
  double speed_time = read_time + speed_delay_;
  next_speed_time_ = speed_time + 0.75 * kMaxFanTime;
  last_speed_value_ = value;
  fan_.set_speed(value, speed_time);
}

void TemperatureFan::cmd_SET_TEMPERATURE_FAN_TARGET(GCodeCommand& gcmd) {
  double temp = gcmd.get_float("TARGET", target_temp_conf_);
  if (temp != 0. && (temp < min_temp_ || temp > max_temp_))
    throw gcmd.error(fmt::format("Requested temperature ({:.1f}) out of range ({:.1f}:{:.1f})",
                                 temp, min_temp_, max_temp_));
  double min_speed = gcmd.get_float("MIN_SPEED", min_speed_);
  double max_speed = gcmd.get_float("MAX_SPEED", max_speed_);
  if (min_speed > max_speed)
    throw gcmd.error(fmt::format(
        "Requested min speed ({:.1f}) is greater than max speed ({:.1f})", min_speed, max_speed));
  if (min_speed != 0. && (min_speed < 0. || min_speed > 1.))
    throw gcmd.error(
        fmt::format("Requested min speed ({:.1f}) out of range (0.0 : 1.0)", min_speed));
  if (max_speed != 0. && (max_speed < 0. || max_speed > 1.))
    throw gcmd.error(
        fmt::format("Requested max speed ({:.1f}) out of range (0.0 : 1.0)", max_speed));
  target_temp_ = temp;
  min_speed_ = min_speed;
  max_speed_ = max_speed;
}

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<TemperatureFan>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(temperature_fan, nullptr, kpp::load_prefix)
