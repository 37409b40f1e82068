// One PWM heater (Klipper's heaters.py Heater): a sensor, a control algorithm and a heater pin
// that the MCU turns off unless refreshed every 3 seconds. Used by [extruder], [heater_bed] and
// [heater_generic].
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/reactor.h"
#include "mcu/pin_types.h"
#include "modules/heater_control.h"
#include "modules/heaters_api.h"

namespace kpp {

class PwmHeater : public Heater, public PwmSink {
 public:
  // The MCU drops the heater pin when it hears nothing for this long.
  static constexpr double kMaxHeatTime = 3.0;
  // Heater power is forced off when the reactor has not run for this long.
  static constexpr double kMaxMainthreadTime = 5.0;
  // Readings older than this (seconds of print time) read as 0 degrees.
  static constexpr double kQuellStaleTime = 7.0;
  // Power changes smaller than this share of max_power are not sent.
  static constexpr double kMinPwmChangeRatio = 0.05;

  PwmHeater(const ConfigWrapper& config, std::unique_ptr<TemperatureSensor> sensor);
  ~PwmHeater() override;

  // ---- Heater ----
  // The config section name ("extruder", "heater_generic chamber").
  const std::string& get_name() const override { return name_; }
  void set_temp(double degrees) override;
  std::pair<double, double> get_temp(double eventtime) override;
  bool check_busy(double eventtime) override;
  bool can_extrude() const override { return can_extrude_; }
  double get_max_power() const override { return max_power_; }
  double get_pwm_delay() const override { return pwm_delay_; }
  std::string stats(double eventtime) override;
  bool stats_active() const override { return target_temp_ != 0. || last_temp_ > 50.; }
  Json get_status(double eventtime) override;

  // ---- PwmSink: the control's output for a reading taken at read_time ----
  void set_pwm(double read_time, double value) override;

  // ---- calibration and tools ----
  const std::string& short_name() const { return short_name_; }
  Printer& get_printer() { return printer_; }
  double get_smooth_time() const { return smooth_time_; }
  double min_temp() const { return min_temp_; }
  double max_temp() const { return max_temp_; }
  double target() const { return target_temp_; }
  double last_temp() const { return last_temp_; }
  double last_temp_time() const { return last_temp_time_; }
  double last_pwm() const { return last_pwm_value_; }
  HeaterControl& control() { return *control_; }
  // Replace the control algorithm (the target drops to 0); returns the previous one.
  std::unique_ptr<HeaterControl> set_control(std::unique_ptr<HeaterControl> control);
  // Change the target without range errors (clamped to min_temp..max_temp unless 0).
  void alter_target(double target);
  // Extra observers of every reading (calibration tools), after the control ran.
  using ReadingObserver = std::function<void(double read_time, double temp)>;
  void set_reading_observer(ReadingObserver observer) { observer_ = std::move(observer); }

 private:
  void temperature_callback(double read_time, double temp);
  void handle_ready();
  void handle_shutdown();
  Mcu& mcu();

  Printer& printer_;
  std::string name_, short_name_;
  std::unique_ptr<TemperatureSensor> sensor_;
  double min_temp_, max_temp_;
  double pwm_delay_;
  double min_extrude_temp_;
  bool can_extrude_;
  double max_power_;
  double smooth_time_, inv_smooth_time_;
  double verify_mainthread_time_ = -999.;
  double last_temp_ = 0., smoothed_temp_ = 0., target_temp_ = 0.;
  double last_temp_time_ = 0.;
  double next_pwm_time_ = 0.;
  double last_pwm_value_ = 0.;
  std::unique_ptr<HeaterControl> control_;
  std::shared_ptr<McuPwm> mcu_pwm_;
  Reactor::Timer* mainthread_timer_ = nullptr;
  ReadingObserver observer_;
};

// The control algorithm named by the section's "control" option.
std::unique_ptr<HeaterControl> make_heater_control(PwmHeater& heater, const ConfigWrapper& config);

}  // namespace kpp
