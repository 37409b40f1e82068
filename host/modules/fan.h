// A fan (Klipper's fan.py Fan): a PWM pin with max_power, off_below, kick_start_time, an
// optional enable pin and shutdown speed, whose speed changes are queued behind the moves.
// Used by [fan] (M106/M107), [fan_generic], [heater_fan], [controller_fan], [temperature_fan].
#pragma once

#include <memory>
#include <optional>

#include "core/config.h"
#include "core/json.h"
#include "mcu/pin_types.h"
#include "modules/gcode_request_queue.h"

namespace kpp {

class Mcu;
class FrequencyCounter;

class Fan {
 public:
  explicit Fan(const ConfigWrapper& config, double default_shutdown_speed = 0.);
  ~Fan();
  Mcu& get_mcu() { return mcu_fan_->get_mcu(); }
  // Set the speed (0..1) at `print_time` (now, when not given).
  void set_speed(double value, std::optional<double> print_time = std::nullopt);
  // Set the speed when the moves queued so far have ended.
  void set_speed_from_command(double value);
  // speed (as requested) and rpm (null without a tachometer).
  Json get_status(double eventtime) const;

 private:
  GCodeRequestQueue::Result apply_speed(double print_time, double value);

  Printer& printer_;
  double max_power_, kick_start_time_, off_below_;
  double last_fan_value_ = 0., last_req_value_ = 0.;
  std::shared_ptr<McuPwm> mcu_fan_;
  std::shared_ptr<McuDigitalOut> enable_pin_;
  std::unique_ptr<GCodeRequestQueue> gcrq_;
  std::unique_ptr<FrequencyCounter> tachometer_;
  int tachometer_ppr_ = 2;
};

}  // namespace kpp
