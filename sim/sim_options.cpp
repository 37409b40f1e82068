// Simulator options (see sim_options.h).
#include "sim/sim_options.h"

#include <stdexcept>

#include <fmt/format.h>

#include "core/config.h"

namespace kpp::sim {

HeaterFault parse_heater_fault(std::string_view s) {
  if (s == "none") return HeaterFault::kNone;
  if (s == "open") return HeaterFault::kOpenSensor;
  if (s == "short") return HeaterFault::kShortedSensor;
  if (s == "noheat") return HeaterFault::kNoHeat;
  throw std::invalid_argument(
      fmt::format("unknown heater fault '{}' (open, short, noheat, none)", s));
}

bool SimOptions::parse(std::string_view name, std::string_view value) {
  auto number = [&](std::string_view v) {
    auto d = parse_config_float(v);
    if (!d) throw std::invalid_argument(fmt::format("--{}: '{}' is not a number", name, v));
    return *d;
  };
  auto split = [](std::string_view v, char sep) {
    auto at = v.find(sep);
    if (at == std::string_view::npos)
      throw std::invalid_argument(fmt::format("expected '{}' in '{}'", sep, v));
    return std::pair{v.substr(0, at), v.substr(at + 1)};
  };
  if (name == "bed") {
    bed.parse(value);
    bed_given = true;
  } else if (name == "start") {
    std::vector<double> v;
    std::string_view rest = value;
    while (true) {
      auto comma = rest.find(',');
      v.push_back(number(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (v.size() != 3) throw std::invalid_argument("--start takes X,Y,Z");
    start_pos = Vec3{v[0], v[1], v[2]};
  } else if (name == "ambient") {
    ambient = number(value);
  } else if (name == "fault") {
    auto [heater, kind] = split(value, '=');
    faults[std::string(heater)] = parse_heater_fault(kind);
  } else if (name == "thermal") {
    auto [heater, params] = split(value, ':');
    thermal[std::string(heater)] = std::string(params);
  } else {
    return false;
  }
  return true;
}

const char* SimOptions::help() {
  return "  --bed SHAPE          bed surface: flat (default), tilt:SX,SY (mm/mm), warp:MM,\n"
         "                       offset:MM, joined by '/' (e.g. tilt:0.002,0/warp:0.1)\n"
         "  --start X,Y,Z        nozzle position at power-on (default: middle of the travel)\n"
         "  --ambient DEGC       room temperature (default 25)\n"
         "  --fault HEATER=KIND  open | short (thermistor), noheat (heater), none\n"
         "  --thermal HEATER:power=W,gain=C/W,tau=S  thermal plant of a heater\n";
}

}  // namespace kpp::sim
