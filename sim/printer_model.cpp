// The simulated printer (see printer_model.h).
#include "sim/printer_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "core/config.h"

namespace kpp::sim {

namespace {

using fw::sim::PinMode;

// Apply "power=40,gain=10,tau=60" to a thermal plant.
void apply_thermal(ThermalParams& p, std::string_view spec, const std::string& heater) {
  std::string_view rest = spec;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    auto eq = item.find('=');
    auto v = eq == std::string_view::npos ? std::nullopt : parse_config_float(item.substr(eq + 1));
    std::string_view key = item.substr(0, eq);
    if (!v) throw std::invalid_argument(fmt::format("--thermal {}: bad item '{}'", heater, item));
    if (key == "power")
      p.power = *v;
    else if (key == "gain")
      p.gain = *v;
    else if (key == "tau")
      p.time_constant = *v;
    else
      throw std::invalid_argument(
          fmt::format("--thermal {}: unknown '{}' (power, gain, tau)", heater, key));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
}

}  // namespace

PrinterModel::PrinterModel(MachineSpec spec, SimOptions options)
    : spec_(std::move(spec)), options_(std::move(options)) {
  kin_ = std::make_unique<MachineKinematics>(spec_);
  for (size_t i = 0; i < spec_.steppers.size(); i++) {
    const StepperSpec& s = spec_.steppers[i];
    motors_.emplace_back(s);
    map_pin(s.step, Use::kStep, i);
    map_pin(s.dir, Use::kDir, i);
    map_pin(s.enable, Use::kEnable, i);
    if (s.has_rail && !s.endstop_is_probe) map_pin(s.endstop, Use::kEndstop, i);
  }
  positions_.assign(motors_.size(), 0.);
  out_of_range_now_.assign(motors_.size(), false);
  for (const HeaterSpec& h : spec_.heaters) {
    ThermalParams p = h.thermal;
    p.ambient = options_.ambient;
    auto t = options_.thermal.find(h.name);
    if (t != options_.thermal.end()) apply_thermal(p, t->second, h.name);
    heaters_.push_back({&h, ThermalModel(p)});
    auto f = options_.faults.find(h.name);
    if (f != options_.faults.end()) set_fault(h.name, f->second);
  }
  for (auto& [name, fault] : options_.faults)
    if (!spec_.find_heater(name))
      throw std::invalid_argument(fmt::format("--fault: no heater '{}' in the config", name));
  for (auto& [name, p] : options_.thermal)
    if (!spec_.find_heater(name))
      throw std::invalid_argument(fmt::format("--thermal: no heater '{}' in the config", name));
  for (size_t i = 0; i < heaters_.size(); i++) {
    map_pin(heaters_[i].spec->heater, Use::kHeater, i);
    map_pin(heaters_[i].spec->sensor, Use::kSensor, i);
  }
  for (const FanSpec& f : spec_.fans) {
    fans_.push_back({&f});
    map_pin(f.pin, Use::kFan, fans_.size() - 1);
  }
  if (spec_.probe) map_pin(spec_.probe->pin, Use::kProbe, 0);
  if (!options_.bed_given) {
    // Centre the surface on the x/y travel of the first two rails.
    const StepperSpec* sx = nullptr;
    const StepperSpec* sy = nullptr;
    for (const StepperSpec& s : spec_.steppers) {
      if (s.name == "stepper_x") sx = &s;
      if (s.name == "stepper_y") sy = &s;
    }
    if (sx && sy) {
      options_.bed.center_x = (sx->position_min + sx->position_max) / 2.;
      options_.bed.center_y = (sy->position_min + sy->position_max) / 2.;
      options_.bed.half_x = (sx->position_max - sx->position_min) / 2.;
      options_.bed.half_y = (sy->position_max - sy->position_min) / 2.;
    } else {
      options_.bed.center_x = options_.bed.center_y = 0.;
      options_.bed.half_x = options_.bed.half_y = spec_.delta_radius;
    }
  }
  place_nozzle();
}

PrinterModel::~PrinterModel() = default;

// The pins of another MCU: each call goes to the model with the chip's index.
class PrinterModel::Port : public fw::sim::PinListener {
 public:
  Port(PrinterModel& m, size_t chip) : m_(m), chip_(chip) {}
  void on_pin_mode(uint16_t pin, PinMode mode, uint64_t clock) override {
    m_.pin_mode(chip_, *this, pin, mode, clock);
  }
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    m_.output(chip_, pin, level, clock);
  }
  void on_pwm(uint16_t pin, uint16_t value, uint32_t, uint64_t clock) override {
    m_.pwm(chip_, pin, value, clock);
  }
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    return m_.input(chip_, *this, pin, clock);
  }
  uint16_t read_adc(uint16_t pin, uint64_t clock) override { return m_.adc(chip_, pin, clock); }

 private:
  PrinterModel& m_;
  size_t chip_;
};

size_t PrinterModel::chip_index(std::string_view chip) {
  for (size_t i = 0; i < chips_.size(); i++)
    if (chips_[i] == chip) return i;
  chips_.emplace_back(chip);
  pins_.emplace_back();
  ports_.resize(chips_.size());
  return chips_.size() - 1;
}

fw::sim::PinListener& PrinterModel::port(std::string_view chip) {
  size_t i = chip_index(chip);
  if (i == 0) return *this;
  if (!ports_[i]) ports_[i] = std::make_unique<Port>(*this, i);
  return *ports_[i];
}

void PrinterModel::map_pin(const PinRef& p, Use use, size_t index) {
  if (!p.valid()) return;
  pins_[chip_index(p.chip)][p.pin].push_back({use, static_cast<uint16_t>(index)});
}

void PrinterModel::place_nozzle() {
  Vec3 start;
  if (options_.start_pos) {
    start = *options_.start_pos;
  } else if (kin_->name() == std::string_view("delta")) {
    start = {0., 0., spec_.steppers[0].position_endstop / 2.};
  } else {
    for (const StepperSpec& s : spec_.steppers) {
      if (s.name.size() != 9 || s.name.rfind("stepper_", 0) != 0) continue;
      int axis = s.name[8] - 'x';
      if (axis >= 0 && axis < 3) start[axis] = (s.position_min + s.position_max) / 2.;
    }
  }
  std::vector<double> pos(motors_.size(), 0.);
  kin_->inverse(start, pos);
  for (size_t i = 0; i < motors_.size(); i++) {
    if (!kin_->moves_nozzle(i)) continue;
    // Put the endstop on a whole number of steps from the start, so that homing lands exactly
    // where the host believes it is (cartesian rails and delta carriages).
    double origin = pos[i];
    double d = motors_[i].spec().step_dist;
    bool rail_is_stepper = kin_->endstop_coord(i, pos, start) == pos[i];
    if (rail_is_stepper && d > 0. && !spec_.steppers[i].endstop_is_probe) {
      double at = kin_->endstop_trigger(i);
      origin = at + std::round((origin - at) / d) * d;
    }
    motors_[i].set_origin(origin);
    positions_[i] = origin;
  }
  nozzle_valid_ = false;
}

const StepperMotor& PrinterModel::stepper(std::string_view name) const {
  return motors_[stepper_index(name)];
}

size_t PrinterModel::stepper_index(std::string_view name) const {
  for (size_t i = 0; i < motors_.size(); i++)
    if (motors_[i].spec().name == name) return i;
  throw std::out_of_range(fmt::format("no stepper '{}'", name));
}

Vec3 PrinterModel::nozzle() const {
  if (!nozzle_valid_) {
    nozzle_cache_ = kin_->forward(positions_);
    nozzle_valid_ = true;
  }
  return nozzle_cache_;
}

double PrinterModel::extruder_position(std::string_view name) const {
  return stepper(name).position();
}

void PrinterModel::remove_observer(MotionObserver* obs) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), obs), observers_.end());
}

// ---- pins ----

void PrinterModel::on_pin_mode(uint16_t pin, fw::sim::PinMode mode, uint64_t clock) {
  pin_mode(0, *this, pin, mode, clock);
}
void PrinterModel::on_output(uint16_t pin, uint8_t level, uint64_t clock) {
  output(0, pin, level, clock);
}
void PrinterModel::on_pwm(uint16_t pin, uint16_t value, uint32_t, uint64_t clock) {
  pwm(0, pin, value, clock);
}
uint8_t PrinterModel::read_input(uint16_t pin, uint64_t clock) {
  return input(0, *this, pin, clock);
}
uint16_t PrinterModel::read_adc(uint16_t pin, uint64_t clock) { return adc(0, pin, clock); }

void PrinterModel::pin_mode(size_t chip, const fw::sim::PinListener& src, uint16_t pin,
                            fw::sim::PinMode mode, uint64_t clock) {
  last_clock_ = std::max(last_clock_, clock);
  for (const PinUse& u : pins_[chip][pin]) {
    if (u.use == Use::kStep && mode == PinMode::kOutput) motors_[u.index].on_step_pin_configured(clock);
    // A dir or enable pin starts at its configured level, which later edges only change.
    if (u.use == Use::kDir && mode == PinMode::kOutput)
      motors_[u.index].on_dir_level(src.firmware_pin(pin).level);
    if (u.use == Use::kEnable && mode == PinMode::kOutput)
      motors_[u.index].on_enable_level(src.firmware_pin(pin).level);
    if (u.use == Use::kFan) fans_[u.index].hardware = mode == PinMode::kPwm;
  }
}

void PrinterModel::step(size_t i, uint8_t level, uint64_t clock) {
  StepperMotor& m = motors_[i];
  if (!m.on_step_edge(level, clock)) return;
  positions_[i] = m.position();
  if (kin_->moves_nozzle(i)) {
    nozzle_valid_ = false;
    const StepperSpec& s = m.spec();
    double c = kin_->endstop_coord(i, positions_, nozzle());
    bool out = c < s.position_min - 1. || c > s.position_max + 1.;
    if (out && !out_of_range_now_[i]) out_of_range_++;
    out_of_range_now_[i] = out;
  }
  for (MotionObserver* o : observers_) o->on_step(*this, i, clock);
}

void PrinterModel::output(size_t chip, uint16_t pin, uint8_t level, uint64_t clock) {
  last_clock_ = std::max(last_clock_, clock);
  double t = clock_to_time(clock);
  for (const PinUse& u : pins_[chip][pin]) {
    switch (u.use) {
      case Use::kStep:
        step(u.index, level, clock);
        break;
      case Use::kDir:
        motors_[u.index].on_dir_level(level);
        break;
      case Use::kEnable:
        motors_[u.index].on_enable_level(level);
        break;
      case Use::kHeater: {
        Heater& h = heaters_[u.index];
        h.on = (level != 0) != h.spec->heater.invert;
        h.duty = h.on ? 1. : 0.;
        h.thermal.set_drive(t, h.duty);
        break;
      }
      case Use::kFan: {
        Fan& f = fans_[u.index];
        bool on = (level != 0) != f.spec->pin.invert;
        if (on && !f.level) {
          if (f.rise && f.fall > f.rise && clock > f.rise)
            f.speed = static_cast<double>(f.fall - f.rise) / static_cast<double>(clock - f.rise);
          f.prev_rise = f.rise;
          f.rise = clock;
        } else if (!on && f.level) {
          f.fall = clock;
        }
        f.level = on;
        f.hardware = false;
        break;
      }
      default:
        break;
    }
  }
}

void PrinterModel::pwm(size_t chip, uint16_t pin, uint16_t value, uint64_t clock) {
  last_clock_ = std::max(last_clock_, clock);
  double duty = static_cast<double>(value) / fw::sim::kPwmMax;
  for (const PinUse& u : pins_[chip][pin]) {
    if (u.use == Use::kHeater) {
      Heater& h = heaters_[u.index];
      h.duty = h.spec->heater.invert ? 1. - duty : duty;
      h.on = h.duty > 0.;
      h.thermal.set_drive(clock_to_time(clock), h.duty);
    } else if (u.use == Use::kFan) {
      Fan& f = fans_[u.index];
      f.hardware = true;
      f.speed = f.spec->pin.invert ? 1. - duty : duty;
    }
  }
}

bool PrinterModel::endstop_triggered(size_t i) const {
  const StepperSpec& s = motors_[i].spec();
  double c = kin_->endstop_coord(i, positions_, nozzle());
  double at = kin_->endstop_trigger(i);
  double tol = s.step_dist * 1e-6;
  return s.homing_positive_dir ? c >= at - tol : c <= at + tol;
}

double PrinterModel::bed_height_under_probe(double x, double y) const {
  double xo = spec_.probe ? spec_.probe->x_offset : 0., yo = spec_.probe ? spec_.probe->y_offset : 0.;
  return options_.bed.height(x + xo, y + yo);
}

bool PrinterModel::probe_triggered() const {
  if (!spec_.probe) return false;
  Vec3 n = nozzle();
  return n.z <= bed_height_under_probe(n.x, n.y) + spec_.probe->z_offset + 1e-9;
}

uint8_t PrinterModel::input(size_t chip, const fw::sim::PinListener& src, uint16_t pin,
                            uint64_t clock) {
  last_clock_ = std::max(last_clock_, clock);
  bool found = false, triggered = false, invert = false;
  for (const PinUse& u : pins_[chip][pin]) {
    if (u.use == Use::kEndstop) {
      found = true;
      triggered = triggered || endstop_triggered(u.index);
      invert = motors_[u.index].spec().endstop.invert;
    } else if (u.use == Use::kProbe) {
      found = true;
      triggered = triggered || probe_triggered();
      invert = spec_.probe->pin.invert;
    }
  }
  if (!found) return src.firmware_pin(pin).mode == PinMode::kInputPullUp ? 1 : 0;
  return triggered != invert ? 1 : 0;
}

uint16_t PrinterModel::adc(size_t chip, uint16_t pin, uint64_t clock) {
  last_clock_ = std::max(last_clock_, clock);
  for (const PinUse& u : pins_[chip][pin]) {
    if (u.use != Use::kSensor) continue;
    Heater& h = heaters_[u.index];
    if (h.fault == HeaterFault::kOpenSensor) return fw::sim::kAdcMax;
    if (h.fault == HeaterFault::kShortedSensor) return 0;
    if (!h.spec->curve) break;
    h.thermal.advance(clock_to_time(clock));
    double frac = h.spec->curve->adc_fraction(h.thermal.temperature());
    return static_cast<uint16_t>(std::lround(std::clamp(frac, 0., 1.) * fw::sim::kAdcMax));
  }
  return 3911;  // about 25 degC on a 100k NTC behind 4.7k, as the bare sim board reads
}

// ---- heaters and fans ----

size_t PrinterModel::heater_index(std::string_view name) const {
  for (size_t i = 0; i < heaters_.size(); i++)
    if (heaters_[i].spec->name == name) return i;
  throw std::out_of_range(fmt::format("no heater or sensor '{}'", name));
}

double PrinterModel::temperature(std::string_view heater, uint64_t clock) {
  Heater& h = heaters_[heater_index(heater)];
  h.thermal.advance(clock_to_time(clock));
  return h.thermal.temperature();
}

bool PrinterModel::heater_on(std::string_view heater) const {
  return heaters_[heater_index(heater)].on;
}

double PrinterModel::heater_duty(std::string_view heater) const {
  return heaters_[heater_index(heater)].duty;
}

ThermalModel& PrinterModel::thermal(std::string_view heater) {
  return heaters_[heater_index(heater)].thermal;
}

void PrinterModel::set_fault(std::string_view heater, HeaterFault fault, uint64_t clock) {
  Heater& h = heaters_[heater_index(heater)];
  if (clock) h.thermal.advance(clock_to_time(clock));
  h.fault = fault;
  h.thermal.set_heater_broken(fault == HeaterFault::kNoHeat);
}

double PrinterModel::fan_speed_at(const Fan& f, uint64_t clock) const {
  if (f.hardware) return f.speed;
  uint64_t last_edge = std::max(f.rise, f.fall);
  uint64_t period = f.rise > f.prev_rise && f.prev_rise ? f.rise - f.prev_rise : 0;
  // No edge for two cycles: the output sits at a constant level.
  if (!period || clock - last_edge > 2 * period) return f.level ? 1. : 0.;
  return f.speed;
}

double PrinterModel::fan_speed(std::string_view fan) const {
  for (const Fan& f : fans_)
    if (f.spec->name == fan) return fan_speed_at(f, last_clock_);
  throw std::out_of_range(fmt::format("no fan '{}'", fan));
}

}  // namespace kpp::sim
