// Step compression (see stepcompress.h).
#include "motion/stepcompress.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace kpp::motion {

namespace {

constexpr size_t kQueueStartSize = 1024;
// A queue_step holds at most this many steps.
constexpr size_t kMaxCount = 65535;
// The largest difference of `add` between two valid quadratic sequences is
// (6 + 4*sqrt(2)) * max_error / count^2; 11 works well in practice.
constexpr int32_t kQuadraticDev = 11;

// 32-bit arithmetic that wraps like the MCU's instead of being undefined on overflow.
inline int32_t wmul(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}
inline int32_t wadd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wsub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}
// n/d rounded up / down, for signed n and positive d.
inline int32_t idiv_up(int32_t n, int32_t d) {
  return n >= 0 ? wadd(n, d - 1) / d : n / d;
}
inline int32_t idiv_down(int32_t n, int32_t d) {
  return n >= 0 ? n / d : wadd(wsub(n, d), 1) / d;
}
inline int32_t add_factor(int32_t count) {
  return wmul(count, count - 1) / 2;
}

// double -> uint64 as the host compiler does it for in-range and slightly negative values
// (a step computed a hair before the last step clock lands on the clock below it).
inline uint64_t to_clock(double v) {
  constexpr double k2p63 = 9223372036854775808.0;
  if (v >= k2p63) return static_cast<uint64_t>(static_cast<int64_t>(v - k2p63)) ^ (1ull << 63);
  if (v <= -k2p63) return 1ull << 63;
  return static_cast<uint64_t>(static_cast<int64_t>(v));
}

}  // namespace

StepCompress::StepCompress(MessageQueue* out) : out_(out) {}

void StepCompress::configure(uint32_t oid, uint32_t max_error, int32_t queue_step_msgtag,
                             int32_t set_next_step_dir_msgtag) {
  oid_ = oid;
  max_error_ = max_error;
  queue_step_msgtag_ = queue_step_msgtag;
  set_next_step_dir_msgtag_ = set_next_step_dir_msgtag;
}

void StepCompress::set_invert_sdir(bool invert_sdir) {
  int inv = invert_sdir ? 1 : 0;
  if (inv != invert_sdir_) {
    invert_sdir_ = inv;
    if (sdir_ >= 0) sdir_ ^= 1;
  }
}

void StepCompress::calc_last_step_print_time() {
  double lsc = static_cast<double>(last_step_clock_);
  last_step_print_time_ = mcu_time_offset_ + (lsc - .5) / mcu_freq_;
}

void StepCompress::set_time(double time_offset, double mcu_freq) {
  mcu_time_offset_ = time_offset;
  mcu_freq_ = mcu_freq;
  calc_last_step_print_time();
}

// The window in which the step at queue_[i] may be scheduled, relative to the last step clock:
// up to max_error early (but no more than half the gap to the previous step), never late.
StepCompress::Points StepCompress::minmax_point(size_t i) const {
  uint32_t lsc = static_cast<uint32_t>(last_step_clock_), point = queue_[i] - lsc;
  uint32_t prevpoint = i > pos_ ? queue_[i - 1] - lsc : 0;
  uint32_t max_error = (point - prevpoint) / 2;
  if (max_error > max_error_) max_error = max_error_;
  return {static_cast<int32_t>(point - max_error), static_cast<int32_t>(point)};
}

// Find the (interval, count, add) that covers the most pending steps: for each candidate `add`
// the longest run that fits every step window is found, and `add` is bisected towards values
// that would also fit the first step that did not.
StepMove StepCompress::compress_bisect_add() const {
  size_t qlast = next_;
  if (qlast > pos_ + kMaxCount) qlast = pos_ + kMaxCount;
  Points point = minmax_point(pos_);
  int32_t outer_mininterval = point.minp, outer_maxinterval = point.maxp;
  int32_t add = 0, minadd = -0x8000, maxadd = 0x7fff;
  int32_t bestinterval = 0, bestcount = 1, bestadd = 1, bestreach = INT32_MIN;
  int32_t zerointerval = 0, zerocount = 0;

  for (;;) {
    // Longest valid sequence with this `add`.
    Points nextpoint;
    int32_t nextmininterval = outer_mininterval;
    int32_t nextmaxinterval = outer_maxinterval, interval = nextmaxinterval;
    int32_t nextcount = 1;
    for (;;) {
      nextcount++;
      if (pos_ + nextcount - 1 >= qlast) {
        int32_t count = nextcount - 1;
        return {static_cast<uint32_t>(interval), static_cast<uint16_t>(count),
                static_cast<int16_t>(add)};
      }
      nextpoint = minmax_point(pos_ + nextcount - 1);
      int32_t c = wmul(add, add_factor(nextcount));
      if (wmul(nextmininterval, nextcount) < wsub(nextpoint.minp, c))
        nextmininterval = idiv_up(wsub(nextpoint.minp, c), nextcount);
      if (wmul(nextmaxinterval, nextcount) > wsub(nextpoint.maxp, c))
        nextmaxinterval = idiv_down(wsub(nextpoint.maxp, c), nextcount);
      if (nextmininterval > nextmaxinterval) break;
      interval = nextmaxinterval;
    }

    // Keep the best sequence found so far.
    int32_t count = nextcount - 1;
    int32_t reach = wadd(wmul(add, add_factor(count)), wmul(interval, count));
    if (reach > bestreach || (reach == bestreach && interval > bestinterval)) {
      bestinterval = interval;
      bestcount = count;
      bestadd = add;
      bestreach = reach;
      if (!add) {
        zerointerval = interval;
        zerocount = count;
      }
      if (count > 0x200) break;  // no `add` does better; also avoids overflow
    }

    // Would a larger or smaller `add` reach the next step?
    int32_t nextaddfactor = add_factor(nextcount);
    int32_t nextreach = wadd(wmul(add, nextaddfactor), wmul(interval, nextcount));
    if (nextreach < nextpoint.minp) {
      minadd = add + 1;
      outer_maxinterval = nextmaxinterval;
    } else {
      maxadd = add - 1;
      outer_mininterval = nextmininterval;
    }

    // Two valid quadratic sequences differ by a bounded `add`.
    if (count > 1) {
      int32_t errdelta = static_cast<int32_t>(max_error_ * static_cast<uint32_t>(kQuadraticDev) /
                                              static_cast<uint32_t>(count * count));
      if (minadd < add - errdelta) minadd = add - errdelta;
      if (maxadd > add + errdelta) maxadd = add + errdelta;
    }

    // The next step bounds the `add` range further.
    int32_t c = wmul(outer_maxinterval, nextcount);
    if (wmul(minadd, nextaddfactor) < wsub(nextpoint.minp, c))
      minadd = idiv_up(wsub(nextpoint.minp, c), nextaddfactor);
    c = wmul(outer_mininterval, nextcount);
    if (wmul(maxadd, nextaddfactor) > wsub(nextpoint.maxp, c))
      maxadd = idiv_down(wsub(nextpoint.maxp, c), nextaddfactor);

    if (minadd > maxadd) break;
    add = maxadd - (maxadd - minadd) / 4;
  }
  if (zerocount + zerocount / 16 >= bestcount)
    // Prefer add=0 when it does about as well.
    return {static_cast<uint32_t>(zerointerval), static_cast<uint16_t>(zerocount), 0};
  return {static_cast<uint32_t>(bestinterval), static_cast<uint16_t>(bestcount),
          static_cast<int16_t>(bestadd)};
}

// Verify that a queue_step reproduces every pending step inside its window.
int StepCompress::check_line(const StepMove& move) {
  if (!move.count || (!move.interval && !move.add && move.count > 1) ||
      move.interval >= 0x80000000u) {
    error_ = fmt::format("stepcompress o={} i={} c={} a={}: Invalid sequence", oid_,
                         static_cast<int32_t>(move.interval), move.count, move.add);
    return kErrorRet;
  }
  uint32_t interval = move.interval, p = 0;
  for (uint32_t i = 0; i < move.count; i++) {
    Points point = minmax_point(pos_ + i);
    p += interval;
    if (p < static_cast<uint32_t>(point.minp) || p > static_cast<uint32_t>(point.maxp)) {
      error_ = fmt::format("stepcompress o={} i={} c={} a={}: Point {}: {} not in {}:{}", oid_,
                           static_cast<int32_t>(move.interval), move.count, move.add, i + 1,
                           static_cast<int32_t>(p), point.minp, point.maxp);
      return kErrorRet;
    }
    if (interval >= 0x80000000u) {
      error_ = fmt::format("stepcompress o={} i={} c={} a={}: Point {}: interval overflow {}", oid_,
                           static_cast<int32_t>(move.interval), move.count, move.add, i + 1,
                           static_cast<int32_t>(interval));
      return kErrorRet;
    }
    interval += static_cast<uint32_t>(static_cast<int32_t>(move.add));
  }
  return 0;
}

void StepCompress::push_message(std::span<const uint32_t> data, uint64_t min_clock,
                                uint64_t req_clock) {
  QueuedMessage& qm = out_->emplace_back();
  size_t n = data.size() < QueuedMessage::kMaxWords ? data.size() : QueuedMessage::kMaxWords;
  for (size_t i = 0; i < n; i++) qm.data[i] = data[i];
  qm.len = static_cast<uint8_t>(n);
  qm.min_clock = min_clock;
  qm.req_clock = req_clock;
}

// Emit a queue_step and record it in the history.
void StepCompress::add_move(uint64_t first_clock, const StepMove& move) {
  int32_t count = move.count;
  uint32_t ticks = static_cast<uint32_t>(wmul(move.add, add_factor(count))) +
                   move.interval * static_cast<uint32_t>(count - 1);
  uint64_t last_clock = first_clock + ticks;

  const uint32_t msg[5] = {static_cast<uint32_t>(queue_step_msgtag_), oid_, move.interval,
                           move.count, static_cast<uint32_t>(static_cast<int32_t>(move.add))};
  uint64_t req_clock = last_step_clock_;
  if (move.count == 1 && first_clock >= last_step_clock_ + kClockDiffMax) req_clock = first_clock;
  // min_clock != 0 marks a command that occupies a slot of the MCU move queue.
  push_message(msg, last_step_clock_, req_clock);
  last_step_clock_ = last_clock;

  HistorySteps& hs = history_.emplace_back();
  hs.first_clock = first_clock;
  hs.last_clock = last_clock;
  hs.start_position = last_position_;
  hs.interval = static_cast<int>(move.interval);
  hs.add = move.add;
  hs.step_count = sdir_ ? move.count : -static_cast<int>(move.count);
  last_position_ += hs.step_count;
}

// Compress pending steps into commands until the last emitted step reaches `move_clock`.
int StepCompress::queue_flush(uint64_t move_clock) {
  if (pos_ >= next_) return 0;
  while (last_step_clock_ < move_clock) {
    StepMove move = compress_bisect_add();
    int ret = check_line(move);
    if (ret) return ret;
    add_move(last_step_clock_ + move.interval, move);
    if (pos_ + move.count >= next_) {
      pos_ = next_ = 0;
      break;
    }
    pos_ += move.count;
  }
  calc_last_step_print_time();
  return 0;
}

// A single step far after the previous one: one queue_step of its own.
int StepCompress::flush_far(uint64_t abs_step_clock) {
  StepMove move{static_cast<uint32_t>(abs_step_clock - last_step_clock_), 1, 0};
  add_move(abs_step_clock, move);
  calc_last_step_print_time();
  return 0;
}

int StepCompress::set_next_step_dir(int sdir) {
  if (sdir_ == sdir) return 0;
  int ret = queue_flush(UINT64_MAX);
  if (ret) return ret;
  sdir_ = sdir;
  const uint32_t msg[3] = {static_cast<uint32_t>(set_next_step_dir_msgtag_), oid_,
                           static_cast<uint32_t>(sdir ^ invert_sdir_)};
  push_message(msg, 0, last_step_clock_);
  return 0;
}

int StepCompress::queue_append_far() {
  uint64_t step_clock = next_step_clock_;
  next_step_clock_ = 0;
  int ret = queue_flush(step_clock - kClockDiffMax + 1);
  if (ret) return ret;
  if (step_clock >= last_step_clock_ + kClockDiffMax) return flush_far(step_clock);
  if (next_ >= queue_.size()) {
    next_step_clock_ = step_clock;
    return queue_append_extend();
  }
  queue_[next_++] = static_cast<uint32_t>(step_clock);
  return 0;
}

int StepCompress::queue_append_extend() {
  if (next_ - pos_ > kMaxCount + 2000) {
    // Keeping more than 64K steps pending gains nothing: compress all but the newest 64K.
    uint32_t flush = queue_[next_ - kMaxCount] - static_cast<uint32_t>(last_step_clock_);
    int ret = queue_flush(last_step_clock_ + flush);
    if (ret) return ret;
  }
  if (next_ >= queue_.size()) {
    size_t in_use = next_ - pos_;
    if (pos_ > 0) {
      std::memmove(queue_.data(), queue_.data() + pos_, in_use * sizeof(uint32_t));
    } else {
      size_t alloc = queue_.empty() ? kQueueStartSize : queue_.size();
      while (in_use >= alloc) alloc *= 2;
      queue_.resize(alloc);
    }
    pos_ = 0;
    next_ = in_use;
  }
  queue_[next_++] = static_cast<uint32_t>(next_step_clock_);
  next_step_clock_ = 0;
  return 0;
}

// Move the held-back step into the queue of steps to compress.
int StepCompress::queue_append() {
  if (next_step_dir_ != sdir_) [[unlikely]] {
    int ret = set_next_step_dir(next_step_dir_);
    if (ret) return ret;
  }
  if (next_step_clock_ >= last_step_clock_ + kClockDiffMax) [[unlikely]]
    return queue_append_far();
  if (next_ >= queue_.size()) [[unlikely]]
    return queue_append_extend();
  queue_[next_++] = static_cast<uint32_t>(next_step_clock_);
  next_step_clock_ = 0;
  return 0;
}

int StepCompress::append(int sdir, double print_time, double step_time) {
  double offset = print_time - last_step_print_time_;
  double rel_sc = (step_time + offset) * mcu_freq_;
  uint64_t step_clock = last_step_clock_ + to_clock(rel_sc);
  if (next_step_clock_) {
    if (sdir != next_step_dir_) [[unlikely]] {
      double diff = static_cast<double>(static_cast<int64_t>(step_clock - next_step_clock_));
      if (diff < kSdsFilterTime * mcu_freq_) {
        // A step, a direction change and a step back in quick succession: drop both steps.
        next_step_clock_ = 0;
        next_step_dir_ = sdir;
        return 0;
      }
    }
    int ret = queue_append();
    if (ret) return ret;
  }
  next_step_clock_ = step_clock;
  next_step_dir_ = sdir;
  return 0;
}

int StepCompress::commit() {
  if (next_step_clock_) return queue_append();
  return 0;
}

int StepCompress::flush(uint64_t move_clock) {
  if (next_step_clock_ && move_clock >= next_step_clock_) {
    int ret = queue_append();
    if (ret) return ret;
  }
  return queue_flush(move_clock);
}

int StepCompress::reset(uint64_t last_step_clock) {
  int ret = flush(UINT64_MAX);
  if (ret) return ret;
  last_step_clock_ = last_step_clock;
  sdir_ = -1;
  calc_last_step_print_time();
  return 0;
}

int StepCompress::set_last_position(uint64_t clock, int64_t last_position) {
  int ret = flush(UINT64_MAX);
  if (ret) return ret;
  last_position_ = last_position;
  HistorySteps& hs = history_.emplace_back();
  hs.first_clock = hs.last_clock = clock;
  hs.start_position = last_position;
  return 0;
}

int64_t StepCompress::find_past_position(uint64_t clock) const {
  int64_t last_position = last_position_;
  for (size_t i = history_.size(); i-- > 0;) {
    const HistorySteps& hs = history_[i];
    if (clock < hs.first_clock) {
      last_position = hs.start_position;
      continue;
    }
    if (clock >= hs.last_clock) return hs.start_position + hs.step_count;
    int32_t interval = hs.interval, add = hs.add;
    int32_t ticks = wadd(static_cast<int32_t>(clock - hs.first_clock), interval), offset;
    if (!add) {
      offset = ticks / interval;
    } else {
      // Solve add*n*(n-1)/2 + interval*n = ticks for the step count n.
      double a = .5 * add, b = interval - .5 * add, c = -ticks;
      offset = static_cast<int32_t>((std::sqrt(b * b - 4 * a * c) - b) / (2. * a));
    }
    if (hs.step_count < 0) return hs.start_position - offset;
    return hs.start_position + offset;
  }
  return last_position;
}

int StepCompress::queue_msg(std::span<const uint32_t> data) {
  int ret = flush(UINT64_MAX);
  if (ret) return ret;
  push_message(data, 0, last_step_clock_);
  return 0;
}

int StepCompress::queue_mq_msg(uint64_t req_clock, std::span<const uint32_t> data) {
  int ret = flush(UINT64_MAX);
  if (ret) return ret;
  push_message(data, req_clock, req_clock);
  return 0;
}

size_t StepCompress::extract_old(std::span<HistorySteps> out, uint64_t start_clock,
                                 uint64_t end_clock) const {
  size_t res = 0;
  for (size_t i = history_.size(); i-- > 0;) {
    const HistorySteps& hs = history_[i];
    if (start_clock >= hs.last_clock || res >= out.size()) break;
    if (end_clock <= hs.first_clock) continue;
    out[res++] = hs;
  }
  return res;
}

void StepCompress::history_expire(uint64_t end_clock) {
  while (!history_.empty() && history_.front().last_clock <= end_clock) history_.pop_front();
}

}  // namespace kpp::motion
