// [temperature_sensor] sections.
#include "modules/temperature_sensor.h"

#include <algorithm>

#include <fmt/format.h>

#include "modules/temperature_sensors.h"

namespace kpp {

PrinterSensorGeneric::PrinterSensorGeneric(const ConfigWrapper& config) {
  const std::string& section = config.get_name();
  name_ = section.substr(section.find_last_of(' ') + 1);
  auto& pheaters = config.get_printer().load<PrinterHeaters>(config, "heaters");
  sensor_ = pheaters.setup_sensor(config);
  min_temp_ = config.getfloat("min_temp", kKelvinToCelsius, {.minval = kKelvinToCelsius});
  max_temp_ = config.getfloat("max_temp", 99999999.9, {.above = min_temp_});
  sensor_->setup_minmax(min_temp_, max_temp_);
  sensor_->setup_callback([this](double t, double v) { temperature_callback(t, v); });
  pheaters.register_sensor(config, *this);
}

void PrinterSensorGeneric::temperature_callback(double, double temp) {
  last_temp_ = temp;
  if (temp != 0.) {
    measured_min_ = std::min(measured_min_, temp);
    measured_max_ = std::max(measured_max_, temp);
  }
}

Json PrinterSensorGeneric::get_status(double) {
  return {{"temperature", round2(last_temp_)},
          {"measured_min_temp", round2(measured_min_)},
          {"measured_max_temp", round2(measured_max_)}};
}

std::string PrinterSensorGeneric::stats(double) const {
  return fmt::format("{}: temp={:.1f}", name_, last_temp_);
}

namespace {
std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterSensorGeneric>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(temperature_sensor, nullptr, kpp::load_prefix)
