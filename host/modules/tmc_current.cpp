// TMC motor current computations.
#include "modules/tmc_current.h"

#include <algorithm>
#include <cmath>

#include "core/printer.h"
#include "core/reactor.h"

namespace kpp {

namespace {

const double kSqrt2 = std::sqrt(2.);

int clamp_bits(int cs) {
  return std::max(0, std::min(31, cs));
}

}  // namespace

// ---- TMC2130 / TMC2208 / TMC2209 ----------------------------------------------------------

Tmc2130Current::Tmc2130Current(const ConfigWrapper& config, TmcTransport& tmc)
    : tmc_(tmc), fields_(tmc.get_fields()) {
  double run_current = config.getfloat("run_current", {.maxval = kMaxCurrent, .above = 0.});
  double hold_current =
      config.getfloat("hold_current", kMaxCurrent, {.maxval = kMaxCurrent, .above = 0.});
  req_hold_current_ = hold_current;
  sense_resistor_ = config.getfloat("sense_resistor", 0.110, {.above = 0.});
  Bits b = calc_current(run_current, hold_current);
  fields_.set_field("vsense", b.vsense);
  fields_.set_field("ihold", b.ihold);
  fields_.set_field("irun", b.irun);
}

int Tmc2130Current::calc_current_bits(double current, bool vsense) const {
  // The sense resistor plus ~20 mOhm of board and bond wire resistance.
  double sense = sense_resistor_ + 0.020;
  double vref = vsense ? 0.18 : 0.32;
  return clamp_bits(static_cast<int>(32. * sense * current * kSqrt2 / vref + .5) - 1);
}

double Tmc2130Current::calc_current_from_bits(int cs, bool vsense) const {
  double sense = sense_resistor_ + 0.020;
  double vref = vsense ? 0.18 : 0.32;
  return (cs + 1) * vref / (32. * sense * kSqrt2);
}

Tmc2130Current::Bits Tmc2130Current::calc_current(double run_current, double hold_current) const {
  // Prefer the finer high-sensitivity range; use the other only when it gets closer to a
  // current the high-sensitivity range cannot reach.
  bool vsense = true;
  int irun = calc_current_bits(run_current, true);
  if (irun == 31) {
    double cur = calc_current_from_bits(irun, true);
    if (cur < run_current) {
      int irun2 = calc_current_bits(run_current, false);
      double cur2 = calc_current_from_bits(irun2, false);
      if (std::abs(run_current - cur2) < std::abs(run_current - cur)) {
        vsense = false;
        irun = irun2;
      }
    }
  }
  int ihold = calc_current_bits(std::min(hold_current, run_current), vsense);
  return {vsense, irun, ihold};
}

TmcCurrentInfo Tmc2130Current::get_current() const {
  bool vsense = fields_.get_field("vsense") != 0;
  return {calc_current_from_bits(static_cast<int>(fields_.get_field("irun")), vsense),
          calc_current_from_bits(static_cast<int>(fields_.get_field("ihold")), vsense),
          req_hold_current_, kMaxCurrent};
}

void Tmc2130Current::set_current(double run_current, double hold_current,
                                 std::optional<double> print_time) {
  req_hold_current_ = hold_current;
  Bits b = calc_current(run_current, hold_current);
  if (b.vsense != (fields_.get_field("vsense") != 0)) {
    uint32_t val = fields_.set_field("vsense", b.vsense);
    tmc_.set_register("CHOPCONF", val, print_time);
  }
  fields_.set_field("ihold", b.ihold);
  uint32_t val = fields_.set_field("irun", b.irun);
  tmc_.set_register("IHOLD_IRUN", val, print_time);
}

// ---- TMC5160 -------------------------------------------------------------------------------

Tmc5160Current::Tmc5160Current(const ConfigWrapper& config, TmcTransport& tmc)
    : tmc_(tmc), fields_(tmc.get_fields()) {
  double run_current = config.getfloat("run_current", {.maxval = kMaxCurrent, .above = 0.});
  double hold_current =
      config.getfloat("hold_current", kMaxCurrent, {.maxval = kMaxCurrent, .above = 0.});
  req_hold_current_ = hold_current;
  sense_resistor_ = config.getfloat("sense_resistor", 0.075, {.above = 0.});
  int gscaler = calc_globalscaler(run_current);
  fields_.set_field("globalscaler", gscaler);
  fields_.set_field("ihold", calc_current_bits(std::min(hold_current, run_current), gscaler));
  fields_.set_field("irun", calc_current_bits(run_current, gscaler));
}

int Tmc5160Current::calc_globalscaler(double current) const {
  int gs = static_cast<int>(current * 256. * kSqrt2 * sense_resistor_ / kVref + .5);
  gs = std::max(32, gs);
  // 0 means full scale (256) to the chip.
  return gs >= 256 ? 0 : gs;
}

int Tmc5160Current::calc_current_bits(double current, int globalscaler) const {
  if (!globalscaler) globalscaler = 256;
  double cs = (current * 256. * 32. * kSqrt2 * sense_resistor_) / (globalscaler * kVref) - 1.;
  return clamp_bits(static_cast<int>(cs + .5));
}

double Tmc5160Current::current_from_field(const char* field) const {
  int64_t gs = fields_.get_field("globalscaler");
  if (!gs) gs = 256;
  int64_t bits = fields_.get_field(field);
  return static_cast<double>(gs * (bits + 1)) * kVref / (256. * 32. * kSqrt2 * sense_resistor_);
}

TmcCurrentInfo Tmc5160Current::get_current() const {
  return {current_from_field("irun"), current_from_field("ihold"), req_hold_current_, kMaxCurrent};
}

void Tmc5160Current::set_current(double run_current, double hold_current,
                                 std::optional<double> print_time) {
  req_hold_current_ = hold_current;
  int gscaler = calc_globalscaler(run_current);
  uint32_t val = fields_.set_field("globalscaler", gscaler);
  tmc_.set_register("GLOBALSCALER", val, print_time);
  fields_.set_field("ihold", calc_current_bits(std::min(hold_current, run_current), gscaler));
  val = fields_.set_field("irun", calc_current_bits(run_current, gscaler));
  tmc_.set_register("IHOLD_IRUN", val, print_time);
}

// ---- TMC2240 -------------------------------------------------------------------------------

Tmc2240Current::Tmc2240Current(const ConfigWrapper& config, TmcTransport& tmc)
    : tmc_(tmc), fields_(tmc.get_fields()) {
  rref_ = config.getfloat("rref", 12000., {.minval = 12000., .maxval = 60000.});
  double max_cur = get_ifs_rms(3);
  double run_current = config.getfloat("run_current", {.maxval = max_cur, .above = 0.});
  double hold_current = config.getfloat("hold_current", max_cur, {.maxval = max_cur, .above = 0.});
  req_hold_current_ = hold_current;
  // The smallest range that reaches the run current gives the finest steps.
  int range = 0;
  for (; range < 3; range++)
    if (run_current <= get_ifs_rms(range)) break;
  fields_.set_field("current_range", range);
  int gscaler = calc_globalscaler(run_current);
  fields_.set_field("globalscaler", gscaler);
  fields_.set_field("ihold", calc_current_bits(std::min(hold_current, run_current), gscaler));
  fields_.set_field("irun", calc_current_bits(run_current, gscaler));
}

double Tmc2240Current::get_ifs_rms(std::optional<int> current_range) const {
  int range = current_range ? *current_range : static_cast<int>(fields_.get_field("current_range"));
  static const double kKifs[4] = {11750., 24000., 36000., 36000.};
  return (kKifs[range] / rref_) / kSqrt2;
}

int Tmc2240Current::calc_globalscaler(double current) const {
  int gs = static_cast<int>(current * 256. / get_ifs_rms() + .5);
  gs = std::max(32, gs);
  return gs >= 256 ? 0 : gs;
}

int Tmc2240Current::calc_current_bits(double current, int globalscaler) const {
  if (!globalscaler) globalscaler = 256;
  double cs = (current * 256. * 32.) / (globalscaler * get_ifs_rms()) - 1.;
  return clamp_bits(static_cast<int>(cs + .5));
}

double Tmc2240Current::current_from_field(const char* field) const {
  int64_t gs = fields_.get_field("globalscaler");
  if (!gs) gs = 256;
  int64_t bits = fields_.get_field(field);
  return static_cast<double>(gs * (bits + 1)) * get_ifs_rms() / (256. * 32.);
}

TmcCurrentInfo Tmc2240Current::get_current() const {
  return {current_from_field("irun"), current_from_field("ihold"), req_hold_current_,
          get_ifs_rms()};
}

void Tmc2240Current::set_current(double run_current, double hold_current,
                                 std::optional<double> print_time) {
  req_hold_current_ = hold_current;
  int gscaler = calc_globalscaler(run_current);
  uint32_t val = fields_.set_field("globalscaler", gscaler);
  tmc_.set_register("GLOBALSCALER", val, print_time);
  fields_.set_field("ihold", calc_current_bits(std::min(hold_current, run_current), gscaler));
  val = fields_.set_field("irun", calc_current_bits(run_current, gscaler));
  tmc_.set_register("IHOLD_IRUN", val, print_time);
}

// ---- TMC2660 -------------------------------------------------------------------------------

Tmc2660Current::Tmc2660Current(const ConfigWrapper& config, TmcTransport& tmc)
    : printer_(config.get_printer()), tmc_(tmc), fields_(tmc.get_fields()) {
  current_ = config.getfloat("run_current", {.minval = 0.1, .maxval = kMaxCurrent});
  sense_resistor_ = config.getfloat("sense_resistor");
  auto [vsense, cs] = calc_current(current_);
  fields_.set_field("cs", cs);
  fields_.set_field("vsense", vsense);
  idle_current_percentage_ =
      static_cast<int>(config.getint("idle_current_percent", 100, {.minval = 0, .maxval = 100}));
  if (idle_current_percentage_ < 100) {
    Reactor& reactor = printer_.get_reactor();
    printer_.register_event_handler<double>("idle_timeout:printing", [this, &reactor](double pt) {
      // Slightly before the first move, so the full current is there when it starts.
      double t = pt - 0.100;
      reactor.register_callback([this, t](double) { update_current(current_, t); });
    });
    printer_.register_event_handler<double>("idle_timeout:ready", [this, &reactor](double pt) {
      double cur = current_ * idle_current_percentage_ / 100.;
      reactor.register_callback([this, cur, pt](double) { update_current(cur, pt); });
    });
  }
}

std::pair<bool, int> Tmc2660Current::calc_current(double current) const {
  auto bits = [&](bool vsense) {
    double vref = vsense ? 0.165 : 0.310;
    return clamp_bits(static_cast<int>(32. * sense_resistor_ * current * kSqrt2 / vref + .5) - 1);
  };
  auto from_bits = [&](int cs, bool vsense) {
    double vref = vsense ? 0.165 : 0.310;
    return (cs + 1) * vref / (32. * sense_resistor_ * kSqrt2);
  };
  bool vsense = true;
  int cs = bits(true);
  if (cs == 31) {
    double cur = from_bits(cs, true);
    if (cur < current) {
      int cs2 = bits(false);
      double cur2 = from_bits(cs2, false);
      if (std::abs(current - cur2) < std::abs(current - cur)) {
        vsense = false;
        cs = cs2;
      }
    }
  }
  return {vsense, cs};
}

void Tmc2660Current::update_current(double current, std::optional<double> print_time) {
  auto [vsense, cs] = calc_current(current);
  uint32_t val = fields_.set_field("cs", cs);
  tmc_.set_register("SGCSCONF", val, print_time);
  if (vsense != (fields_.get_field("vsense") != 0)) {
    val = fields_.set_field("vsense", vsense);
    tmc_.set_register("DRVCONF", val, print_time);
  }
}

TmcCurrentInfo Tmc2660Current::get_current() const {
  return {current_, std::nullopt, std::nullopt, kMaxCurrent};
}

void Tmc2660Current::set_current(double run_current, double /*hold_current*/,
                                 std::optional<double> print_time) {
  current_ = run_current;
  update_current(run_current, print_time);
}

}  // namespace kpp
