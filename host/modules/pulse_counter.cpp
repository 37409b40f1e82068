// MCU pulse counters and the frequency derived from them.
#include "modules/pulse_counter.h"

#include <fmt/format.h>

#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp {

McuCounter::McuCounter(Printer& printer, const std::string& pin, double sample_time,
                       double poll_time)
    : sample_time_(sample_time), poll_time_(poll_time) {
  auto& ppins = printer.lookup<PrinterPins>("pins");
  PinParams p = ppins.lookup_pin(pin, false, true);
  mcu_ = dynamic_cast<Mcu*>(p.chip);
  if (!mcu_) throw PinError(fmt::format("Pin '{}' is not on an MCU: it can not count pulses", pin));
  pin_ = p.pin;
  pullup_ = p.pullup;
  oid_ = mcu_->create_oid();
  mcu_->register_config_callback([this] { build_config(); });
}

void McuCounter::build_config() {
  mcu_->add_config_cmd(fmt::format("config_counter oid={} pin={} pull_up={}", oid_, pin_, pullup_));
  uint64_t clock = mcu_->get_query_slot(oid_);
  poll_ticks_ = mcu_->seconds_to_clock(poll_time_);
  int64_t sample_ticks = mcu_->seconds_to_clock(sample_time_);
  mcu_->add_config_cmd(fmt::format("query_counter oid={} clock={} poll_ticks={} sample_ticks={}",
                                   oid_, clock, poll_ticks_, sample_ticks),
                       true);
  mcu_->register_response([this](const McuResponse& r) { handle_counter_state(r); },
                          "counter_state", oid_);
}

void McuCounter::handle_counter_state(const McuResponse& r) {
  uint64_t next_clock = mcu_->clock32_to_clock64(static_cast<uint32_t>(r.get_int("next_clock")));
  double time = mcu_->clock_to_print_time(static_cast<double>(next_clock - poll_ticks_));
  uint64_t count_clock =
      mcu_->clock32_to_clock64(static_cast<uint32_t>(r.get_int("count_clock")));
  double count_time = mcu_->clock_to_print_time(static_cast<double>(count_clock));
  // The MCU's count is 32 bits and wraps.
  auto delta = static_cast<uint32_t>(static_cast<uint32_t>(r.get_int("count")) -
                                     static_cast<uint32_t>(last_count_));
  last_count_ += delta;
  if (callback_) callback_(time, last_count_, count_time);
}

FrequencyCounter::FrequencyCounter(Printer& printer, const std::string& pin, double sample_time,
                                   double poll_time)
    : counter_(printer, pin, sample_time, poll_time) {
  counter_.setup_callback(
      [this](double t, int64_t count, double count_time) { counter_update(t, count, count_time); });
}

void FrequencyCounter::counter_update(double time, int64_t count, double count_time) {
  if (!have_sample_) {
    have_sample_ = true;
    last_time_ = time;
  } else {
    double delta_time = count_time - last_time_;
    if (delta_time > 0.) {
      last_time_ = count_time;
      freq_ = static_cast<double>(count - last_count_) / delta_time;
    } else {
      // No edge since the last report.
      last_time_ = time;
      freq_ = 0.;
    }
  }
  last_count_ = count;
}

}  // namespace kpp
