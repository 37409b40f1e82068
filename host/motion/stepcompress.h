// Step compression (Klipper's stepcompress.c): absolute step clocks in, `queue_step interval=
// count= add=` commands out, each step within max_error of its requested time, plus
// `set_next_step_dir` on direction changes, the step+dir+step filter and the step history used
// to answer position queries.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mcu/queued_message.h"
#include "motion/ring_buffer.h"

namespace kpp::motion {

// The messages one stepper (or other move-queue user) has produced, oldest first.
using MessageQueue = RingBuffer<QueuedMessage>;

// One queue_step command as the MCU executes it: `count` steps, the first `interval` ticks
// after the previous step, each following one `interval += add` ticks after the one before.
struct StepMove {
  uint32_t interval = 0;
  uint16_t count = 0;
  int16_t add = 0;
};

// A sent queue_step with its absolute clocks and the stepper position before it (also a
// position marker when step_count is 0). Klipper's `struct pull_history_steps`.
struct HistorySteps {
  uint64_t first_clock = 0, last_clock = 0;
  int64_t start_position = 0;
  int step_count = 0, interval = 0, add = 0;
};

class StepCompress {
 public:
  // Returned by the functions below when a generated command would be invalid.
  static constexpr int32_t kErrorRet = -989898989;
  // Largest clock gap between consecutive queued commands (a longer gap gets its own step).
  static constexpr uint64_t kClockDiffMax = 3ull << 28;
  // Steps closer than this (seconds) around a direction change are cancelled in pairs.
  static constexpr double kSdsFilterTime = .000750;

  // Messages are appended to `out` (which must outlive this object).
  explicit StepCompress(MessageQueue* out);

  // Message ids and oid for the commands, and the tolerance in MCU ticks (stepcompress_fill).
  void configure(uint32_t oid, uint32_t max_error, int32_t queue_step_msgtag,
                 int32_t set_next_step_dir_msgtag);
  // Invert the direction bit sent in set_next_step_dir.
  void set_invert_sdir(bool invert_sdir);
  // Conversion from print time to MCU clock: clock = (print_time - time_offset) * mcu_freq.
  void set_time(double time_offset, double mcu_freq);

  // Direction (1 = increasing position) of the newest step, including a pending one.
  int step_dir() const { return next_step_dir_; }
  uint32_t oid() const { return oid_; }
  uint64_t last_step_clock() const { return last_step_clock_; }
  int64_t last_position() const { return last_position_; }
  double mcu_freq() const { return mcu_freq_; }
  // Text of the last error (for the log), when a function returned non-zero.
  const std::string& error() const { return error_; }

  // Add a step at print time `print_time + step_time` in direction `sdir`. The newest step is
  // held back so that a step+dir+step sequence shorter than kSdsFilterTime can be cancelled.
  [[nodiscard]] int append(int sdir, double print_time, double step_time);
  // Make the held-back step final (it can no longer be cancelled).
  [[nodiscard]] int commit();
  // Compress and emit every step scheduled before `move_clock`.
  [[nodiscard]] int flush(uint64_t move_clock);
  // Flush everything, then restart the step clock at `last_step_clock` with no known direction.
  [[nodiscard]] int reset(uint64_t last_step_clock);
  // Flush everything, then record that the stepper is at `last_position` from `clock` on.
  [[nodiscard]] int set_last_position(uint64_t clock, int64_t last_position);
  // The stepper position (in steps) at `clock`, from the history of sent steps.
  int64_t find_past_position(uint64_t clock) const;
  // Queue a message behind all steps so far (req_clock = last step clock, no move-queue slot).
  [[nodiscard]] int queue_msg(std::span<const uint32_t> data);
  // Queue a message that takes a slot in the MCU move queue, to run at `req_clock`.
  [[nodiscard]] int queue_mq_msg(uint64_t req_clock, std::span<const uint32_t> data);
  // Copy the history overlapping [start_clock, end_clock), newest first; returns the count.
  size_t extract_old(std::span<HistorySteps> out, uint64_t start_clock, uint64_t end_clock) const;
  // Forget history that ended at or before `end_clock`.
  void history_expire(uint64_t end_clock);

 private:
  struct Points {
    int32_t minp, maxp;
  };
  Points minmax_point(size_t i) const;
  StepMove compress_bisect_add() const;
  int check_line(const StepMove& move);
  void add_move(uint64_t first_clock, const StepMove& move);
  int queue_flush(uint64_t move_clock);
  int flush_far(uint64_t abs_step_clock);
  int set_next_step_dir(int sdir);
  int queue_append();
  int queue_append_far();
  int queue_append_extend();
  void calc_last_step_print_time();
  void push_message(std::span<const uint32_t> data, uint64_t min_clock, uint64_t req_clock);

  // Pending step clocks (low 32 bits), [pos_, next_) of queue_.
  std::vector<uint32_t> queue_;
  size_t pos_ = 0, next_ = 0;
  uint32_t max_error_ = 0;
  double mcu_time_offset_ = 0., mcu_freq_ = 0., last_step_print_time_ = 0.;
  uint64_t last_step_clock_ = 0;
  MessageQueue* out_;
  uint32_t oid_ = 0;
  int32_t queue_step_msgtag_ = 0, set_next_step_dir_msgtag_ = 0;
  int sdir_ = -1, invert_sdir_ = 0;
  // The held-back newest step (0 = none).
  uint64_t next_step_clock_ = 0;
  int next_step_dir_ = 0;
  int64_t last_position_ = 0;
  RingBuffer<HistorySteps> history_;  // oldest first
  std::string error_;
};

}  // namespace kpp::motion
