// What the simulated printer is like beyond printer.cfg: bed shape, where the nozzle starts,
// thermal plants, injected faults. Set from klipper-sim's command line or by tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/bed_surface.h"
#include "sim/machine_kinematics.h"

namespace kpp::sim {

enum class HeaterFault {
  kNone,
  kOpenSensor,     // thermistor disconnected: the ADC reads full scale (very cold)
  kShortedSensor,  // thermistor shorted: the ADC reads zero (very hot)
  kNoHeat,         // the heater delivers no heat (broken cartridge, blown fuse)
};

struct SimOptions {
  BedSurface bed;
  bool bed_given = false;  // otherwise centred on the axis ranges of printer.cfg
  // Nozzle position at power-on (default: the middle of the x/y travel, z at half its travel).
  std::optional<Vec3> start_pos;
  double ambient = 25.;
  std::map<std::string, HeaterFault> faults;  // by heater name ("extruder", "heater_bed")
  // Thermal plant overrides by heater name: "power=W,gain=C/W,tau=S".
  std::map<std::string, std::string> thermal;

  // Parse one command-line option (without its leading "--"), e.g. "bed" and "tilt:0.01,0".
  // Returns false for an option that is not the model's; throws std::invalid_argument with a
  // readable message for a bad value.
  bool parse(std::string_view name, std::string_view value);
  // The --help text of these options.
  static const char* help();
};

HeaterFault parse_heater_fault(std::string_view s);

}  // namespace kpp::sim
