// [heater_bed]: the heated bed (M140/M190), a heater reported as "B" in M105.
#pragma once

#include "core/config.h"
#include "core/gcode.h"
#include "modules/heaters_api.h"

namespace kpp {

class PrinterHeaterBed : public PrinterObject, public TemperatureSource {
 public:
  explicit PrinterHeaterBed(const ConfigWrapper& config);
  Json get_status(double eventtime) override { return heater_.get_status(eventtime); }
  std::pair<double, double> get_temp(double eventtime) override {
    return heater_.get_temp(eventtime);
  }
  Heater& heater() { return heater_; }

 private:
  void cmd_M140(GCodeCommand& gcmd, bool wait);
  Printer& printer_;
  Heater& heater_;
};

}  // namespace kpp
