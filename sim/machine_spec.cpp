// Reading the simulated machine from printer.cfg (see machine_spec.h).
#include "sim/machine_spec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "boards/sim/sim_pins.h"

namespace kpp::sim {

namespace {

// Typed reads of one section with the host's texts for missing and malformed options.
class Section {
 public:
  Section(const ConfigFile& file, const ConfigSectionData& data) : file_(file), data_(data) {}
  const std::string& name() const { return data_.name; }
  bool has(std::string_view option) const { return data_.find(option) != nullptr; }
  std::optional<std::string> get_opt(std::string_view option) const {
    const ConfigOption* o = data_.find(option);
    if (!o) return std::nullopt;
    return o->value;
  }
  std::string get(std::string_view option) const {
    auto v = get_opt(option);
    if (!v) throw missing(option);
    return *v;
  }
  std::string get(std::string_view option, std::string_view def) const {
    return get_opt(option).value_or(std::string(def));
  }
  std::optional<double> getfloat_opt(std::string_view option) const {
    const ConfigOption* o = data_.find(option);
    if (!o) return std::nullopt;
    auto v = parse_config_float(o->value);
    if (!v) throw bad(option, *o);
    return v;
  }
  double getfloat(std::string_view option) const {
    auto v = getfloat_opt(option);
    if (!v) throw missing(option);
    return *v;
  }
  double getfloat(std::string_view option, double def) const {
    return getfloat_opt(option).value_or(def);
  }
  int64_t getint(std::string_view option, int64_t def) const {
    const ConfigOption* o = data_.find(option);
    if (!o) return def;
    auto v = parse_config_int(o->value);
    if (!v) throw bad(option, *o);
    return *v;
  }
  std::optional<bool> getbool_opt(std::string_view option) const {
    const ConfigOption* o = data_.find(option);
    if (!o) return std::nullopt;
    auto v = parse_config_bool(o->value);
    if (!v) throw bad(option, *o);
    return v;
  }

 private:
  ConfigError missing(std::string_view option) const {
    return ConfigError(fmt::format("Option '{}' in section '{}' must be specified", option,
                                   data_.name));
  }
  ConfigError bad(std::string_view option, const ConfigOption& o) const {
    return ConfigError(fmt::format("Unable to parse option '{}' in section '{}' ({})", option,
                                   data_.name, file_.describe_location(o.file, o.line)));
  }
  const ConfigFile& file_;
  const ConfigSectionData& data_;
};

std::string_view strip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// [board_pins] aliases for the main MCU: alias -> pin name.
std::map<std::string, std::string> board_aliases(const ConfigFile& file) {
  std::map<std::string, std::string> out;
  for (const ConfigSectionData& sec : file.sections()) {
    if (sec.name != "board_pins" && sec.name.rfind("board_pins ", 0) != 0) continue;
    bool for_main = true;
    if (const ConfigOption* m = sec.find("mcu")) {
      for_main = false;
      std::string_view rest = m->value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        if (strip(rest.substr(0, comma)) == "mcu") for_main = true;
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    if (!for_main) continue;
    for (const auto& [opt, val] : sec.options) {
      if (opt != "aliases" && opt.rfind("aliases_", 0) != 0) continue;
      std::string_view rest = val.value;
      while (!rest.empty()) {
        auto sep = rest.find_first_of(",\n");
        std::string_view item = strip(rest.substr(0, sep));
        auto eq = item.find('=');
        if (eq != std::string_view::npos)
          out[std::string(strip(item.substr(0, eq)))] = std::string(strip(item.substr(eq + 1)));
        if (sep == std::string_view::npos) break;
        rest.remove_prefix(sep + 1);
      }
    }
  }
  return out;
}

class SpecReader {
 public:
  explicit SpecReader(const ConfigFile& file) : file_(file), aliases_(board_aliases(file)) {}

  const ConfigSectionData* find(std::string_view name) const { return file_.find_section(name); }
  Section section(const ConfigSectionData& d) const { return Section(file_, d); }

  PinRef pin(const Section& s, std::string_view option) const {
    PinRef p = parse_pin_ref(s.get(option));
    resolve(p);
    return p;
  }
  std::optional<PinRef> pin_opt(const Section& s, std::string_view option) const {
    if (!s.has(option)) return std::nullopt;
    return pin(s, option);
  }

  StepperSpec stepper(const Section& s) const {
    StepperSpec st;
    st.name = s.name();
    st.step = pin(s, "step_pin");
    st.dir = pin(s, "dir_pin");
    if (auto e = pin_opt(s, "enable_pin")) st.enable = *e;
    double rotation_distance = s.getfloat("rotation_distance");
    double full_steps = static_cast<double>(s.getint("full_steps_per_rotation", 200));
    (void)s.get("microsteps");  // required, as for the host
    double microsteps = static_cast<double>(s.getint("microsteps", 1));
    double gear = 1.;
    if (auto g = s.get_opt("gear_ratio")) {
      std::string_view rest = *g;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view item = strip(rest.substr(0, comma));
        auto colon = item.find(':');
        if (colon != std::string_view::npos) {
          auto a = parse_config_float(item.substr(0, colon));
          auto b = parse_config_float(item.substr(colon + 1));
          if (a && b && *b != 0.) gear *= *a / *b;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
    st.step_dist = rotation_distance / (full_steps * microsteps * gear);
    // The host steps on both edges for TMC-driven steppers unless a long pulse is asked for.
    bool tmc = false;
    for (const ConfigSectionData& d : file_.sections()) {
      auto sp = d.name.find(' ');
      if (sp != std::string::npos && d.name.rfind("tmc", 0) == 0 &&
          strip(std::string_view(d.name).substr(sp + 1)) == st.name)
        tmc = true;
    }
    double pulse = s.getfloat("step_pulse_duration", tmc ? 100e-9 : 2e-6);
    st.step_both_edges = tmc && pulse <= 200e-9 && !st.step.invert;
    return st;
  }

  void rail(const Section& s, StepperSpec& st, std::optional<double> default_endstop = {},
            bool need_minmax = true) const {
    st.has_rail = true;
    if (auto e = s.get_opt("endstop_pin")) {
      st.endstop = parse_pin_ref(*e);
      resolve(st.endstop);
      st.endstop_is_probe = st.endstop.chip == "probe";
    }
    if (st.endstop_is_probe) {
      st.position_endstop = 0.;
    } else if (default_endstop) {
      st.position_endstop = s.getfloat("position_endstop", *default_endstop);
    } else {
      st.position_endstop = s.getfloat("position_endstop");
    }
    if (need_minmax) {
      st.position_min = s.getfloat("position_min", 0.);
      st.position_max = s.getfloat("position_max");
    } else {
      st.position_min = s.getfloat("position_min", 0.);
      st.position_max = s.getfloat("position_max", st.position_endstop);
    }
    if (auto d = s.getbool_opt("homing_positive_dir")) {
      st.homing_positive_dir = *d;
    } else {
      double len = st.position_max - st.position_min;
      st.homing_positive_dir = !st.endstop_is_probe &&
                               st.position_endstop >= st.position_max - len / 4. &&
                               st.position_endstop > st.position_min + len / 4.;
    }
  }

  void resolve(PinRef& p) const {
    // Virtual chips (probe:z_virtual_endstop) have no such pin names: they stay at -1.
    auto it = aliases_.find(p.name);
    if (it != aliases_.end()) p.name = it->second;
    p.pin = fw::sim::pin_by_name(p.name.c_str());
  }

  HeaterSpec heater(const Section& s, bool has_heater, const ThermalParams& thermal) const {
    HeaterSpec h;
    h.name = s.name();
    if (has_heater) h.heater = pin(s, "heater_pin");
    h.sensor_type = s.get("sensor_type");
    if (auto sp = pin_opt(s, "sensor_pin")) h.sensor = *sp;
    h.curve = ThermistorCurve::builtin(h.sensor_type);
    if (!h.curve) h.curve = custom_thermistor(h.sensor_type);
    if (h.curve) {
      h.curve->pullup = s.getfloat("pullup_resistor", 4700.);
      h.curve->inline_resistor = s.getfloat("inline_resistor", 0.);
    }
    h.thermal = thermal;
    return h;
  }

 private:
  std::optional<ThermistorCurve> custom_thermistor(const std::string& type) const {
    const ConfigSectionData* d = file_.find_section("thermistor " + type);
    if (!d) return std::nullopt;
    Section s(file_, *d);
    double t1 = s.getfloat("temperature1"), r1 = s.getfloat("resistance1");
    if (auto beta = s.getfloat_opt("beta")) return ThermistorCurve::from_beta(t1, r1, *beta);
    std::array<std::pair<double, double>, 3> pts = {
        std::pair{t1, r1}, std::pair{s.getfloat("temperature2"), s.getfloat("resistance2")},
        std::pair{s.getfloat("temperature3"), s.getfloat("resistance3")}};
    std::sort(pts.begin(), pts.end());
    return ThermistorCurve::from_points(pts[0].first, pts[0].second, pts[1].first,
                                        pts[1].second, pts[2].first, pts[2].second);
  }

  const ConfigFile& file_;
  std::map<std::string, std::string> aliases_;
};

bool has_prefix(const std::string& name, std::string_view prefix) {
  return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
         name[prefix.size()] == ' ';
}

// Default plants: a hot end reaching ~425 degC at full power, a bed ~145 degC.
constexpr ThermalParams kHotend{40., 10., 60., 25.};
constexpr ThermalParams kBed{200., 0.6, 120., 25.};
constexpr ThermalParams kSensorOnly{0., 0., 60., 25.};

}  // namespace

PinRef parse_pin_ref(std::string_view desc) {
  PinRef p;
  std::string_view d = strip(desc);
  if (!d.empty() && (d.front() == '^' || d.front() == '~')) {
    (d.front() == '^' ? p.pullup : p.pulldown) = true;
    d = strip(d.substr(1));
  }
  if (!d.empty() && d.front() == '!') {
    p.invert = true;
    d = strip(d.substr(1));
  }
  auto colon = d.find(':');
  if (colon != std::string_view::npos) {
    p.chip = std::string(strip(d.substr(0, colon)));
    d = strip(d.substr(colon + 1));
  }
  p.name = std::string(d);
  return p;
}

MachineSpec MachineSpec::from_file(const std::string& path) {
  auto file = ConfigFile::load(path);
  return from_config(*file);
}

MachineSpec MachineSpec::from_config(const ConfigFile& file) {
  SpecReader rd(file);
  MachineSpec m;
  const ConfigSectionData* printer = rd.find("printer");
  if (!printer) throw ConfigError("Section 'printer' not found");
  Section ps = rd.section(*printer);
  m.kinematics = ps.get("kinematics");

  if (m.kinematics == "delta") {
    m.delta_radius = ps.getfloat("delta_radius");
    const ConfigSectionData* a = rd.find("stepper_a");
    if (!a) throw ConfigError("Section 'stepper_a' not found");
    Section sa = rd.section(*a);
    double endstop_a = sa.getfloat("position_endstop");
    double arm_a = sa.getfloat("arm_length");
    const double angles[3] = {210., 330., 90.};
    const char* names[3] = {"stepper_a", "stepper_b", "stepper_c"};
    for (int i = 0; i < 3; i++) {
      const ConfigSectionData* d = rd.find(names[i]);
      if (!d) throw ConfigError(fmt::format("Section '{}' not found", names[i]));
      Section s = rd.section(*d);
      StepperSpec st = rd.stepper(s);
      rd.rail(s, st, endstop_a, false);
      if (!s.has("homing_positive_dir")) st.homing_positive_dir = true;
      st.arm_length = s.getfloat("arm_length", arm_a);
      st.angle = s.getfloat("angle", angles[i]);
      st.radius = m.delta_radius;
      m.steppers.push_back(st);
    }
  } else {
    for (const char* name : {"stepper_x", "stepper_y", "stepper_z"}) {
      const ConfigSectionData* d = rd.find(name);
      if (!d) throw ConfigError(fmt::format("Section '{}' not found", name));
      Section s = rd.section(*d);
      StepperSpec st = rd.stepper(s);
      rd.rail(s, st);
      m.steppers.push_back(st);
    }
    // Extra steppers of an axis (stepper_z1, stepper_x1 ...) follow their axis' rail.
    for (const ConfigSectionData& d : file.sections()) {
      if (d.name.size() < 10 || d.name.rfind("stepper_", 0) != 0) continue;
      char axis = d.name[8];
      if ((axis != 'x' && axis != 'y' && axis != 'z') ||
          d.name.find_first_not_of("0123456789", 9) != std::string::npos)
        continue;
      Section s = rd.section(d);
      StepperSpec st = rd.stepper(s);
      const StepperSpec* base = m.find_stepper(std::string("stepper_") + axis);
      st.has_rail = true;
      st.position_endstop = s.getfloat("position_endstop", base->position_endstop);
      st.position_min = base->position_min;
      st.position_max = base->position_max;
      st.homing_positive_dir = base->homing_positive_dir;
      if (auto e = s.get_opt("endstop_pin")) {
        st.endstop = parse_pin_ref(*e);
        rd.resolve(st.endstop);
        st.endstop_is_probe = st.endstop.chip == "probe";
      }
      m.steppers.push_back(st);
    }
  }

  for (const ConfigSectionData& d : file.sections()) {
    Section s = rd.section(d);
    bool extruder = d.name.rfind("extruder", 0) == 0 &&
                    d.name.find_first_not_of("0123456789", 8) == std::string::npos;
    if (extruder || has_prefix(d.name, "extruder_stepper")) {
      if (extruder && !s.has("step_pin")) continue;  // an extruder sharing another's stepper
      StepperSpec st = rd.stepper(s);
      st.is_extruder = true;
      m.steppers.push_back(st);
      if (extruder && s.has("heater_pin")) m.heaters.push_back(rd.heater(s, true, kHotend));
    } else if (d.name == "heater_bed" || has_prefix(d.name, "heater_generic")) {
      m.heaters.push_back(rd.heater(s, true, kBed));
    } else if (has_prefix(d.name, "temperature_sensor") || has_prefix(d.name, "temperature_fan")) {
      if (s.has("sensor_pin") && s.has("sensor_type"))
        m.heaters.push_back(rd.heater(s, false, kSensorOnly));
      if (has_prefix(d.name, "temperature_fan")) m.fans.push_back({d.name, rd.pin(s, "pin")});
    } else if (d.name == "fan" || has_prefix(d.name, "heater_fan") ||
               has_prefix(d.name, "controller_fan") || has_prefix(d.name, "fan_generic")) {
      m.fans.push_back({d.name, rd.pin(s, "pin")});
    } else if (d.name == "probe") {
      ProbeSpec p;
      p.pin = rd.pin(s, "pin");
      p.x_offset = s.getfloat("x_offset", 0.);
      p.y_offset = s.getfloat("y_offset", 0.);
      p.z_offset = s.getfloat("z_offset");
      m.probe = p;
    }
  }
  return m;
}

const StepperSpec* MachineSpec::find_stepper(std::string_view name) const {
  for (const StepperSpec& s : steppers)
    if (s.name == name) return &s;
  return nullptr;
}

const HeaterSpec* MachineSpec::find_heater(std::string_view name) const {
  for (const HeaterSpec& h : heaters)
    if (h.name == name) return &h;
  return nullptr;
}

}  // namespace kpp::sim
