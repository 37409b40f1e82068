// Clock conversions between print time, host time and MCU clocks.
#include "mcu/clocksync.h"

#include <fmt/format.h>

namespace kpp {

void ClockSync::connect_file(double mcu_freq) {
  file_mode_ = true;
  mcu_freq_ = mcu_freq;
  est_sample_time_ = 0.;
  est_clock_ = 0.;
  est_freq_ = mcu_freq;
}

void ClockSync::set_estimate(double sample_time, double clock, double freq) {
  est_sample_time_ = sample_time;
  est_clock_ = clock;
  est_freq_ = freq;
  last_clock_ = static_cast<uint64_t>(clock);
}

uint64_t ClockSync::print_time_to_clock(double print_time) const {
  return static_cast<uint64_t>(static_cast<int64_t>(print_time * mcu_freq_));
}

double ClockSync::clock_to_print_time(double clock) const { return clock / mcu_freq_; }

double ClockSync::get_clock(double eventtime) const {
  return est_clock_ + (eventtime - est_sample_time_) * est_freq_;
}

double ClockSync::estimated_print_time(double eventtime) const {
  return clock_to_print_time(get_clock(eventtime));
}

uint64_t ClockSync::clock32_to_clock64(uint32_t clock32) const {
  uint64_t last = last_clock_;
  uint64_t clock_diff = (clock32 - static_cast<uint32_t>(last)) & 0xffffffffULL;
  int64_t diff = static_cast<int64_t>(clock_diff);
  if (clock_diff & 0x80000000ULL) diff -= 0x100000000LL;
  return static_cast<uint64_t>(static_cast<int64_t>(last) + diff);
}

std::pair<double, double> ClockSync::calibrate_clock(double, double) { return {0., mcu_freq_}; }

std::string ClockSync::stats(double eventtime) const {
  return fmt::format("freq={}", static_cast<int64_t>(est_freq_ + .5 + 0. * eventtime));
}

void SecondarySync::connect_file_secondary(double mcu_freq) {
  connect_file(mcu_freq);
  adj_offset_ = 0.;
  adj_freq_ = mcu_freq;
}

uint64_t SecondarySync::print_time_to_clock(double print_time) const {
  return static_cast<uint64_t>(static_cast<int64_t>((print_time - adj_offset_) * adj_freq_));
}

double SecondarySync::clock_to_print_time(double clock) const {
  return clock / adj_freq_ + adj_offset_;
}

std::pair<double, double> SecondarySync::calibrate_clock(double, double) {
  return {adj_offset_, adj_freq_};
}

}  // namespace kpp
