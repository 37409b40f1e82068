// Digital, PWM and analog pins on an MCU.
#include "mcu/mcu_pins.h"

#include <algorithm>

#include <fmt/format.h>
#include <cmath>

namespace kpp {

namespace {
constexpr int64_t kMaxTicks31 = int64_t(1) << 31;
}

// ---- digital out ---------------------------------------------------------------------------

McuDigitalOutPin::McuDigitalOutPin(Mcu& mcu, const PinParams& p)
    : mcu_(mcu), pin_(p.pin), invert_(p.invert), start_value_(p.invert), shutdown_value_(p.invert) {
  mcu_.register_config_callback([this] { build_config(); });
}

void McuDigitalOutPin::setup_start_value(double start_value, double shutdown_value,
                                         bool is_static) {
  if (is_static && start_value != shutdown_value)
    throw PinError("Static pin can not have shutdown value");
  start_value_ = (start_value != 0.) ^ invert_;
  shutdown_value_ = (shutdown_value != 0.) ^ invert_;
  is_static_ = is_static;
}

void McuDigitalOutPin::build_config() {
  if (is_static_) {
    mcu_.add_config_cmd(fmt::format("set_digital_out pin={} value={}", pin_, start_value_));
    return;
  }
  if (max_duration_ != 0. && start_value_ != shutdown_value_)
    throw PinError("Pin with max duration must have start value equal to shutdown value");
  int64_t mdur_ticks = mcu_.seconds_to_clock(max_duration_);
  if (mdur_ticks >= kMaxTicks31) throw PinError("Digital pin max duration too large");
  mcu_.request_move_queue_slot();
  oid_ = mcu_.create_oid();
  mcu_.add_config_cmd(fmt::format(
      "config_digital_out oid={} pin={} value={} default_value={} max_duration={}", oid_, pin_,
      start_value_, shutdown_value_, mdur_ticks));
  mcu_.add_config_cmd(fmt::format("update_digital_out oid={} value={}", oid_, start_value_),
                      false, true);
  int cq = mcu_.alloc_command_queue();
  set_cmd_ = mcu_.lookup_command("queue_digital_out oid=%c clock=%u on_ticks=%u", cq);
}

void McuDigitalOutPin::set_digital(double print_time, int value) {
  uint64_t clock = mcu_.print_time_to_clock(print_time);
  set_cmd_.send({oid_, static_cast<int64_t>(clock), (value != 0) ^ invert_}, last_clock_, clock);
  last_clock_ = clock;
}

// ---- pwm -----------------------------------------------------------------------------------

McuPwmPin::McuPwmPin(Mcu& mcu, const PinParams& p)
    : mcu_(mcu), pin_(p.pin), invert_(p.invert), start_value_(p.invert), shutdown_value_(p.invert) {
  mcu_.register_config_callback([this] { build_config(); });
}

void McuPwmPin::setup_start_value(double start_value, double shutdown_value, bool is_static) {
  if (is_static && start_value != shutdown_value)
    throw PinError("Static pin can not have shutdown value");
  if (invert_) {
    start_value = 1. - start_value;
    shutdown_value = 1. - shutdown_value;
  }
  start_value_ = std::clamp(start_value, 0., 1.);
  shutdown_value_ = std::clamp(shutdown_value, 0., 1.);
  is_static_ = is_static;
}

void McuPwmPin::build_config() {
  if (max_duration_ != 0. && start_value_ != shutdown_value_)
    throw PinError("Pin with max duration must have start value equal to shutdown value");
  int cq = mcu_.alloc_command_queue();
  double curtime = mcu_.get_printer().get_reactor().monotonic();
  double printtime = mcu_.estimated_print_time(curtime);
  last_clock_ = mcu_.print_time_to_clock(printtime + 0.200);
  int64_t cycle_ticks = mcu_.seconds_to_clock(cycle_time_);
  int64_t mdur_ticks = mcu_.seconds_to_clock(max_duration_);
  if (mdur_ticks >= kMaxTicks31) throw PinError("PWM pin max duration too large");
  if (hardware_pwm_) {
    pwm_max_ = mcu_.get_constant_float("PWM_MAX");
    if (is_static_) {
      mcu_.add_config_cmd(fmt::format("set_pwm_out pin={} cycle_ticks={} value={}", pin_,
                                      cycle_ticks, static_cast<int64_t>(start_value_ * pwm_max_)));
      return;
    }
    mcu_.request_move_queue_slot();
    oid_ = mcu_.create_oid();
    mcu_.add_config_cmd(fmt::format(
        "config_pwm_out oid={} pin={} cycle_ticks={} value={} default_value={} max_duration={}",
        oid_, pin_, cycle_ticks, static_cast<int64_t>(start_value_ * pwm_max_),
        static_cast<int64_t>(shutdown_value_ * pwm_max_), mdur_ticks));
    auto svalue = static_cast<int64_t>(start_value_ * pwm_max_ + 0.5);
    mcu_.add_config_cmd(
        fmt::format("queue_pwm_out oid={} clock={} value={}", oid_, last_clock_, svalue), false,
        true);
    set_cmd_ = mcu_.lookup_command("queue_pwm_out oid=%c clock=%u value=%hu", cq);
    return;
  }
  // Software PWM on a digital output.
  if (shutdown_value_ != 0. && shutdown_value_ != 1.)
    throw PinError("shutdown value must be 0.0 or 1.0 on soft pwm");
  if (is_static_) {
    mcu_.add_config_cmd(
        fmt::format("set_digital_out pin={} value={}", pin_, start_value_ >= 0.5 ? 1 : 0));
    return;
  }
  if (cycle_ticks >= kMaxTicks31) throw PinError("PWM pin cycle time too large");
  mcu_.request_move_queue_slot();
  oid_ = mcu_.create_oid();
  mcu_.add_config_cmd(fmt::format(
      "config_digital_out oid={} pin={} value={} default_value={} max_duration={}", oid_, pin_,
      start_value_ >= 1.0 ? 1 : 0, shutdown_value_ >= 0.5 ? 1 : 0, mdur_ticks));
  mcu_.add_config_cmd(
      fmt::format("set_digital_out_pwm_cycle oid={} cycle_ticks={}", oid_, cycle_ticks));
  last_cycle_ticks_ = cycle_ticks;
  auto svalue = static_cast<int64_t>(start_value_ * static_cast<double>(cycle_ticks) + 0.5);
  mcu_.add_config_cmd(
      fmt::format("queue_digital_out oid={} clock={} on_ticks={}", oid_, last_clock_, svalue),
      true);
  set_cmd_ = mcu_.lookup_command("queue_digital_out oid=%c clock=%u on_ticks=%u", cq);
  set_cycle_ticks_ = mcu_.lookup_command("set_digital_out_pwm_cycle oid=%c cycle_ticks=%u", cq);
}

void McuPwmPin::set_pwm(double print_time, double value, std::optional<double> cycle_time) {
  uint64_t clock = mcu_.print_time_to_clock(print_time);
  uint64_t minclock = last_clock_;
  last_clock_ = clock;
  if (invert_) value = 1. - value;
  if (hardware_pwm_) {
    auto v = static_cast<int64_t>(std::clamp(value, 0., 1.) * pwm_max_ + 0.5);
    set_cmd_.send({oid_, static_cast<int64_t>(clock), v}, minclock, clock);
    return;
  }
  int64_t cycle_ticks = mcu_.seconds_to_clock(cycle_time.value_or(cycle_time_));
  if (cycle_ticks != last_cycle_ticks_) {
    if (cycle_ticks >= kMaxTicks31) throw CommandError("PWM cycle time too large");
    set_cycle_ticks_.send({oid_, cycle_ticks}, minclock, clock);
    last_cycle_ticks_ = cycle_ticks;
  }
  auto on_ticks = static_cast<int64_t>(std::clamp(value, 0., 1.) *
                                           static_cast<double>(cycle_ticks) + 0.5);
  set_cmd_.send({oid_, static_cast<int64_t>(clock), on_ticks}, minclock, clock);
}

// ---- adc -----------------------------------------------------------------------------------

McuAdcPin::McuAdcPin(Mcu& mcu, const PinParams& p) : mcu_(mcu), pin_(p.pin) {
  mcu_.register_config_callback([this] { build_config(); });
}

void McuAdcPin::setup_minmax(double sample_time, int sample_count, double minval, double maxval,
                             int range_check_count) {
  sample_time_ = sample_time;
  sample_count_ = sample_count;
  min_sample_ = minval;
  max_sample_ = maxval;
  range_check_count_ = range_check_count;
}

void McuAdcPin::build_config() {
  if (!sample_count_) return;
  oid_ = mcu_.create_oid();
  mcu_.add_config_cmd(fmt::format("config_analog_in oid={} pin={}", oid_, pin_));
  uint64_t clock = mcu_.get_query_slot(oid_);
  int64_t sample_ticks = mcu_.seconds_to_clock(sample_time_);
  double mcu_adc_max = mcu_.get_constant_float("ADC_MAX");
  double max_adc = sample_count_ * mcu_adc_max;
  inv_max_adc_ = 1.0 / max_adc;
  report_clock_ = mcu_.seconds_to_clock(report_time_);
  bytes_per_sample_ = max_adc > 0xffff ? 4 : 2;
  auto min_sample =
      std::clamp<int64_t>(static_cast<int64_t>(min_sample_ * max_adc), 0, 0xffff);
  auto max_sample =
      std::clamp<int64_t>(static_cast<int64_t>(std::ceil(max_sample_ * max_adc)), 0, 0xffff);
  mcu_.add_config_cmd(
      fmt::format("query_analog_in oid={} clock={} sample_ticks={} sample_count={} rest_ticks={} "
                  "bytes_per_report={} min_value={} max_value={} range_check_count={}",
                  oid_, clock, sample_ticks, sample_count_, report_clock_,
                  bytes_per_sample_ * batch_count_,
                  min_sample, max_sample, range_check_count_),
      true);
  mcu_.register_response([this](const McuResponse& r) { handle_analog_in_state(r); },
                         "analog_in_state", oid_);
}

void McuAdcPin::handle_analog_in_state(const McuResponse& r) {
  // "values" holds one or more little-endian readings; the last was taken one report period
  // before next_clock, the others one period apart before it.
  const std::string& values = r.get_bytes("values");
  size_t n = values.size() / static_cast<size_t>(bytes_per_sample_);
  if (!n) return;
  uint64_t next_clock = mcu_.clock32_to_clock64(static_cast<uint32_t>(r.get_int("next_clock")));
  for (size_t i = 0; i < n; i++) {
    uint32_t raw = 0;
    for (int b = bytes_per_sample_ - 1; b >= 0; b--)
      raw = (raw << 8) | static_cast<uint8_t>(values[i * bytes_per_sample_ + b]);
    double value = raw * inv_max_adc_;
    uint64_t read_clock = next_clock - static_cast<uint64_t>(report_clock_) * (n - i);
    double read_time = mcu_.clock_to_print_time(static_cast<double>(read_clock));
    last_state_ = {value, read_time};
    if (callback_) callback_(read_time, value);
  }
}

// ---- Mcu as a pin chip ---------------------------------------------------------------------

std::shared_ptr<McuDigitalOut> Mcu::setup_digital_out(const PinParams& p) {
  return std::make_shared<McuDigitalOutPin>(*this, p);
}
std::shared_ptr<McuPwm> Mcu::setup_pwm(const PinParams& p) {
  return std::make_shared<McuPwmPin>(*this, p);
}
std::shared_ptr<McuAdc> Mcu::setup_adc(const PinParams& p) {
  return std::make_shared<McuAdcPin>(*this, p);
}

}  // namespace kpp
