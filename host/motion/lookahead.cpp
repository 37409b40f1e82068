// Look-ahead planning (see lookahead.h).
#include "motion/lookahead.h"

#include <algorithm>

#include <fmt/format.h>

namespace kpp {

CommandError ToolMove::move_error(const std::string& msg) const {
  const Coord& ep = end_pos;
  return CommandError(fmt::format("{}: {:.3f} {:.3f} {:.3f} [{:.3f}]", msg, ep[0], ep[1], ep[2],
                                  ep.size() > 3 ? ep[3] : 0.));
}

void LookAheadQueue::reset() {
  queue_.clear();
  junction_flush_ = kLookaheadFlushTime;
}

bool LookAheadQueue::add_move(ToolMove&& move,
                              const std::function<void(ToolMove&, const ToolMove&)>& junction) {
  queue_.push_back(std::move(move));
  if (queue_.size() == 1) return false;
  ToolMove& m = queue_.back();
  junction(m, queue_[queue_.size() - 2]);
  junction_flush_ -= m.min_move_t;
  // Enough moves queued to reach the target flush time?
  return junction_flush_ <= 0.;
}

size_t LookAheadQueue::flush(bool lazy) {
  junction_flush_ = kLookaheadFlushTime;
  bool update_flush_count = lazy;
  size_t flush_count = queue_.size();
  junction_info_.resize(flush_count);
  // Walk backwards from a full stop after the last move, finding the highest start speed of
  // every move and the peak cruise speed of each accelerate/decelerate group.
  double next_start_v2 = 0., next_mcr_start_v2 = 0., peak_cruise_v2 = 0.;
  size_t pending_cv2_assign = 0;
  for (size_t i = flush_count; i-- > 0;) {
    ToolMove& move = queue_[i];
    double reachable_start_v2 = next_start_v2 + move.delta_v2;
    double start_v2 = std::min(move.max_start_v2, reachable_start_v2);
    bool has_cruise = false;
    double cruise_v2 = 0.;
    pending_cv2_assign++;
    double reach_mcr_start_v2 = next_mcr_start_v2 + move.mcr_delta_v2;
    double mcr_start_v2 = std::min(move.max_mcr_start_v2, reach_mcr_start_v2);
    if (mcr_start_v2 < reach_mcr_start_v2) {
      // This move can accelerate.
      if (mcr_start_v2 + move.mcr_delta_v2 > next_mcr_start_v2 || pending_cv2_assign > 1) {
        // It can both accelerate and decelerate, or a full acceleration follows a full
        // deceleration.
        if (update_flush_count && peak_cruise_v2 != 0.) {
          flush_count = i + pending_cv2_assign;
          update_flush_count = false;
        }
        peak_cruise_v2 = (mcr_start_v2 + reach_mcr_start_v2) * .5;
      }
      cruise_v2 = std::min({(start_v2 + reachable_start_v2) * .5, move.max_cruise_v2,
                            peak_cruise_v2});
      has_cruise = true;
      pending_cv2_assign = 0;
    }
    junction_info_[i] = {start_v2, cruise_v2, next_start_v2, has_cruise};
    next_start_v2 = start_v2;
    next_mcr_start_v2 = mcr_start_v2;
  }
  if (update_flush_count || !flush_count) return 0;
  // Walk forwards, giving moves that cannot accelerate the cruise speed of the one before.
  double prev_cruise_v2 = 0.;
  for (size_t i = 0; i < flush_count; i++) {
    JunctionInfo& ji = junction_info_[i];
    double cruise_v2 = ji.has_cruise ? ji.cruise_v2 : std::min(prev_cruise_v2, ji.start_v2);
    queue_[i].set_junction(std::min(ji.start_v2, cruise_v2), cruise_v2,
                           std::min(ji.next_start_v2, cruise_v2));
    prev_cruise_v2 = cruise_v2;
  }
  return flush_count;
}

void LookAheadQueue::pop_flushed(size_t count) {
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
}

}  // namespace kpp
