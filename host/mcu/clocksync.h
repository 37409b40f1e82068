// Conversion between the host's clocks and an MCU's clock (Klipper's clocksync.py): print time
// (seconds on the main MCU's clock) <-> MCU clock ticks, and host time -> estimated MCU clock.
//
// Live, the estimate comes from get_clock round trips about once a second: each answer is a
// sample (host send time, MCU clock) added to an exponentially decaying linear regression; the
// slope is the MCU frequency in host time and the averages anchor the line. Samples far off the
// prediction are dropped (or reset the prediction variance when they keep coming). The link's
// scheduling gets a conservative copy of the estimate (set_clock_est). In batch mode the
// conversion is exact (clock = print_time * CLOCK_FREQ).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "core/reactor.h"

namespace kpp {

class SerialReader;
struct McuResponse;

class ClockSync {
 public:
  // Weight of a new sample in the regression.
  static constexpr double kDecay = 1. / 30.;
  // Aging of the minimum round trip time (seconds per second).
  static constexpr double kRttAge = .000010 / (60. * 60.);
  static constexpr double kTransmitExtra = .001;
  // Seconds between get_clock queries (an odd value, not to beat with other periodic work).
  static constexpr double kQueryInterval = .9839;
  // Unanswered queries before the link counts as lost.
  static constexpr int kMaxPendingQueries = 4;

  ClockSync() = default;
  virtual ~ClockSync();
  ClockSync(const ClockSync&) = delete;
  ClockSync& operator=(const ClockSync&) = delete;

  // Live: read the uptime, take eight quick samples, then query every kQueryInterval.
  virtual void connect(SerialReader& serial);
  // Batch mode: the MCU clock runs at `mcu_freq` from print time 0.
  void connect_file(double mcu_freq);
  // Stop the periodic queries (disconnect).
  void disconnect();
  bool is_fileoutput() const { return file_mode_; }
  // False once more than kMaxPendingQueries get_clock queries went unanswered.
  bool is_active() const { return file_mode_ || queries_pending_ <= kMaxPendingQueries; }
  double mcu_freq() const { return mcu_freq_; }

  // Start the estimate without a link (tests): the MCU runs at nominally `mcu_freq` and its
  // uptime query, sent at `sent_time`, answered `clock`.
  void start(double mcu_freq, double sent_time, uint64_t clock) {
    file_mode_ = false;
    mcu_freq_ = mcu_freq;
    start_from_uptime(sent_time, clock);
  }
  // Feed one get_clock answer: host send and receive times and the 32-bit clock. Exposed for
  // tests; the live link calls it for every "clock" response.
  void handle_clock(double sent_time, double receive_time, uint32_t clock32);
  // The periodic query's bookkeeping (a query went out).
  void note_query_sent() { queries_pending_++; }

  virtual uint64_t print_time_to_clock(double print_time) const;
  virtual double clock_to_print_time(double clock) const;
  // The MCU clock expected at host time `eventtime`.
  double get_clock(double eventtime) const;
  // Host time at which the MCU clock reaches `clock`.
  double estimate_clock_systime(double clock) const;
  double estimated_print_time(double eventtime) const;
  // Extend a 32-bit clock from the MCU to 64 bits, near the last known clock.
  uint64_t clock32_to_clock64(uint32_t clock32) const;
  // For the step generation of this MCU: (time offset, frequency) such that
  // clock = (print_time - offset) * freq.
  virtual std::pair<double, double> calibrate_clock(double print_time, double eventtime);
  // (sample time, clock, frequency) of the current estimate.
  struct Estimate {
    double time = 0., clock = 0., freq = 0.;
  };
  const Estimate& clock_est() const { return clock_est_; }
  virtual std::string stats(double eventtime) const;
  virtual std::string dump_debug() const;

 protected:
  void start_from_uptime(double sent_time, uint64_t clock);
  void publish(double new_freq);

  SerialReader* serial_ = nullptr;
  Reactor* reactor_ = nullptr;
  Reactor::Timer* query_timer_ = nullptr;
  int query_queue_ = 0;
  bool file_mode_ = false;
  int queries_pending_ = 0;
  double mcu_freq_ = 1.;
  uint64_t last_clock_ = 0;
  Estimate clock_est_;
  // Minimum round-trip tracking.
  double min_half_rtt_ = 999999999.9, min_rtt_time_ = 0.;
  // Decaying linear regression of MCU clock on host send time.
  double time_avg_ = 0., time_variance_ = 0.;
  double clock_avg_ = 0., clock_covariance_ = 0.;
  double prediction_variance_ = 0., last_prediction_time_ = 0.;
};

// A secondary MCU: its print time follows the main MCU's through a linear adjustment that is
// recomputed (calibrate_clock) as print time advances, so both MCUs agree at a time a few
// seconds ahead.
class SecondarySync : public ClockSync {
 public:
  explicit SecondarySync(ClockSync& main) : main_(main) {}
  void connect(SerialReader& serial) override;
  void connect_file_secondary(double mcu_freq);
  void set_adjust(double offset, double freq) { adj_offset_ = offset, adj_freq_ = freq; }

  uint64_t print_time_to_clock(double print_time) const override;
  double clock_to_print_time(double clock) const override;
  std::pair<double, double> calibrate_clock(double print_time, double eventtime) override;
  std::string stats(double eventtime) const override;
  std::string dump_debug() const override;

 private:
  ClockSync& main_;
  double adj_offset_ = 0., adj_freq_ = 1.;
  double last_sync_time_ = 0.;
};

}  // namespace kpp
