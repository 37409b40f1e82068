// [heater_generic name]: a heater driven by SET_HEATER_TEMPERATURE, optionally reported in M105
// under its gcode_id.
#pragma once

#include "core/config.h"
#include "modules/heaters_api.h"

namespace kpp {

class PrinterHeaterGeneric : public PrinterObject, public TemperatureSource {
 public:
  explicit PrinterHeaterGeneric(const ConfigWrapper& config)
      : heater_(config.get_printer().load<PrinterHeaters>(config, "heaters").setup_heater(config)) {}
  Json get_status(double eventtime) override { return heater_.get_status(eventtime); }
  std::pair<double, double> get_temp(double eventtime) override {
    return heater_.get_temp(eventtime);
  }
  Heater& heater() { return heater_; }

 private:
  Heater& heater_;
};

}  // namespace kpp
