// The "heaters" printer object (Klipper's heaters.py PrinterHeaters): creates heaters and
// sensors, and answers M105, TEMPERATURE_WAIT and TURN_OFF_HEATERS.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "modules/heater.h"
#include "modules/heaters_api.h"

namespace kpp {

class PrinterHeatersImpl : public PrinterHeaters {
 public:
  explicit PrinterHeatersImpl(const ConfigWrapper& config);

  Heater& setup_heater(const ConfigWrapper& config, const std::string& gcode_id = {}) override;
  Heater& lookup_heater(const std::string& name) override;
  std::vector<std::string> available_heaters() const override { return available_heaters_; }
  void set_temperature(Heater& heater, double temp, bool wait = false) override;
  void turn_off_all_heaters(double print_time = 0.) override;
  void add_sensor_factory(const std::string& sensor_type, SensorFactory factory) override;
  std::unique_ptr<TemperatureSensor> setup_sensor(const ConfigWrapper& config) override;
  void register_sensor(const ConfigWrapper& config, TemperatureSource& source,
                       std::optional<std::string> gcode_id = std::nullopt) override;
  void register_monitor(const ConfigWrapper& config) override;
  Json get_status(double eventtime) override;

  // "B:60.0 /60.0 T0:200.0 /200.0" (Klipper's M105 answer); "T:0" before the printer is ready.
  std::string temperature_report(double eventtime);
  // Pause the calling command until the heater settles, reporting temperatures once a second.
  void wait_for_temperature(Heater& heater);
  // The heater by its short name ("extruder"), or null.
  PwmHeater* find_heater(const std::string& name);

 private:
  void cmd_M105(GCodeCommand& gcmd);
  void cmd_TEMPERATURE_WAIT(GCodeCommand& gcmd);

  Printer& printer_;
  std::map<std::string, SensorFactory> sensor_factories_;
  std::map<std::string, std::unique_ptr<PwmHeater>> heaters_;
  std::map<std::string, TemperatureSource*> gcode_id_to_sensor_;
  std::vector<std::string> available_heaters_, available_sensors_, available_monitors_;
  bool has_started_ = false;
};

}  // namespace kpp
