// Watermark and PID heater control.
#include "modules/heater_control.h"

#include <algorithm>
#include <cmath>

namespace kpp {

void ControlWatermark::temperature_update(double read_time, double temp, double target) {
  if (heating_ && temp >= target + max_delta_)
    heating_ = false;
  else if (!heating_ && temp <= target - max_delta_)
    heating_ = true;
  sink_.set_pwm(read_time, heating_ ? max_power_ : 0.);
}

ControlPid::ControlPid(PwmSink& sink, double max_power, PidGains gains, double smooth_time)
    : sink_(sink),
      max_power_(max_power),
      kp_(gains.kp / kParamBase),
      ki_(gains.ki / kParamBase),
      kd_(gains.kd / kParamBase),
      min_deriv_time_(smooth_time) {
  if (ki_ != 0.) temp_integ_max_ = max_power_ / ki_;
}

void ControlPid::temperature_update(double read_time, double temp, double target) {
  double time_diff = read_time - prev_temp_time_;
  // Rate of change, averaged over at least min_deriv_time to tame sensor noise.
  double temp_diff = temp - prev_temp_;
  double temp_deriv;
  if (time_diff >= min_deriv_time_)
    temp_deriv = temp_diff / time_diff;
  else
    temp_deriv =
        (prev_temp_deriv_ * (min_deriv_time_ - time_diff) + temp_diff) / min_deriv_time_;
  double temp_err = target - temp;
  double temp_integ = prev_temp_integ_ + temp_err * time_diff;
  temp_integ = std::clamp(temp_integ, 0., temp_integ_max_);
  double co = kp_ * temp_err + ki_ * temp_integ - kd_ * temp_deriv;
  double bounded_co = std::clamp(co, 0., max_power_);
  sink_.set_pwm(read_time, bounded_co);
  prev_temp_ = temp;
  prev_temp_time_ = read_time;
  prev_temp_deriv_ = temp_deriv;
  // Anti-windup: the integral only advances while the output is not saturated.
  if (co == bounded_co) prev_temp_integ_ = temp_integ;
}

bool ControlPid::check_busy(double, double smoothed_temp, double target) {
  double temp_diff = target - smoothed_temp;
  return std::abs(temp_diff) > kSettleDelta || std::abs(prev_temp_deriv_) > kSettleSlope;
}

}  // namespace kpp
