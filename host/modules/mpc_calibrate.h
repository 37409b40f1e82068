// MPC_CALIBRATE HEATER=<name> [TARGET=<temp>] [FAN_BREAKPOINTS=<n>]: measures the thermal model
// of a heater with "control: mpc" (beyond Klipper; see docs/temperature.md). The heater cools to
// a steady temperature, heats at full power to the target (a first-order fit of this curve gives
// the time constant, the sensor delay and a first model), then holds the target with that model
// while the average power gives the heat lost to ambient air, once per fan speed breakpoint.
#pragma once

#include "core/gcode.h"

namespace kpp {

class MpcCalibrate : public PrinterObject {
 public:
  explicit MpcCalibrate(const ConfigWrapper& config);

 private:
  void cmd_MPC_CALIBRATE(GCodeCommand& gcmd);
  Printer& printer_;
};

}  // namespace kpp
