// The registry of built-in temperature sensor types ("EPCOS 100K B57560G104F", "AD595",
// "MAX31855", "temperature_mcu", ...). Sensor modules add their types at start-up; the heaters
// object consults it after the types defined by config sections ([thermistor], ...).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "modules/heaters_api.h"

namespace kpp {

inline constexpr double kKelvinToCelsius = -273.15;

void register_builtin_sensor(const std::string& sensor_type, SensorFactory factory);
const std::map<std::string, SensorFactory>& builtin_sensors();

// Python's round(x, 2) as Klipper's status fields use it.
double round2(double x);

}  // namespace kpp

// Use at namespace scope: KPP_REGISTER_SENSOR(max6675, "MAX6675", factory);
#define KPP_REGISTER_SENSOR(id, type, factory)                  \
  namespace {                                                   \
  const bool kpp_sensor_registered_##id = [] {                  \
    ::kpp::register_builtin_sensor(type, factory);              \
    return true;                                                \
  }();                                                          \
  }

namespace kpp {

// A sensor that is also a printer object ("temperature_host name"): the heaters object owns the
// proxy, the printer owns the sensor.
class SharedSensorProxy : public TemperatureSensor {
 public:
  explicit SharedSensorProxy(std::shared_ptr<TemperatureSensor> sensor)
      : sensor_(std::move(sensor)) {}
  void setup_minmax(double min_temp, double max_temp) override {
    sensor_->setup_minmax(min_temp, max_temp);
  }
  void setup_callback(Callback callback) override { sensor_->setup_callback(std::move(callback)); }
  double get_report_time_delta() const override { return sensor_->get_report_time_delta(); }

 private:
  std::shared_ptr<TemperatureSensor> sensor_;
};

}  // namespace kpp
