// Model-predictive heater control and the analysis of its calibration run.
#include "modules/heater_mpc.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/printer.h"
#include "modules/heater.h"

namespace kpp {

double MpcModel::transfer_at(double fan_speed) const {
  double extra = 0.;
  size_t n = fan_ambient_transfer.size();
  if (n == 1) {
    extra = fan_ambient_transfer[0] * std::clamp(fan_speed, 0., 1.);
  } else if (n > 1) {
    double pos = std::clamp(fan_speed, 0., 1.) * static_cast<double>(n - 1);
    size_t i = std::min(static_cast<size_t>(pos), n - 2);
    double frac = pos - static_cast<double>(i);
    extra = fan_ambient_transfer[i] + (fan_ambient_transfer[i + 1] - fan_ambient_transfer[i]) * frac;
  }
  return ambient_transfer + extra;
}

ControlMpc::ControlMpc(PwmSink& sink, double max_power, MpcModel model, MpcTuning tuning,
                       std::function<double()> fan_speed,
                       std::function<std::optional<double>()> ambient_sensor)
    : sink_(sink),
      max_power_(max_power),
      model_(std::move(model)),
      tuning_(tuning),
      fan_speed_(std::move(fan_speed)),
      ambient_sensor_(std::move(ambient_sensor)) {}

bool ControlMpc::calibrated() const {
  return model_.heater_power > 0. && model_.block_heat_capacity > 0. &&
         model_.sensor_responsiveness > 0. && model_.ambient_transfer > 0.;
}

void ControlMpc::reset(double read_time, double temp, double ambient) {
  initialized_ = true;
  block_temp_ = sensor_temp_ = last_temp_ = temp;
  ambient_temp_ = ambient;
  last_time_ = read_time;
  temp_rate_ = 0.;
}

void ControlMpc::temperature_update(double read_time, double temp, double target) {
  if (!initialized_) {
    initialized_ = true;
    block_temp_ = sensor_temp_ = last_temp_ = temp;
    ambient_temp_ = temp;
    last_time_ = read_time;
  }
  double dt = std::clamp(read_time - last_time_, 0., 5.);
  last_time_ = read_time;
  if (ambient_sensor_) {
    if (auto a = ambient_sensor_()) ambient_temp_ = *a;
  }
  if (!calibrated()) {
    last_power_ = 0.;
    sink_.set_pwm(read_time, 0.);
    return;
  }
  double fan = fan_speed_ ? fan_speed_() : 0.;
  double xfer = model_.transfer_at(fan);
  // Predict: energy balance of the block over dt, then the sensor following the block.
  double power_w = last_power_ * model_.heater_power;
  block_temp_ += (power_w - xfer * (block_temp_ - ambient_temp_)) * dt / model_.block_heat_capacity;
  sensor_temp_ += std::min(1., model_.sensor_responsiveness * dt) * (block_temp_ - sensor_temp_);
  // Correct: pull the model towards the measurement.
  double err = temp - sensor_temp_;
  double alpha = tuning_.smoothing >= 1. ? 1. : 1. - std::pow(1. - tuning_.smoothing, dt);
  block_temp_ += err * alpha;
  sensor_temp_ += err * alpha;
  if (dt > 0.) {
    double inst_rate = (temp - last_temp_) / dt;
    temp_rate_ += (inst_rate - temp_rate_) * std::min(1., dt);
  }
  last_temp_ = temp;
  // A model that keeps missing at steady state has the wrong ambient temperature: losses were
  // overestimated when the measurement runs above the model.
  if (!ambient_sensor_ && std::abs(temp_rate_) < tuning_.steady_state_rate) {
    double limit = tuning_.min_ambient_change * dt;
    ambient_temp_ += std::clamp(err * alpha, -limit, limit);
  }
  double power = 0.;
  if (target > 0.) {
    double reach_w = (target - block_temp_) * model_.block_heat_capacity / tuning_.target_reach_time;
    double hold_w = xfer * (target - ambient_temp_);
    power = std::clamp((reach_w + hold_w) / model_.heater_power, 0., max_power_);
  }
  last_power_ = power;
  sink_.set_pwm(read_time, power);
}

bool ControlMpc::check_busy(double, double smoothed_temp, double target) {
  return std::abs(target - smoothed_temp) > 1. || std::abs(temp_rate_) > .1;
}

Json ControlMpc::get_status() const {
  return {{"mpc",
           {{"block_temp", std::round(block_temp_ * 100.) / 100.},
            {"sensor_temp", std::round(sensor_temp_ * 100.) / 100.},
            {"ambient_temp", std::round(ambient_temp_ * 100.) / 100.},
            {"power", last_power_}}}};
}

namespace {

// Temperature at time t by linear interpolation of the samples.
double temp_at(const std::vector<std::pair<double, double>>& s, double t) {
  auto it = std::lower_bound(s.begin(), s.end(), std::make_pair(t, -1e300));
  if (it == s.begin()) return s.front().second;
  if (it == s.end()) return s.back().second;
  auto [t1, v1] = *(it - 1);
  auto [t2, v2] = *it;
  return t2 > t1 ? v1 + (v2 - v1) * (t - t1) / (t2 - t1) : v2;
}

}  // namespace

MpcFit fit_mpc_heating(const std::vector<std::pair<double, double>>& samples, double start_time,
                       double ambient, double power) {
  if (samples.size() < 10) throw CommandError("MPC calibration: too few temperature samples");
  double t_end = samples.back().first, temp_end = samples.back().second;
  if (temp_end - ambient < 20.)
    throw CommandError("MPC calibration: the heater did not heat up enough to be measured");
  // Start after the sensor lag: once a fifth of the rise is done.
  double threshold = ambient + 0.2 * (temp_end - ambient);
  double t_a = t_end;
  for (auto& [t, v] : samples)
    if (t >= start_time && v >= threshold) {
      t_a = t;
      break;
    }
  double t_c = t_end, t_b = 0.5 * (t_a + t_c), dt = t_b - t_a;
  double v_a = temp_at(samples, t_a), v_b = temp_at(samples, t_b), v_c = temp_at(samples, t_c);
  double ratio = (v_c - v_b) / (v_b - v_a);
  if (!(dt > 0.) || !(ratio > 0.) || !(ratio < 1.))
    throw CommandError(
        "MPC calibration: the heating curve is not a first order response; try a higher TARGET");
  MpcFit fit;
  fit.ambient = ambient;
  fit.time_constant = -dt / std::log(ratio);
  fit.asymptotic_temp = (v_a * v_c - v_b * v_b) / (v_a + v_c - 2. * v_b);
  double rise = fit.asymptotic_temp - ambient;
  if (!(rise > 0.)) throw CommandError("MPC calibration: invalid asymptotic temperature");
  // Where an undelayed exponential from `ambient` would reach v_a; the rest is sensor delay.
  fit.sensor_delay = (t_a - start_time) + fit.time_constant *
                                              std::log((fit.asymptotic_temp - v_a) / rise);
  fit.model.heater_power = power;
  fit.model.ambient_transfer = power / rise;
  fit.model.block_heat_capacity = fit.model.ambient_transfer * fit.time_constant;
  fit.model.sensor_responsiveness = fit.sensor_delay > 0.05 ? 1. / fit.sensor_delay : 20.;
  return fit;
}

std::unique_ptr<HeaterControl> make_mpc_control(PwmHeater& heater, const ConfigWrapper& config) {
  MpcModel m;
  m.heater_power = config.getfloat("heater_power", {.above = 0.});
  m.block_heat_capacity = config.getfloat("block_heat_capacity", 0., {.minval = 0.});
  m.sensor_responsiveness = config.getfloat("sensor_responsiveness", 0., {.minval = 0.});
  m.ambient_transfer = config.getfloat("ambient_transfer", 0., {.minval = 0.});
  if (auto l = config.getfloatlist_opt("fan_ambient_transfer")) m.fan_ambient_transfer = *l;
  MpcTuning t;
  t.target_reach_time = config.getfloat("target_reach_time", 2.0, {.above = 0.});
  t.smoothing = config.getfloat("smoothing", 0.83, {.maxval = 1., .above = 0.});
  t.min_ambient_change = config.getfloat("min_ambient_change", 1.0, {.above = 0.});
  t.steady_state_rate = config.getfloat("steady_state_rate", 0.5, {.above = 0.});
  Printer& printer = config.get_printer();
  std::function<double()> fan_speed;
  if (auto fan = config.get_opt("cooling_fan")) {
    fan_speed = [&printer, name = *fan]() {
      PrinterObject* obj = printer.lookup_object(name);
      if (!obj) return 0.;
      Json st = obj->get_status(0.);
      return st.is_object() && st.contains("speed") && st["speed"].is_number()
                 ? st["speed"].get<double>()
                 : 0.;
    };
    printer.register_event_handler<>("klippy:connect", [&printer, name = *fan] {
      if (!printer.lookup_object(name))
        throw ConfigError(fmt::format("Unknown cooling_fan '{}'", name));
    });
  }
  std::function<std::optional<double>()> ambient;
  if (auto sensor = config.get_opt("ambient_temp_sensor")) {
    ambient = [&printer, name = *sensor]() -> std::optional<double> {
      auto* src = dynamic_cast<TemperatureSource*>(printer.lookup_object(name));
      if (!src) return std::nullopt;
      return src->get_temp(printer.get_reactor().monotonic()).first;
    };
    printer.register_event_handler<>("klippy:connect", [&printer, name = *sensor] {
      if (!dynamic_cast<TemperatureSource*>(printer.lookup_object(name)))
        throw ConfigError(fmt::format("Unknown ambient_temp_sensor '{}'", name));
    });
  }
  return std::make_unique<ControlMpc>(heater, heater.get_max_power(), std::move(m), t,
                                      std::move(fan_speed), std::move(ambient));
}

}  // namespace kpp
