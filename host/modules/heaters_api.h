// What other modules need of heaters (Klipper's heaters.py Heater and PrinterHeaters): the
// extruder creates its heater through PrinterHeaters::setup_heater(), G-code handlers set and
// wait for temperatures. The temperature module implements these interfaces and registers the
// "heaters" printer object.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/printer.h"

namespace kpp {

class Heater {
 public:
  virtual ~Heater() = default;
  virtual const std::string& get_name() const = 0;
  // Set the target; CommandError when outside min_temp..max_temp.
  virtual void set_temp(double degrees) = 0;
  // (smoothed current temperature, target).
  virtual std::pair<double, double> get_temp(double eventtime) = 0;
  // True while the heater is still approaching its target (M109/M190 keep waiting).
  virtual bool check_busy(double eventtime) = 0;
  // Above min_extrude_temp (or cold extrusion allowed).
  virtual bool can_extrude() const = 0;
  virtual double get_max_power() const = 0;
  virtual double get_pwm_delay() const = 0;
  // "extruder: target=0 temp=21.3 pwm=0.000" for the Stats line.
  virtual std::string stats(double eventtime) = 0;
  // temperature, target, power (Status_Reference.md).
  virtual Json get_status(double eventtime) = 0;
};

class PrinterHeaters : public PrinterObject {
 public:
  // Create the heater of `config`'s section (sensor, control, pins). `gcode_id` is the name in
  // M105 replies ("T0", "B"); empty for none.
  virtual Heater& setup_heater(const ConfigWrapper& config, const std::string& gcode_id = {}) = 0;
  // ConfigError "Unknown heater '<name>'" when absent.
  virtual Heater& lookup_heater(const std::string& name) = 0;
  virtual std::vector<std::string> available_heaters() const = 0;
  // Set a target and optionally wait (pausing the calling G-code) until it is reached.
  virtual void set_temperature(Heater& heater, double temp, bool wait = false) = 0;
  virtual void turn_off_all_heaters(double print_time = 0.) = 0;
};

}  // namespace kpp
