// Bulk sensor reading: chip clock regression and fixed-frequency sample time stamps (see
// bulk_sensor.h).
#include "modules/bulk_sensor.h"

#include <algorithm>
#include <cstring>

namespace kpp {

// ---- ClockSyncRegression ---------------------------------------------------------------------

void ClockSyncRegression::reset(double mcu_clock, double chip_clock) {
  mcu_clock_avg_ = mcu_clock;
  chip_clock_avg_ = chip_clock;
  mcu_clock_variance_ = chip_clock_covariance_ = 0.;
  last_chip_clock_ = last_exp_mcu_clock_ = 0.;
}

void ClockSyncRegression::update(double mcu_clock, double chip_clock) {
  // Exponentially decaying averages: recent status answers count most, so the estimate follows
  // slow drift of the chip's oscillator.
  double diff_mcu = mcu_clock - mcu_clock_avg_;
  mcu_clock_avg_ += decay_ * diff_mcu;
  mcu_clock_variance_ = (1. - decay_) * (mcu_clock_variance_ + diff_mcu * diff_mcu * decay_);
  double diff_chip = chip_clock - chip_clock_avg_;
  chip_clock_avg_ += decay_ * diff_chip;
  chip_clock_covariance_ =
      (1. - decay_) * (chip_clock_covariance_ + diff_mcu * diff_chip * decay_);
}

void ClockSyncRegression::set_last_chip_clock(double chip_clock) {
  auto [base_mcu, base_chip, inv_cfreq] = get_clock_translation();
  last_chip_clock_ = chip_clock;
  last_exp_mcu_clock_ = base_mcu + (chip_clock - base_chip) * inv_cfreq;
}

std::array<double, 3> ClockSyncRegression::get_clock_translation() const {
  double inv_chip_freq =
      chip_clock_covariance_ ? mcu_clock_variance_ / chip_clock_covariance_ : 0.;
  if (!last_chip_clock_) return {mcu_clock_avg_, chip_clock_avg_, inv_chip_freq};
  // Continue from the last sample handed out and converge on the regression line over the
  // next chip_clock_smooth samples, so time stamps never jump.
  double s_chip_clock = last_chip_clock_ + chip_clock_smooth_;
  double s_mcu_clock = mcu_clock_avg_ + (s_chip_clock - chip_clock_avg_) * inv_chip_freq;
  double s_inv_chip_freq = (s_mcu_clock - last_exp_mcu_clock_) / chip_clock_smooth_;
  return {last_exp_mcu_clock_, last_chip_clock_, s_inv_chip_freq};
}

ClockSyncRegression::Translation ClockSyncRegression::get_time_translation() const {
  auto [base_mcu, base_chip, inv_cfreq] = get_clock_translation();
  double base_time = mcu_.clock_to_print_time(base_mcu);
  double inv_freq = mcu_.clock_to_print_time(base_mcu + inv_cfreq) - base_time;
  return {base_time, base_chip, inv_freq};
}

// ---- FixedFreqReader -------------------------------------------------------------------------

FixedFreqReader::FixedFreqReader(Mcu& mcu, double chip_clock_smooth, int bytes_per_sample)
    : mcu_(mcu),
      clock_sync_(mcu, chip_clock_smooth),
      bytes_per_sample_(bytes_per_sample),
      samples_per_block_(kMaxBulkMsgSize / bytes_per_sample) {}

void FixedFreqReader::setup_query_command(const std::string& msgformat, int oid, int cmd_queue) {
  oid_ = oid;
  query_status_cmd_ = mcu_.lookup_query_command(
      msgformat,
      "sensor_bulk_status oid=%c clock=%u query_ticks=%u next_sequence=%hu buffered=%u "
      "possible_overflows=%hu",
      oid, cmd_queue);
  mcu_.register_response(
      [this](const McuResponse& r) {
        raw_.emplace_back(static_cast<uint16_t>(r.get_int("sequence")), r.get_bytes("data"));
      },
      "sensor_bulk_data", oid);
}

void FixedFreqReader::note_start() {
  last_sequence_ = 0;
  last_overflows_ = 0;
  raw_.clear();  // stale messages of an earlier session
  query_status(true);
  max_query_duration_ = 1ull << 31;
}

void FixedFreqReader::query_status(bool is_reset) {
  McuResponse r = query_status_cmd_.send({oid_});
  update_clock(static_cast<uint32_t>(r.get_int("clock")),
               static_cast<uint32_t>(r.get_int("query_ticks")),
               static_cast<uint16_t>(r.get_int("next_sequence")),
               static_cast<uint32_t>(r.get_int("buffered")),
               static_cast<uint16_t>(r.get_int("possible_overflows")), is_reset);
}

void FixedFreqReader::update_clock(uint32_t clock, uint32_t query_ticks, uint16_t next_sequence,
                                   uint32_t buffered, uint16_t possible_overflows,
                                   bool is_reset) {
  uint64_t mcu_clock = mcu_.clock32_to_clock64(clock);
  last_sequence_ += static_cast<uint16_t>(next_sequence - last_sequence_);
  last_overflows_ += static_cast<uint16_t>(possible_overflows - last_overflows_);
  uint64_t duration = query_ticks;
  if (is_reset) max_query_duration_ = 1ull << 31;  // a fresh start takes any answer
  if (duration > max_query_duration_) {
    // A slow answer (bus contention) would skew the regression: skip it, but accept slower
    // answers from now on so that a permanently slower bus still gets through.
    max_query_duration_ = std::max<uint64_t>(2 * max_query_duration_,
                                             static_cast<uint64_t>(mcu_.seconds_to_clock(.000005)));
    return;
  }
  max_query_duration_ = 2 * duration;
  double msg_count = static_cast<double>(last_sequence_ * samples_per_block_ +
                                         buffered / static_cast<uint32_t>(bytes_per_sample_));
  // +0.5 for the average delay of the query within a sample period, +0.5 for the chip's own
  // processing delay.
  double chip_clock = msg_count + 1.;
  double avg_mcu_clock = static_cast<double>(mcu_clock + duration / 2);
  if (is_reset)
    clock_sync_.reset(avg_mcu_clock, chip_clock);
  else
    clock_sync_.update(avg_mcu_clock, chip_clock);
}

std::vector<BulkSample> FixedFreqReader::pull_samples() {
  query_status(false);
  std::vector<std::pair<uint16_t, std::string>> raw;
  raw.swap(raw_);
  return convert(raw);
}

std::vector<BulkSample> FixedFreqReader::convert(
    const std::vector<std::pair<uint16_t, std::string>>& raw) {
  std::vector<BulkSample> out;
  if (raw.empty()) return out;
  auto tr = clock_sync_.get_time_translation();
  out.reserve(raw.size() * static_cast<size_t>(samples_per_block_));
  int64_t seq = 0;
  int last_i = 0;
  for (const auto& [sequence, data] : raw) {
    // The 16-bit sequence relative to the last one the status query reported (messages may be
    // a little older or newer than that).
    int64_t seq_diff = static_cast<uint16_t>(sequence - static_cast<uint16_t>(last_sequence_));
    if (seq_diff & 0x8000) seq_diff -= 0x10000;
    seq = static_cast<int64_t>(last_sequence_) + seq_diff;
    double msg_cdiff = static_cast<double>(seq * samples_per_block_) - tr.base_chip;
    size_t n = data.size() / static_cast<size_t>(bytes_per_sample_);
    for (size_t i = 0; i < n; i++) {
      BulkSample s{};
      s.time = tr.base_time + (msg_cdiff + static_cast<double>(i)) * tr.inv_freq;
      std::memcpy(s.data.data(), data.data() + i * static_cast<size_t>(bytes_per_sample_),
                  static_cast<size_t>(bytes_per_sample_));
      out.push_back(s);
      last_i = static_cast<int>(i);
    }
  }
  clock_sync_.set_last_chip_clock(static_cast<double>(seq * samples_per_block_ + last_i));
  return out;
}

}  // namespace kpp
