// Pin requests queued behind the moves and released by the MCU's flush notifications.
#include "modules/gcode_request_queue.h"

#include <algorithm>

#include "core/gcode.h"
#include "mcu/mcu.h"
#include "motion/toolhead.h"

namespace kpp {

GCodeRequestQueue::GCodeRequestQueue(const ConfigWrapper& config, Mcu& mcu, Callback callback)
    : printer_(config.get_printer()), callback_(std::move(callback)) {
  mcu.register_flush_callback([this](double print_time, uint64_t) {
    flush_notification(print_time);
  });
  printer_.register_event_handler<>("klippy:connect", [this] {
    toolhead_ = printer_.try_lookup<ToolHead>("toolhead");
  });
}

void GCodeRequestQueue::flush_notification(double print_time) {
  while (!rqueue_.empty()) {
    double next_time = std::max(rqueue_.front().first, next_min_flush_time_);
    if (next_time > print_time) return;
    // Requests superseded by a later one due by then are skipped.
    size_t pos = 0;
    while (pos + 1 < rqueue_.size() && rqueue_[pos + 1].first <= next_time) pos++;
    Result r = callback_(next_time, rqueue_[pos].second);
    if (r.action == Result::kReschedule) {
      // Later requests due by then may still supersede it: keep them all queued.
      next_min_flush_time_ = std::max(next_min_flush_time_, r.next_min_time);
      rqueue_.erase(rqueue_.begin(), rqueue_.begin() + pos);
      // The moves may stop before then: keep the MCU flushing up to the new time.
      if (toolhead_)
        toolhead_->get_motion_queuing().note_mcu_movequeue_activity(next_min_flush_time_, false);
      continue;
    }
    if (r.action == Result::kDiscard) {
      rqueue_.erase(rqueue_.begin(), rqueue_.begin() + pos + 1);
      continue;
    }
    // A delayed request stays queued and is applied again min_wait later.
    size_t drop = r.action == Result::kDelay ? pos : pos + 1;
    rqueue_.erase(rqueue_.begin(), rqueue_.begin() + drop);
    next_min_flush_time_ = next_time + std::max(r.min_wait, kPinMinTime);
    // Make sure the MCU is flushed up to the next request.
    if (toolhead_)
      toolhead_->get_motion_queuing().note_mcu_movequeue_activity(next_min_flush_time_, false);
  }
}

void GCodeRequestQueue::queue_request(double print_time, double value) {
  rqueue_.emplace_back(print_time, value);
  toolhead_->get_motion_queuing().note_mcu_movequeue_activity(print_time, false);
}

void GCodeRequestQueue::queue_gcode_request(double value) {
  if (!toolhead_) throw CommandError("Printer not ready: no toolhead");
  toolhead_->register_lookahead_callback(
      [this, value](double print_time) { queue_request(print_time, value); });
}

void GCodeRequestQueue::send_async_request(double print_time, double value) {
  for (;;) {
    double next_time = std::max(print_time, next_min_flush_time_);
    Result r = callback_(next_time, value);
    if (r.action == Result::kReschedule) {
      next_min_flush_time_ = std::max(next_min_flush_time_, r.next_min_time);
      continue;
    }
    if (r.action == Result::kDiscard) break;
    next_min_flush_time_ = next_time + std::max(r.min_wait, kPinMinTime);
    if (r.action != Result::kDelay) break;
  }
}

}  // namespace kpp
