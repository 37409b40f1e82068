// PID_CALIBRATE (Klipper's pid_calibrate.py): relay ("bang-bang") oscillation around the target,
// Astrom-Hagglund estimate of the ultimate gain and period, Ziegler-Nichols PID gains.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/gcode.h"
#include "modules/heater_control.h"

namespace kpp {

class PwmHeater;

// The calibration "control": full power below the target, off above target - 5, recording the
// temperature peaks of each half cycle.
class ControlAutoTune : public HeaterControl {
 public:
  static constexpr double kTuneDelta = 5.0;
  // `alter_target` changes the heater's target without range errors.
  ControlAutoTune(PwmSink& sink, double max_power, double target, double pwm_delay,
                  std::function<void(double)> alter_target);
  void temperature_update(double read_time, double temp, double target) override;
  bool check_busy(double eventtime, double smoothed_temp, double target) override;
  std::string get_type() const override { return "autotune"; }
  // Gains from the peaks ending at `pos` (Kp, Ki, Kd as configured, i.e. times 255).
  PidGains calc_pid(size_t pos) const;
  // Gains from the median oscillation period.
  PidGains calc_final_pid() const;
  const std::vector<std::pair<double, double>>& peaks() const { return peaks_; }
  // The /tmp/heattest.txt contents: "pwm: time value" lines, then "time temp" lines.
  std::string samples_text() const;

 private:
  void set_pwm(double read_time, double value);
  void check_peaks();
  PwmSink& sink_;
  double max_power_, calibrate_temp_, pwm_delay_;
  std::function<void(double)> alter_target_;
  bool heating_ = false;
  double peak_ = 0., peak_time_ = 0.;
  std::vector<std::pair<double, double>> peaks_;  // (temperature, time)
  double last_pwm_ = 0.;
  std::vector<std::pair<double, double>> pwm_samples_, temp_samples_;
};

class PidCalibrate : public PrinterObject {
 public:
  explicit PidCalibrate(const ConfigWrapper& config);

 private:
  void cmd_PID_CALIBRATE(GCodeCommand& gcmd);
  Printer& printer_;
};

}  // namespace kpp
