// Heater control algorithms: watermark (bang-bang with hysteresis) and PID (Klipper's
// heaters.py ControlBangBang / ControlPID). Each reading goes in, a heater power comes out.
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/json.h"

namespace kpp {

// Where a control algorithm sends the power it wants (0..max_power) for the time of a reading.
class PwmSink {
 public:
  virtual ~PwmSink() = default;
  virtual void set_pwm(double read_time, double value) = 0;
};

class HeaterControl {
 public:
  virtual ~HeaterControl() = default;
  // A new reading `temp` taken at `read_time`; the control calls sink.set_pwm() once.
  virtual void temperature_update(double read_time, double temp, double target) = 0;
  // Still approaching the target (M109/M190/TEMPERATURE_WAIT keep waiting).
  virtual bool check_busy(double eventtime, double smoothed_temp, double target) = 0;
  // "watermark", "pid", "mpc".
  virtual std::string get_type() const = 0;
  // Extra status fields for the heater's status (null: none).
  virtual Json get_status() const { return nullptr; }
  // Why the heater may not be given a target yet (empty: it may).
  virtual std::string not_ready_reason() const { return {}; }
};

// Full power below target - max_delta, off above target + max_delta.
class ControlWatermark : public HeaterControl {
 public:
  ControlWatermark(PwmSink& sink, double max_power, double max_delta)
      : sink_(sink), max_power_(max_power), max_delta_(max_delta) {}
  void temperature_update(double read_time, double temp, double target) override;
  bool check_busy(double, double smoothed_temp, double target) override {
    return smoothed_temp < target - max_delta_;
  }
  std::string get_type() const override { return "watermark"; }

 private:
  PwmSink& sink_;
  double max_power_, max_delta_;
  bool heating_ = false;
};

// Gains as configured (pid_Kp etc.); the output is divided by 255 as in Klipper.
struct PidGains {
  double kp = 0., ki = 0., kd = 0.;
};

// PID on the measured temperature: the derivative is smoothed over `smooth_time` and the
// integral is kept within 0..max_power/Ki and frozen while the output saturates.
class ControlPid : public HeaterControl {
 public:
  static constexpr double kParamBase = 255.;
  static constexpr double kAmbientTemp = 25.;
  static constexpr double kSettleDelta = 1.;
  static constexpr double kSettleSlope = .1;

  ControlPid(PwmSink& sink, double max_power, PidGains gains, double smooth_time);
  void temperature_update(double read_time, double temp, double target) override;
  bool check_busy(double eventtime, double smoothed_temp, double target) override;
  std::string get_type() const override { return "pid"; }
  double derivative() const { return prev_temp_deriv_; }
  double integral() const { return prev_temp_integ_; }

 private:
  PwmSink& sink_;
  double max_power_;
  double kp_, ki_, kd_;
  double min_deriv_time_;
  double temp_integ_max_ = 0.;
  double prev_temp_ = kAmbientTemp;
  double prev_temp_time_ = 0.;
  double prev_temp_deriv_ = 0.;
  double prev_temp_integ_ = 0.;
};

}  // namespace kpp
