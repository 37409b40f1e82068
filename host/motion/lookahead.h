// The toolhead's moves and the look-ahead queue (Klipper's toolhead.Move and LookAheadQueue):
// queued moves get junction speeds planned backwards from a full stop after the last move, and
// are released in batches once enough of them are queued to plan the first ones well.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "core/coord.h"
#include "core/errors.h"
#include "motion/planned_move.h"

namespace kpp {

// One requested move, with its trapezoid once planned.
struct ToolMove : motion::PlannedMove {
  ToolMove(const motion::MoveLimits& limits, const Coord& start, const Coord& end, double speed)
      : PlannedMove(limits, start, end, speed) {}
  // "Move out of range: 0.000 9999.000 0.500 [0.000]"
  CommandError move_error(const std::string& msg = "Move out of range") const;
  // Called with the print time at the end of the move once it is scheduled.
  std::vector<std::function<void(double)>> timing_callbacks;
};

class LookAheadQueue {
 public:
  static constexpr double kLookaheadFlushTime = 0.150;

  void reset();
  void set_flush_time(double flush_time) { junction_flush_ = flush_time; }
  bool is_empty() const { return queue_.empty(); }
  ToolMove* get_last() { return queue_.empty() ? nullptr : &queue_.back(); }
  // Add a move (its junction with the previous one is computed by the caller first through
  // calc_junction); returns true when enough moves are queued to flush some.
  bool add_move(ToolMove&& move, const std::function<void(ToolMove&, const ToolMove&)>& junction);
  // Plan the queue; with `lazy`, only the moves whose speeds can no longer change. Returns the
  // number of planned moves at the front of the queue (0: nothing to release).
  size_t flush(bool lazy = false);
  // The moves released by the last flush(); remove them with pop_flushed().
  std::deque<ToolMove>& moves() { return queue_; }
  void pop_flushed(size_t count);

 private:
  struct JunctionInfo {
    double start_v2, cruise_v2, next_start_v2;
    bool has_cruise;
  };
  std::deque<ToolMove> queue_;
  std::vector<JunctionInfo> junction_info_;
  double junction_flush_ = kLookaheadFlushTime;
};

}  // namespace kpp
