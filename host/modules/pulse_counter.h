// Pulse counting on an MCU pin (Klipper's pulse_counter.py): the MCU counts edges and reports
// the count every sample_time; FrequencyCounter turns that into pulses per second (fan
// tachometers).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/printer.h"

namespace kpp {

class Mcu;
struct McuResponse;

class McuCounter {
 public:
  // (print time of the report, total count, print time of the last counted edge)
  using Callback = std::function<void(double time, int64_t count, double count_time)>;
  McuCounter(Printer& printer, const std::string& pin, double sample_time, double poll_time);
  void setup_callback(Callback cb) { callback_ = std::move(cb); }

 private:
  void build_config();
  void handle_counter_state(const McuResponse& r);
  Mcu* mcu_;
  int oid_;
  std::string pin_;
  int pullup_;
  double sample_time_, poll_time_;
  int64_t poll_ticks_ = 0;
  int64_t last_count_ = 0;
  Callback callback_;
};

class FrequencyCounter {
 public:
  FrequencyCounter(Printer& printer, const std::string& pin, double sample_time,
                   double poll_time);
  double get_frequency() const { return freq_; }
  // The counter's update, public for tests.
  void counter_update(double time, int64_t count, double count_time);

 private:
  McuCounter counter_;
  bool have_sample_ = false;
  double last_time_ = 0.;
  int64_t last_count_ = 0;
  double freq_ = 0.;
};

}  // namespace kpp
