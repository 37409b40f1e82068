// [temperature_sensor name]: a sensor that is only watched (M105 with gcode_id,
// TEMPERATURE_WAIT, status with the lowest and highest temperature seen).
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "modules/heaters_api.h"

namespace kpp {

class PrinterSensorGeneric : public PrinterObject, public TemperatureSource {
 public:
  explicit PrinterSensorGeneric(const ConfigWrapper& config);
  std::pair<double, double> get_temp(double) override { return {last_temp_, 0.}; }
  Json get_status(double eventtime) override;
  // "name: temp=21.5" for the Stats line.
  std::string stats(double eventtime) const;

 private:
  void temperature_callback(double read_time, double temp);
  std::string name_;
  std::unique_ptr<TemperatureSensor> sensor_;
  double min_temp_, max_temp_;
  double last_temp_ = 0.;
  double measured_min_ = 99999999., measured_max_ = 0.;
};

}  // namespace kpp
