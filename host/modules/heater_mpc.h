// Model-predictive heater control ("control: mpc", beyond Klipper; after Marlin's MPCTEMP and
// Kalico's MPC). A two-mass thermal model (heater block, sensor) runs alongside the heater; each
// reading corrects the model, and the power is what brings the modelled block to the target
// within target_reach_time while making up for the modelled losses to ambient air and fans.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "modules/heater_control.h"

namespace kpp {

class PwmHeater;

// Calibrated model of a heater (SI units).
struct MpcModel {
  double heater_power = 0.;           // W at full duty
  double block_heat_capacity = 0.;    // J/K
  double sensor_responsiveness = 0.;  // 1/s: sensor approaches the block at this rate
  double ambient_transfer = 0.;       // W/K to ambient with the fan off
  // Extra W/K at fan speeds spread evenly over 0..1 (first entry at speed 0).
  std::vector<double> fan_ambient_transfer;
  // W/K to ambient at `fan_speed` (0..1).
  double transfer_at(double fan_speed) const;
};

struct MpcTuning {
  double target_reach_time = 2.0;   // s
  double smoothing = 0.83;          // share of the model error removed per second
  double min_ambient_change = 1.0;  // K/s the ambient estimate may move at most
  double steady_state_rate = 0.5;   // K/s: below this rate the heater counts as steady
};

class ControlMpc : public HeaterControl {
 public:
  // `fan_speed` and `ambient_sensor` may be empty (no fan; estimate ambient from the model).
  ControlMpc(PwmSink& sink, double max_power, MpcModel model, MpcTuning tuning,
             std::function<double()> fan_speed = {},
             std::function<std::optional<double>()> ambient_sensor = {});
  void temperature_update(double read_time, double temp, double target) override;
  bool check_busy(double eventtime, double smoothed_temp, double target) override;
  std::string get_type() const override { return "mpc"; }
  Json get_status() const override;
  std::string not_ready_reason() const override {
    return calibrated() ? std::string() : "not calibrated for MPC; run MPC_CALIBRATE";
  }
  const MpcModel& model() const { return model_; }
  void set_model(MpcModel model) { model_ = std::move(model); }
  // Start the model from known temperatures (calibration holds from a measured ambient).
  void reset(double read_time, double temp, double ambient);
  const MpcTuning& tuning() const { return tuning_; }
  bool calibrated() const;
  double block_temp() const { return block_temp_; }
  double sensor_temp() const { return sensor_temp_; }
  double ambient_temp() const { return ambient_temp_; }
  double last_power() const { return last_power_; }

 private:
  PwmSink& sink_;
  double max_power_;
  MpcModel model_;
  MpcTuning tuning_;
  std::function<double()> fan_speed_;
  std::function<std::optional<double>()> ambient_sensor_;
  bool initialized_ = false;
  double last_time_ = 0.;
  double block_temp_ = 0., sensor_temp_ = 0., ambient_temp_ = 25.;
  double last_power_ = 0.;
  double last_temp_ = 0., temp_rate_ = 0.;
};

// The heating curve of a calibration run: samples (time, temperature) from the moment full
// power `power` (W) was switched on with the heater at `ambient`.
struct MpcFit {
  double ambient = 0.;
  double asymptotic_temp = 0.;  // where full power would settle
  double time_constant = 0.;    // s
  double sensor_delay = 0.;     // s
  MpcModel model;
};
// Fit a first-order response (with a dead time for the sensor) to the curve. Throws
// CommandError when the curve is not a first-order approach.
MpcFit fit_mpc_heating(const std::vector<std::pair<double, double>>& samples, double start_time,
                       double ambient, double power);

// The mpc control of a [extruder]/[heater_*] section.
std::unique_ptr<HeaterControl> make_mpc_control(PwmHeater& heater, const ConfigWrapper& config);

}  // namespace kpp
