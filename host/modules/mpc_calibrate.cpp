// MPC_CALIBRATE: measure a heater's thermal model.
#include "modules/mpc_calibrate.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/logging.h"
#include "core/toolhead_base.h"
#include "modules/heater.h"
#include "modules/heater_mpc.h"
#include "modules/heaters.h"
#include "modules/save_config.h"

namespace kpp {

namespace {

// Drives the heater during the calibration and records every reading.
class CalibrationControl : public HeaterControl {
 public:
  enum class Mode { kOff, kFull, kHold };
  CalibrationControl(PwmHeater& heater) : heater_(heater) {}
  void temperature_update(double read_time, double temp, double target) override {
    samples.emplace_back(read_time, temp);
    double dt = samples.size() > 1 ? read_time - samples[samples.size() - 2].first : 0.;
    switch (mode) {
      case Mode::kOff:
        heater_.set_pwm(read_time, 0.);
        break;
      case Mode::kFull:
        heater_.set_pwm(read_time, heater_.get_max_power());
        break;
      case Mode::kHold:
        hold->temperature_update(read_time, temp, target);
        if (measuring) {
          energy += hold->last_power() * dt;
          temp_sum += temp * dt;
          measured_time += dt;
        }
        break;
    }
  }
  bool check_busy(double, double, double) override { return true; }
  std::string get_type() const override { return "mpc_calibrate"; }

  Mode mode = Mode::kOff;
  std::unique_ptr<ControlMpc> hold;
  bool measuring = false;
  double energy = 0., temp_sum = 0., measured_time = 0.;
  std::vector<std::pair<double, double>> samples;

 private:
  PwmHeater& heater_;
};

constexpr double kSettleWindow = 20.;
constexpr double kHoldSettleTime = 30.;
constexpr double kHoldMeasureTime = 30.;

}  // namespace

MpcCalibrate::MpcCalibrate(const ConfigWrapper& config) : printer_(config.get_printer()) {
  printer_.lookup<GCodeDispatch>("gcode").register_command(
      "MPC_CALIBRATE", [this](GCodeCommand& g) { cmd_MPC_CALIBRATE(g); }, false,
      "Measure the thermal model of a heater for MPC control");
}

void MpcCalibrate::cmd_MPC_CALIBRATE(GCodeCommand& gcmd) {
  std::string heater_name = gcmd.get("HEATER");
  auto& pheaters = printer_.lookup<PrinterHeatersImpl>("heaters");
  PwmHeater* heater = pheaters.find_heater(heater_name);
  if (!heater) throw gcmd.error(fmt::format("Unknown heater '{}'", heater_name));
  auto* mpc = dynamic_cast<ControlMpc*>(&heater->control());
  if (!mpc) throw gcmd.error(fmt::format("Heater '{}' does not use control: mpc", heater_name));
  double target = gcmd.get_float("TARGET", 200., {.maxval = heater->max_temp(), .above = 0.});
  if (auto* toolhead = printer_.try_lookup<ToolHeadBase>("toolhead"))
    toolhead->get_last_move_time();
  auto& reactor = printer_.get_reactor();
  MpcModel model = mpc->model();
  double full_power = model.heater_power * heater->get_max_power();

  auto cal_owned = std::make_unique<CalibrationControl>(*heater);
  CalibrationControl* cal = cal_owned.get();
  auto old_control = heater->set_control(std::move(cal_owned));
  auto restore = [&] { heater->set_control(std::move(old_control)); };
  // Wait (reading once a second) until `done` or the time limit; shutdown aborts.
  auto wait_for = [&](double limit, const std::function<bool()>& done, const char* what) {
    double eventtime = reactor.monotonic(), end = eventtime + limit;
    while (!done()) {
      if (printer_.is_shutdown()) throw gcmd.error("mpc_calibrate interrupted");
      if (eventtime > end) throw gcmd.error(fmt::format("MPC calibration: {}", what));
      eventtime = reactor.pause(eventtime + 1.);
    }
  };
  MpcFit fit;
  try {
    // 1. A steady starting temperature, taken as ambient.
    gcmd.respond_info(fmt::format("Waiting for heater '{}' to settle", heater_name));
    wait_for(1800., [&] {
      auto& s = cal->samples;
      if (s.empty() || s.back().first - s.front().first < kSettleWindow) return false;
      double lo = 1e9, hi = -1e9;
      for (auto it = s.rbegin(); it != s.rend() && s.back().first - it->first <= kSettleWindow; ++it) {
        lo = std::min(lo, it->second);
        hi = std::max(hi, it->second);
      }
      return hi - lo < 1.0;
    }, "the temperature did not settle");
    double ambient = cal->samples.back().second;
    // 2. Full power up to the target.
    gcmd.respond_info(fmt::format("Heating to {:.1f} at full power", target));
    double start_time = cal->samples.back().first + heater->get_pwm_delay();
    size_t first = cal->samples.size();
    heater->alter_target(target);
    cal->mode = CalibrationControl::Mode::kFull;
    wait_for(900., [&] { return cal->samples.back().second >= target; },
             "the heater did not reach the target");
    std::vector<std::pair<double, double>> curve(cal->samples.begin() + first, cal->samples.end());
    fit = fit_mpc_heating(curve, start_time, ambient, full_power);
    fit.model.heater_power = model.heater_power;
    fit.model.ambient_transfer = full_power / (fit.asymptotic_temp - ambient);
    fit.model.block_heat_capacity = fit.model.ambient_transfer * fit.time_constant;
    // 3. Hold the target with the first model; the average power is the loss to ambient.
    gcmd.respond_info(fmt::format("Holding {:.1f} to measure heat losses", target));
    cal->hold = std::make_unique<ControlMpc>(*heater, heater->get_max_power(), fit.model,
                                             mpc->tuning());
    cal->hold->reset(cal->samples.back().first, cal->samples.back().second, ambient);
    cal->mode = CalibrationControl::Mode::kHold;
    double settle_end = reactor.monotonic() + kHoldSettleTime;
    wait_for(kHoldSettleTime + 5., [&] { return reactor.monotonic() >= settle_end; }, "timeout");
    cal->measuring = true;
    wait_for(kHoldMeasureTime + 5., [&] { return cal->measured_time >= kHoldMeasureTime; },
             "no temperature readings");
    double avg_power_w = cal->energy / cal->measured_time * model.heater_power;
    double avg_temp = cal->temp_sum / cal->measured_time;
    if (avg_temp - ambient < 10.) throw gcmd.error("MPC calibration: the target was not held");
    fit.model.ambient_transfer = avg_power_w / (avg_temp - ambient);
    fit.model.block_heat_capacity = fit.model.ambient_transfer * fit.time_constant;
  } catch (...) {
    restore();
    throw;
  }
  restore();
  fit.model.fan_ambient_transfer = model.fan_ambient_transfer;
  mpc->set_model(fit.model);
  const MpcModel& m = fit.model;
  log::info("MPC calibration of {}: ambient={:.2f} tau={:.2f} asymptote={:.1f} delay={:.2f}",
            heater_name, fit.ambient, fit.time_constant, fit.asymptotic_temp, fit.sensor_delay);
  const std::string& cfg = heater->get_name();
  bool saved = save_config_option(printer_, cfg, "control", "mpc");
  saved = save_config_option(printer_, cfg, "block_heat_capacity",
                             fmt::format("{:.4f}", m.block_heat_capacity)) && saved;
  saved = save_config_option(printer_, cfg, "sensor_responsiveness",
                             fmt::format("{:.6f}", m.sensor_responsiveness)) && saved;
  saved = save_config_option(printer_, cfg, "ambient_transfer",
                             fmt::format("{:.6f}", m.ambient_transfer)) && saved;
  std::string msg = fmt::format(
      "Finished MPC calibration of heater '{}'\n"
      "Measured: ambient={:.1f} time_constant={:.2f}s sensor_delay={:.2f}s\n"
      "block_heat_capacity={:.4f} sensor_responsiveness={:.6f} ambient_transfer={:.6f}\n",
      heater_name, fit.ambient, fit.time_constant, fit.sensor_delay, m.block_heat_capacity,
      m.sensor_responsiveness, m.ambient_transfer);
  if (saved)
    msg += "The SAVE_CONFIG command will update the printer config file\n"
           "with these parameters and restart the printer.";
  else
    msg += fmt::format("The heater uses them now; copy them into the [{}] section of the "
                       "printer config to keep them.", cfg);
  gcmd.respond_info(msg);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<MpcCalibrate>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(mpc_calibrate, kpp::load, nullptr)
