// Motor current of the TMC drivers: amps RMS to register bits and back. The TMC2130 family
// (TMC2130, TMC2208, TMC2209) scales with the sense resistor and the vsense bit; the TMC5160
// adds a global scaler; the TMC2240 uses its internal sense with a reference resistor (rref);
// the TMC2660 has one current scale (cs) and no hold current.
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "modules/tmc_transport.h"

namespace kpp {

struct TmcCurrentInfo {
  double run_current;
  std::optional<double> hold_current;      // none on the TMC2660
  std::optional<double> req_hold_current;  // the hold current asked for (may exceed run)
  double max_current;
};

class TmcCurrentHelper {
 public:
  virtual ~TmcCurrentHelper() = default;
  virtual TmcCurrentInfo get_current() const = 0;
  virtual void set_current(double run_current, double hold_current,
                           std::optional<double> print_time) = 0;
};

// Current bits: cs = round(32 * I * sqrt(2) * R / Vfs) - 1, clamped to 0..31.
class Tmc2130Current : public TmcCurrentHelper {
 public:
  static constexpr double kMaxCurrent = 2.0;
  Tmc2130Current(const ConfigWrapper& config, TmcTransport& tmc);
  TmcCurrentInfo get_current() const override;
  void set_current(double run_current, double hold_current,
                   std::optional<double> print_time) override;
  // (vsense, irun, ihold) for the given currents.
  struct Bits {
    bool vsense;
    int irun, ihold;
  };
  Bits calc_current(double run_current, double hold_current) const;
  int calc_current_bits(double current, bool vsense) const;
  double calc_current_from_bits(int cs, bool vsense) const;

 private:
  TmcTransport& tmc_;
  TmcFieldHelper& fields_;
  double sense_resistor_;
  double req_hold_current_;
};

class Tmc5160Current : public TmcCurrentHelper {
 public:
  static constexpr double kVref = 0.325;
  static constexpr double kMaxCurrent = 10.0;
  Tmc5160Current(const ConfigWrapper& config, TmcTransport& tmc);
  TmcCurrentInfo get_current() const override;
  void set_current(double run_current, double hold_current,
                   std::optional<double> print_time) override;
  int calc_globalscaler(double current) const;
  int calc_current_bits(double current, int globalscaler) const;

 private:
  double current_from_field(const char* field) const;
  TmcTransport& tmc_;
  TmcFieldHelper& fields_;
  double sense_resistor_;
  double req_hold_current_;
};

class Tmc2240Current : public TmcCurrentHelper {
 public:
  Tmc2240Current(const ConfigWrapper& config, TmcTransport& tmc);
  TmcCurrentInfo get_current() const override;
  void set_current(double run_current, double hold_current,
                   std::optional<double> print_time) override;
  // Full-scale RMS current of a current_range (the chip's current_range field when none).
  double get_ifs_rms(std::optional<int> current_range = {}) const;
  int calc_globalscaler(double current) const;
  int calc_current_bits(double current, int globalscaler) const;

 private:
  double current_from_field(const char* field) const;
  TmcTransport& tmc_;
  TmcFieldHelper& fields_;
  double rref_;
  double req_hold_current_;
};

class Tmc2660Current : public TmcCurrentHelper {
 public:
  static constexpr double kMaxCurrent = 2.4;
  Tmc2660Current(const ConfigWrapper& config, TmcTransport& tmc);
  TmcCurrentInfo get_current() const override;
  void set_current(double run_current, double hold_current,
                   std::optional<double> print_time) override;
  std::pair<bool, int> calc_current(double current) const;

 private:
  void update_current(double current, std::optional<double> print_time);
  Printer& printer_;
  TmcTransport& tmc_;
  TmcFieldHelper& fields_;
  double current_;
  double sense_resistor_;
  int idle_current_percentage_;
};

}  // namespace kpp
