// PID_CALIBRATE: relay autotune of a heater.
#include "modules/pid_calibrate.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "core/logging.h"
#include "core/toolhead_base.h"
#include "modules/heater.h"
#include "modules/heaters.h"
#include "modules/save_config.h"

namespace kpp {

ControlAutoTune::ControlAutoTune(PwmSink& sink, double max_power, double target,
                                 double pwm_delay, std::function<void(double)> alter_target)
    : sink_(sink),
      max_power_(max_power),
      calibrate_temp_(target),
      pwm_delay_(pwm_delay),
      alter_target_(std::move(alter_target)) {}

void ControlAutoTune::set_pwm(double read_time, double value) {
  if (value != last_pwm_) {
    pwm_samples_.emplace_back(read_time + pwm_delay_, value);
    last_pwm_ = value;
  }
  sink_.set_pwm(read_time, value);
}

void ControlAutoTune::temperature_update(double read_time, double temp, double target) {
  temp_samples_.emplace_back(read_time, temp);
  // Switch the relay when the temperature crosses the (moving) target.
  if (heating_ && temp >= target) {
    heating_ = false;
    check_peaks();
    alter_target_(calibrate_temp_ - kTuneDelta);
  } else if (!heating_ && temp <= target) {
    heating_ = true;
    check_peaks();
    alter_target_(calibrate_temp_);
  }
  if (heating_) {
    set_pwm(read_time, max_power_);
    if (temp < peak_) {
      peak_ = temp;
      peak_time_ = read_time;
    }
  } else {
    set_pwm(read_time, 0.);
    if (temp > peak_) {
      peak_ = temp;
      peak_time_ = read_time;
    }
  }
}

bool ControlAutoTune::check_busy(double, double, double) {
  return heating_ || peaks_.size() < 12;
}

void ControlAutoTune::check_peaks() {
  peaks_.emplace_back(peak_, peak_time_);
  peak_ = heating_ ? 9999999. : -9999999.;
  if (peaks_.size() < 4) return;
  calc_pid(peaks_.size() - 1);
}

PidGains ControlAutoTune::calc_pid(size_t pos) const {
  double temp_diff = peaks_[pos].first - peaks_[pos - 1].first;
  double time_diff = peaks_[pos].second - peaks_[pos - 2].second;
  // Astrom-Hagglund: a relay of amplitude max_power gives an oscillation of the ultimate period.
  double amplitude = .5 * std::abs(temp_diff);
  double ku = 4. * max_power_ / (M_PI * amplitude);
  double tu = time_diff;
  // Ziegler-Nichols.
  double ti = 0.5 * tu, td = 0.125 * tu;
  double kp = 0.6 * ku * ControlPid::kParamBase;
  PidGains g{kp, kp / ti, kp * td};
  log::info("Autotune: raw={:f}/{:f} Ku={:f} Tu={:f}  Kp={:f} Ki={:f} Kd={:f}", temp_diff,
            max_power_, ku, tu, g.kp, g.ki, g.kd);
  return g;
}

PidGains ControlAutoTune::calc_final_pid() const {
  std::vector<std::pair<double, size_t>> cycle_times;
  for (size_t pos = 4; pos < peaks_.size(); pos++)
    cycle_times.emplace_back(peaks_[pos].second - peaks_[pos - 2].second, pos);
  std::sort(cycle_times.begin(), cycle_times.end());
  return calc_pid(cycle_times[cycle_times.size() / 2].second);
}

std::string ControlAutoTune::samples_text() const {
  std::vector<std::string> lines;
  for (auto [t, v] : pwm_samples_) lines.push_back(fmt::format("pwm: {:.3f} {:.3f}", t, v));
  for (auto [t, v] : temp_samples_) lines.push_back(fmt::format("{:.3f} {:.3f}", t, v));
  std::string out;
  for (size_t i = 0; i < lines.size(); i++) out += (i ? "\n" : "") + lines[i];
  return out;
}

PidCalibrate::PidCalibrate(const ConfigWrapper& config) : printer_(config.get_printer()) {
  printer_.lookup<GCodeDispatch>("gcode").register_command(
      "PID_CALIBRATE", [this](GCodeCommand& g) { cmd_PID_CALIBRATE(g); }, false,
      "Run PID calibration test");
}

void PidCalibrate::cmd_PID_CALIBRATE(GCodeCommand& gcmd) {
  std::string heater_name = gcmd.get("HEATER");
  double target = gcmd.get_float("TARGET");
  int64_t write_file = gcmd.get_int("WRITE_FILE", 0);
  auto& pheaters = printer_.lookup<PrinterHeatersImpl>("heaters");
  PwmHeater* heater = pheaters.find_heater(heater_name);
  if (!heater) throw gcmd.error(fmt::format("Unknown heater '{}'", heater_name));
  if (auto* toolhead = printer_.try_lookup<ToolHeadBase>("toolhead"))
    toolhead->get_last_move_time();
  auto tune = std::make_unique<ControlAutoTune>(
      *heater, heater->get_max_power(), target, heater->get_pwm_delay(),
      [heater](double t) { heater->alter_target(t); });
  ControlAutoTune* calibrate = tune.get();
  auto old_control = heater->set_control(std::move(tune));
  std::unique_ptr<HeaterControl> done;
  try {
    pheaters.set_temperature(*heater, target, true);
  } catch (...) {
    done = heater->set_control(std::move(old_control));
    throw;
  }
  done = heater->set_control(std::move(old_control));
  if (write_file) std::ofstream("/tmp/heattest.txt") << calibrate->samples_text();
  if (calibrate->check_busy(0., 0., 0.)) throw gcmd.error("pid_calibrate interrupted");
  PidGains g = calibrate->calc_final_pid();
  log::info("Autotune: final: Kp={:f} Ki={:f} Kd={:f}", g.kp, g.ki, g.kd);
  const std::string& cfgname = heater->get_name();
  bool saved = save_config_option(printer_, cfgname, "control", "pid");
  saved = save_config_option(printer_, cfgname, "pid_Kp", fmt::format("{:.3f}", g.kp)) && saved;
  saved = save_config_option(printer_, cfgname, "pid_Ki", fmt::format("{:.3f}", g.ki)) && saved;
  saved = save_config_option(printer_, cfgname, "pid_Kd", fmt::format("{:.3f}", g.kd)) && saved;
  std::string msg =
      fmt::format("PID parameters: pid_Kp={:.3f} pid_Ki={:.3f} pid_Kd={:.3f}\n", g.kp, g.ki, g.kd);
  if (saved)
    msg += "The SAVE_CONFIG command will update the printer config file\n"
           "with these parameters and restart the printer.";
  else
    msg += fmt::format("Copy these parameters into the [{}] section of the printer config.",
                       cfgname);
  gcmd.respond_info(msg);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PidCalibrate>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(pid_calibrate, kpp::load, nullptr)
