// The trapezoid motion queue: toolhead moves as functions of time, in print-time order, with the
// null "filler" moves that close time gaps, and a history of finished moves for position queries
// (the semantics of Klipper's trapq.c).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "motion/move.h"

namespace kpp::motion {

class TrapQ {
 public:
  // Print time of "never" (the tail sentinel's start).
  static constexpr double kNeverTime = 9999999999999999.9;
  // The null move inserted before the first move of an empty queue spans at most this long.
  static constexpr double kMaxNullMove = 1.0;

  TrapQ();
  ~TrapQ();
  TrapQ(const TrapQ&) = delete;
  TrapQ& operator=(const TrapQ&) = delete;

  // Queue a trapezoid: up to three phases (accel, cruise, decel); a phase of zero duration is
  // left out. `axes_r` is the unit direction; velocities and accel are along the move.
  void append(double print_time, double accel_t, double cruise_t, double decel_t,
              const Vec3& start_pos, const Vec3& axes_r, double start_v, double cruise_v,
              double accel);
  // Queue one phase as given (after a null move if it leaves a gap to the previous move).
  void add_move(const Move& m);
  // Move every phase that ends at or before `print_time` to the history (null phases are
  // dropped), then drop history older than `clear_history_time` (always keeping the newest).
  void finalize_moves(double print_time, double clear_history_time);
  // Note a position change: flush all moves, cut the history at `print_time`, add a marker.
  void set_position(double print_time, const Vec3& pos);
  // Copy history records overlapping [start_time, end_time), newest first; returns the count.
  size_t extract_old(std::span<PullMove> out, double start_time, double end_time) const;
  // Bring the tail sentinel up to date (start = end of the last move); call before generating
  // steps after moves were added.
  void check_sentinels();

  // The head sentinel; its `next` is the first queued move (or the tail sentinel).
  Move* head() { return &head_; }
  const Move* head() const { return &head_; }
  Move* tail() { return &tail_; }
  const Move* tail() const { return &tail_; }
  bool empty() const { return head_.next == &tail_; }
  // Newest history record, or null; follow `next` towards older records.
  const Move* history_newest() const { return hist_newest_; }

 private:
  Move* alloc_move();
  void free_move(Move* m);
  void history_add_newest(Move* m);
  void history_remove(Move* m);
  static void unlink(Move* m);
  static void link_before(Move* m, Move* pos);

  Move head_, tail_;
  // History list, newest first: newest->prev and oldest->next are null.
  Move* hist_newest_ = nullptr;
  Move* hist_oldest_ = nullptr;
  Move* free_list_ = nullptr;
  std::vector<std::unique_ptr<Move[]>> blocks_;
};

}  // namespace kpp::motion
