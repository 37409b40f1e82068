// Conversion between the host's clocks and an MCU's clock (Klipper's clocksync.py): print time
// (seconds on the main MCU's clock) <-> MCU clock ticks, and host time -> estimated print time.
// In batch mode the conversion is exact (clock = print_time * CLOCK_FREQ). The live estimation
// from get_clock round trips plugs in through set_estimate()/set_adjust().
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace kpp {

class ClockSync {
 public:
  virtual ~ClockSync() = default;

  // Batch mode: the MCU clock runs at `mcu_freq` from print time 0.
  void connect_file(double mcu_freq);
  bool is_fileoutput() const { return file_mode_; }
  bool is_active() const { return active_; }
  void set_active(bool a) { active_ = a; }
  double mcu_freq() const { return mcu_freq_; }

  // Live mode: the current estimate of the MCU clock: at host time `sample_time` the clock was
  // `clock`, running at `freq` ticks per second of host time.
  void set_estimate(double sample_time, double clock, double freq);

  virtual uint64_t print_time_to_clock(double print_time) const;
  virtual double clock_to_print_time(double clock) const;
  // The MCU clock expected at host time `eventtime`.
  double get_clock(double eventtime) const;
  double estimated_print_time(double eventtime) const;
  // Extend a 32-bit clock from the MCU to 64 bits, near the last known clock.
  uint64_t clock32_to_clock64(uint32_t clock32) const;
  // For the step generation of this MCU: (time offset, frequency) such that
  // clock = (print_time - offset) * freq.
  virtual std::pair<double, double> calibrate_clock(double print_time, double eventtime);
  virtual std::string stats(double eventtime) const;

 protected:
  bool file_mode_ = false;
  bool active_ = true;
  double mcu_freq_ = 1.;
  // Live estimate: clock at sample_time and rate.
  double est_sample_time_ = 0., est_clock_ = 0., est_freq_ = 1.;
  uint64_t last_clock_ = 0;
};

// A secondary MCU: its print time follows the main MCU's through a linear adjustment.
class SecondarySync : public ClockSync {
 public:
  explicit SecondarySync(ClockSync& main) : main_(main) {}
  void connect_file_secondary(double mcu_freq);
  void set_adjust(double offset, double freq) { adj_offset_ = offset, adj_freq_ = freq; }

  uint64_t print_time_to_clock(double print_time) const override;
  double clock_to_print_time(double clock) const override;
  std::pair<double, double> calibrate_clock(double print_time, double eventtime) override;

 private:
  ClockSync& main_;
  double adj_offset_ = 0., adj_freq_ = 1.;
};

}  // namespace kpp
