// Clock synchronisation: decaying linear regression of MCU clock samples against host time.
#include "mcu/clocksync.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/serial_reader.h"

namespace kpp {

ClockSync::~ClockSync() { disconnect(); }

void ClockSync::disconnect() {
  if (query_timer_ && reactor_) reactor_->unregister_timer(query_timer_);
  query_timer_ = nullptr;
  if (serial_) serial_->register_response({}, "clock");
  serial_ = nullptr;
}

void ClockSync::start_from_uptime(double sent_time, uint64_t clock) {
  last_clock_ = clock;
  clock_avg_ = static_cast<double>(clock);
  time_avg_ = sent_time;
  time_variance_ = clock_covariance_ = 0.;
  min_half_rtt_ = 999999999.9;
  min_rtt_time_ = 0.;
  clock_est_ = Estimate{time_avg_, clock_avg_, mcu_freq_};
  prediction_variance_ = (.001 * mcu_freq_) * (.001 * mcu_freq_);
  queries_pending_ = 0;
}

void ClockSync::connect(SerialReader& serial) {
  disconnect();
  serial_ = &serial;
  reactor_ = &serial.get_reactor();
  file_mode_ = false;
  mcu_freq_ = serial.dictionary().constant_float("CLOCK_FREQ");
  McuResponse up = serial.send_with_response("get_uptime", "uptime");
  uint64_t clock = (static_cast<uint64_t>(up.get_int("high")) << 32) |
                   static_cast<uint32_t>(up.get_int("clock"));
  start_from_uptime(up.sent_time, clock);
  // A few quick samples so the first estimate of the frequency is usable at once.
  for (int i = 0; i < 8; i++) {
    reactor_->pause(reactor_->monotonic() + 0.050);
    last_prediction_time_ = -9999.;
    McuResponse r = serial.send_with_response("get_clock", "clock");
    handle_clock(r.sent_time, r.receive_time, static_cast<uint32_t>(r.get_int("clock")));
  }
  auto cmd = serial.dictionary().encode_text("get_clock");
  query_queue_ = serial.alloc_command_queue();
  serial.register_response(
      [this](const McuResponse& r) {
        handle_clock(r.sent_time, r.receive_time, static_cast<uint32_t>(r.get_int("clock")));
      },
      "clock");
  query_timer_ = reactor_->register_timer(
      [this, cmd](double eventtime) -> double {
        if (!serial_ || !serial_->is_connected()) return Reactor::kNever;
        serial_->queue().send(query_queue_, cmd, 0, 0);
        queries_pending_++;
        return eventtime + kQueryInterval;
      },
      Reactor::kNow);
}

void ClockSync::connect_file(double mcu_freq) {
  file_mode_ = true;
  mcu_freq_ = mcu_freq;
  clock_est_ = Estimate{0., 0., mcu_freq};
  last_clock_ = 0;
}

void ClockSync::handle_clock(double sent_time, double receive_time, uint32_t clock32) {
  queries_pending_ = 0;
  // Extend to 64 bits.
  uint64_t clock = (last_clock_ & ~0xffffffffULL) | clock32;
  if (clock < last_clock_) clock += 0x100000000ULL;
  last_clock_ = clock;
  if (sent_time == 0.) return;  // an answer to a retransmitted block: its timing is unknown
  // The best round trip so far (slowly aged so a new minimum is found again).
  double half_rtt = .5 * (receive_time - sent_time);
  double aged_rtt = (sent_time - min_rtt_time_) * kRttAge;
  if (half_rtt < min_half_rtt_ + aged_rtt) {
    min_half_rtt_ = half_rtt;
    min_rtt_time_ = sent_time;
    log::debug("new minimum rtt {:.3f}: hrtt={:.6f} freq={}", sent_time, half_rtt,
               static_cast<int64_t>(clock_est_.freq));
  }
  // Outliers: far from the prediction (and not merely late) are ignored for a while.
  double dclock = static_cast<double>(clock);
  double exp_clock = (sent_time - time_avg_) * clock_est_.freq + clock_avg_;
  double clock_diff2 = (dclock - exp_clock) * (dclock - exp_clock);
  double outlier2 = (.000500 * mcu_freq_) * (.000500 * mcu_freq_);
  if (clock_diff2 > 25. * prediction_variance_ && clock_diff2 > outlier2) {
    if (dclock > exp_clock && sent_time < last_prediction_time_ + 10.) {
      log::debug("Ignoring clock sample {:.3f}: freq={} diff={} stddev={:.3f}", sent_time,
                 static_cast<int64_t>(clock_est_.freq), static_cast<int64_t>(dclock - exp_clock),
                 std::sqrt(prediction_variance_));
      return;
    }
    log::info("Resetting prediction variance {:.3f}: freq={} diff={} stddev={:.3f}", sent_time,
              static_cast<int64_t>(clock_est_.freq), static_cast<int64_t>(dclock - exp_clock),
              std::sqrt(prediction_variance_));
    prediction_variance_ = (.001 * mcu_freq_) * (.001 * mcu_freq_);
  } else {
    last_prediction_time_ = sent_time;
    prediction_variance_ = (1. - kDecay) * (prediction_variance_ + clock_diff2 * kDecay);
  }
  // Add the sample to the regression.
  double diff_sent_time = sent_time - time_avg_;
  time_avg_ += kDecay * diff_sent_time;
  time_variance_ = (1. - kDecay) * (time_variance_ + diff_sent_time * diff_sent_time * kDecay);
  double diff_clock = dclock - clock_avg_;
  clock_avg_ += kDecay * diff_clock;
  clock_covariance_ =
      (1. - kDecay) * (clock_covariance_ + diff_sent_time * diff_clock * kDecay);
  double new_freq = time_variance_ > 0. ? clock_covariance_ / time_variance_ : clock_est_.freq;
  publish(new_freq);
}

void ClockSync::publish(double new_freq) {
  double pred_stddev = std::sqrt(prediction_variance_);
  // The link schedules by a clock three deviations behind the average: messages then go out
  // early rather than late.
  if (serial_)
    serial_->set_clock_est(new_freq, time_avg_ + kTransmitExtra,
                           static_cast<uint64_t>(clock_avg_ - 3. * pred_stddev), last_clock_);
  clock_est_ = Estimate{time_avg_ + min_half_rtt_, clock_avg_, new_freq};
}

uint64_t ClockSync::print_time_to_clock(double print_time) const {
  return static_cast<uint64_t>(static_cast<int64_t>(print_time * mcu_freq_));
}

double ClockSync::clock_to_print_time(double clock) const { return clock / mcu_freq_; }

double ClockSync::get_clock(double eventtime) const {
  return std::trunc(clock_est_.clock + (eventtime - clock_est_.time) * clock_est_.freq);
}

double ClockSync::estimate_clock_systime(double clock) const {
  return (clock - clock_est_.clock) / clock_est_.freq + clock_est_.time;
}

double ClockSync::estimated_print_time(double eventtime) const {
  return clock_to_print_time(get_clock(eventtime));
}

uint64_t ClockSync::clock32_to_clock64(uint32_t clock32) const {
  uint64_t last = last_clock_;
  uint64_t clock_diff = (last - clock32) & 0xffffffffULL;
  if (clock_diff & 0x80000000ULL) return last + 0x100000000ULL - clock_diff;
  return last - clock_diff;
}

std::pair<double, double> ClockSync::calibrate_clock(double, double) { return {0., mcu_freq_}; }

std::string ClockSync::stats(double) const {
  return fmt::format("freq={}", static_cast<int64_t>(clock_est_.freq));
}

std::string ClockSync::dump_debug() const {
  return fmt::format(
      "clocksync state: mcu_freq={} last_clock={} clock_est=({:.3f} {} {:.3f}) "
      "min_half_rtt={:.6f} min_rtt_time={:.3f} time_avg={:.3f}({:.3f}) clock_avg={:.3f}({:.3f}) "
      "pred_variance={:.3f}",
      static_cast<int64_t>(mcu_freq_), last_clock_, clock_est_.time,
      static_cast<int64_t>(clock_est_.clock), clock_est_.freq, min_half_rtt_, min_rtt_time_,
      time_avg_, time_variance_, clock_avg_, clock_covariance_, prediction_variance_);
}

// ---- secondary MCUs ----------------------------------------------------------------------------

void SecondarySync::connect(SerialReader& serial) {
  ClockSync::connect(serial);
  adj_offset_ = 0.;
  adj_freq_ = mcu_freq_;
  double curtime = reactor_->monotonic();
  double main_print_time = main_.estimated_print_time(curtime);
  double local_print_time = estimated_print_time(curtime);
  adj_offset_ = main_print_time - local_print_time;
  calibrate_clock(0., curtime);
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

std::pair<double, double> SecondarySync::calibrate_clock(double print_time, double eventtime) {
  if (file_mode_) return {adj_offset_, adj_freq_};
  // The main MCU's estimated print time now.
  const Estimate& m = main_.clock_est();
  double main_mcu_freq = main_.mcu_freq();
  double est_main_clock = (eventtime - m.time) * m.freq + m.clock;
  double est_print_time = est_main_clock / main_mcu_freq;
  // Agree at sync1 (now, or the print time already queued) and at sync2 a few seconds later.
  double sync1_print_time = std::max(print_time, est_print_time);
  double sync2_print_time = std::max({sync1_print_time + 4., last_sync_time_,
                                      print_time + 2.5 * (print_time - est_print_time)});
  double sync2_main_clock = sync2_print_time * main_mcu_freq;
  double sync2_sys_time = m.time + (sync2_main_clock - m.clock) / m.freq;
  double sync1_clock = static_cast<double>(print_time_to_clock(sync1_print_time));
  double sync2_clock = get_clock(sync2_sys_time);
  double adjusted_freq = (sync2_clock - sync1_clock) / (sync2_print_time - sync1_print_time);
  double adjusted_offset = sync1_print_time - sync1_clock / adjusted_freq;
  adj_offset_ = adjusted_offset;
  adj_freq_ = adjusted_freq;
  last_sync_time_ = sync2_print_time;
  return {adj_offset_, adj_freq_};
}

std::string SecondarySync::stats(double eventtime) const {
  return fmt::format("{} adj={}", ClockSync::stats(eventtime), static_cast<int64_t>(adj_freq_));
}

std::string SecondarySync::dump_debug() const {
  return fmt::format("{} clock_adj=({:.3f} {:.3f})", ClockSync::dump_debug(), adj_offset_,
                     adj_freq_);
}

}  // namespace kpp
