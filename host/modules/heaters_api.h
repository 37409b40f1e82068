// What other modules need of heaters (Klipper's heaters.py Heater and PrinterHeaters): the
// extruder creates its heater through PrinterHeaters::setup_heater(), G-code handlers set and
// wait for temperatures, fans and sensors read temperatures. The temperature module implements
// these interfaces and registers the "heaters" printer object.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/printer.h"

namespace kpp {

// A source of temperature readings: thermistor, thermocouple, MCU sensor, ... Each reading goes
// to the callback with the print time it was taken at.
class TemperatureSensor {
 public:
  using Callback = std::function<void(double read_time, double temp)>;
  virtual ~TemperatureSensor() = default;
  // The valid range of its user; sensors with an MCU-side range check pass it on.
  virtual void setup_minmax(double min_temp, double max_temp) = 0;
  virtual void setup_callback(Callback callback) = 0;
  // Seconds between two readings.
  virtual double get_report_time_delta() const = 0;
};

// Creates the sensor of a config section that names it in "sensor_type".
using SensorFactory = std::function<std::unique_ptr<TemperatureSensor>(const ConfigWrapper&)>;

// Anything M105 and TEMPERATURE_WAIT can read: (current temperature, target).
class TemperatureSource {
 public:
  virtual ~TemperatureSource() = default;
  virtual std::pair<double, double> get_temp(double eventtime) = 0;
};

class Heater : public TemperatureSource {
 public:
  virtual const std::string& get_name() const = 0;
  // Set the target; CommandError when outside min_temp..max_temp.
  virtual void set_temp(double degrees) = 0;
  // (smoothed current temperature, target).
  std::pair<double, double> get_temp(double eventtime) override = 0;
  // True while the heater is still approaching its target (M109/M190 keep waiting).
  virtual bool check_busy(double eventtime) = 0;
  // Above min_extrude_temp (or cold extrusion allowed).
  virtual bool can_extrude() const = 0;
  virtual double get_max_power() const = 0;
  virtual double get_pwm_delay() const = 0;
  // "extruder: target=0 temp=21.3 pwm=0.000" for the Stats line.
  virtual std::string stats(double eventtime) = 0;
  // Whether the Stats line is worth logging for this heater (a target, or hot).
  virtual bool stats_active() const { return false; }
  // temperature, target, power (Status_Reference.md).
  virtual Json get_status(double eventtime) = 0;
};

class PrinterHeaters : public PrinterObject {
 public:
  // Create the heater of `config`'s section (sensor, control, pins). `gcode_id` is the name in
  // M105 replies ("T0", "B"); when empty the section's own gcode_id option is used if set.
  virtual Heater& setup_heater(const ConfigWrapper& config, const std::string& gcode_id = {}) = 0;
  // ConfigError "Unknown heater '<name>'" when absent.
  virtual Heater& lookup_heater(const std::string& name) = 0;
  virtual std::vector<std::string> available_heaters() const = 0;
  // Set a target and optionally wait (pausing the calling G-code) until it is reached.
  virtual void set_temperature(Heater& heater, double temp, bool wait = false) = 0;
  virtual void turn_off_all_heaters(double print_time = 0.) = 0;

  // ---- sensors ----
  // Make `sensor_type` usable in config sections (later registrations win).
  virtual void add_sensor_factory(const std::string& sensor_type, SensorFactory factory) = 0;
  // The sensor named by `config`'s sensor_type; ConfigError "Unknown temperature sensor '<x>'".
  virtual std::unique_ptr<TemperatureSensor> setup_sensor(const ConfigWrapper& config) = 0;
  // List `config`'s section among the available sensors and, with a gcode_id (given, or the
  // section's gcode_id option when not given), in M105 replies.
  virtual void register_sensor(const ConfigWrapper& config, TemperatureSource& source,
                               std::optional<std::string> gcode_id = std::nullopt) = 0;
  // List `config`'s section among the available monitors.
  virtual void register_monitor(const ConfigWrapper& config) = 0;
};

}  // namespace kpp
