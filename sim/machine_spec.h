// The simulated machine as printer.cfg describes it: which pins drive which motor, heater and
// fan, step distances, endstop positions, kinematics, sensor types and probe offsets. The
// simulator reads the same file as the host, so a user needs no second description.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "sim/thermistor_curve.h"

namespace kpp::sim {

// A pin of a simulated MCU as printer.cfg names it ("^!PA3", "zboard:PB1"). `pin` is -1 for a
// virtual pin (probe:z_virtual_endstop) or a name the sim board does not have.
struct PinRef {
  int pin = -1;
  bool invert = false;
  bool pullup = false;
  bool pulldown = false;
  std::string chip = "mcu";  // the MCU or virtual chip the pin belongs to
  std::string name;          // pin name after alias resolution ("PA3", "z_virtual_endstop")
  bool valid() const { return pin >= 0; }
};

// One stepper motor: a [stepper_*], [extruder*] or [extruder_stepper *] section.
struct StepperSpec {
  std::string name;  // section name
  PinRef step, dir, enable;
  double step_dist = 0.;          // mm (or degrees) per step
  bool step_both_edges = false;   // every toggle of the step pin is a step (TMC drivers)
  bool is_extruder = false;
  // A rail (the steppers of the kinematics): endstop and travel limits.
  bool has_rail = false;
  PinRef endstop;
  bool endstop_is_probe = false;  // probe:z_virtual_endstop
  double position_endstop = 0., position_min = 0., position_max = 0.;
  bool homing_positive_dir = false;
  // Delta towers: arm length and tower angle (degrees).
  double arm_length = 0., angle = 0., radius = 0.;
};

// First-order thermal plant of a heater (see thermal_model.h).
struct ThermalParams {
  double power = 40.;       // heater power at full duty (W)
  double gain = 10.;        // steady-state rise per watt (degC/W): rise at full power = power*gain
  double time_constant = 60.;  // seconds
  double ambient = 25.;     // degC
};

// A temperature sensor, with the heater that warms it (heater pin -1 for a plain sensor).
struct HeaterSpec {
  std::string name;  // "extruder", "heater_bed", "heater_generic chamber", "temperature_sensor x"
  PinRef heater;
  PinRef sensor;
  std::string sensor_type;
  // Set when the sensor is an ADC thermistor the model can serve.
  std::optional<ThermistorCurve> curve;
  ThermalParams thermal;
};

struct FanSpec {
  std::string name;  // "fan", "heater_fan hotend_fan", ...
  PinRef pin;
};

struct ProbeSpec {
  PinRef pin;
  double x_offset = 0., y_offset = 0., z_offset = 0.;
};

struct MachineSpec {
  std::string kinematics;  // [printer] kinematics
  std::vector<StepperSpec> steppers;
  std::vector<HeaterSpec> heaters;
  std::vector<FanSpec> fans;
  std::optional<ProbeSpec> probe;
  // Delta: [printer] delta_radius.
  double delta_radius = 0.;

  // Build from a parsed printer.cfg. Throws ConfigError naming section and option for values the
  // model needs but cannot read, as the host would.
  static MachineSpec from_config(const ConfigFile& config);
  static MachineSpec from_file(const std::string& path);

  const StepperSpec* find_stepper(std::string_view name) const;
  const HeaterSpec* find_heater(std::string_view name) const;
};

// Parse "^!mcu:PA3" (modifiers, chip prefix, [board_pins] aliases already applied by caller).
PinRef parse_pin_ref(std::string_view desc);

}  // namespace kpp::sim
