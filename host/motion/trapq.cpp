// The trapezoid motion queue (see trapq.h).
#include "motion/trapq.h"

namespace kpp::motion {

namespace {
constexpr size_t kBlockMoves = 256;
}

TrapQ::TrapQ() {
  head_.next = &tail_;
  tail_.prev = &head_;
  tail_.print_time = tail_.move_t = kNeverTime;
}

TrapQ::~TrapQ() = default;

Move* TrapQ::alloc_move() {
  if (!free_list_) {
    blocks_.push_back(std::make_unique<Move[]>(kBlockMoves));
    Move* b = blocks_.back().get();
    for (size_t i = 0; i < kBlockMoves; i++) {
      b[i].next = free_list_;
      free_list_ = &b[i];
    }
  }
  Move* m = free_list_;
  free_list_ = m->next;
  *m = Move{};
  return m;
}

void TrapQ::free_move(Move* m) {
  m->next = free_list_;
  free_list_ = m;
}

void TrapQ::unlink(Move* m) {
  m->prev->next = m->next;
  m->next->prev = m->prev;
}

void TrapQ::link_before(Move* m, Move* pos) {
  m->prev = pos->prev;
  m->next = pos;
  pos->prev->next = m;
  pos->prev = m;
}

void TrapQ::history_add_newest(Move* m) {
  m->prev = nullptr;
  m->next = hist_newest_;
  if (hist_newest_)
    hist_newest_->prev = m;
  else
    hist_oldest_ = m;
  hist_newest_ = m;
}

void TrapQ::history_remove(Move* m) {
  if (m->prev)
    m->prev->next = m->next;
  else
    hist_newest_ = m->next;
  if (m->next)
    m->next->prev = m->prev;
  else
    hist_oldest_ = m->prev;
  free_move(m);
}

void TrapQ::check_sentinels() {
  if (tail_.print_time != 0.) return;  // already up to date
  Move* last = tail_.prev;
  if (last == &head_) {
    tail_.print_time = kNeverTime;
    return;
  }
  tail_.print_time = last->print_time + last->move_t;
  tail_.start_pos = last->coord(last->move_t);
}

void TrapQ::add_move(const Move& src) {
  Move* prev = tail_.prev;
  if (prev->print_time + prev->move_t < src.print_time) {
    // Fill the time gap with a stationary move at the new move's start position. Next to the
    // head sentinel the filler is limited in length, which keeps the numbers well conditioned.
    Move* null_move = alloc_move();
    null_move->start_pos = src.start_pos;
    if (prev->print_time == 0. && src.print_time > kMaxNullMove)
      null_move->print_time = src.print_time - kMaxNullMove;
    else
      null_move->print_time = prev->print_time + prev->move_t;
    null_move->move_t = src.print_time - null_move->print_time;
    link_before(null_move, &tail_);
  }
  Move* m = alloc_move();
  m->print_time = src.print_time;
  m->move_t = src.move_t;
  m->start_v = src.start_v;
  m->half_accel = src.half_accel;
  m->start_pos = src.start_pos;
  m->axes_r = src.axes_r;
  link_before(m, &tail_);
  tail_.print_time = 0.;  // mark the tail sentinel stale
}

void TrapQ::append(double print_time, double accel_t, double cruise_t, double decel_t,
                   const Vec3& start_pos, const Vec3& axes_r, double start_v, double cruise_v,
                   double accel) {
  Move m;
  m.start_pos = start_pos;
  m.axes_r = axes_r;
  if (accel_t != 0.) {
    m.print_time = print_time;
    m.move_t = accel_t;
    m.start_v = start_v;
    m.half_accel = .5 * accel;
    add_move(m);
    print_time += accel_t;
    m.start_pos = m.coord(accel_t);
  }
  if (cruise_t != 0.) {
    m.print_time = print_time;
    m.move_t = cruise_t;
    m.start_v = cruise_v;
    m.half_accel = 0.;
    add_move(m);
    print_time += cruise_t;
    m.start_pos = m.coord(cruise_t);
  }
  if (decel_t != 0.) {
    m.print_time = print_time;
    m.move_t = decel_t;
    m.start_v = cruise_v;
    m.half_accel = -.5 * accel;
    add_move(m);
  }
}

void TrapQ::finalize_moves(double print_time, double clear_history_time) {
  for (;;) {
    Move* m = head_.next;
    if (m == &tail_) {
      tail_.print_time = kNeverTime;
      break;
    }
    if (m->print_time + m->move_t > print_time) break;
    unlink(m);
    if (!m->is_null())
      history_add_newest(m);
    else
      free_move(m);
  }
  if (!hist_newest_) return;
  while (hist_oldest_ != hist_newest_ &&
         hist_oldest_->print_time + hist_oldest_->move_t <= clear_history_time)
    history_remove(hist_oldest_);
}

void TrapQ::set_position(double print_time, const Vec3& pos) {
  finalize_moves(kNeverTime, 0.);
  // Drop history that starts at or after the position change; cut a move it interrupts.
  while (hist_newest_) {
    Move* m = hist_newest_;
    if (m->print_time < print_time) {
      if (m->print_time + m->move_t > print_time) m->move_t = print_time - m->print_time;
      break;
    }
    history_remove(m);
  }
  Move* marker = alloc_move();
  marker->print_time = print_time;
  marker->start_pos = pos;
  history_add_newest(marker);
}

size_t TrapQ::extract_old(std::span<PullMove> out, double start_time, double end_time) const {
  size_t res = 0;
  for (const Move* m = hist_newest_; m; m = m->next) {
    if (start_time >= m->print_time + m->move_t || res >= out.size()) break;
    if (end_time <= m->print_time) continue;
    PullMove& p = out[res++];
    p.print_time = m->print_time;
    p.move_t = m->move_t;
    p.start_v = m->start_v;
    p.accel = 2. * m->half_accel;
    p.start_pos = m->start_pos;
    p.axes_r = m->axes_r;
  }
  return res;
}

}  // namespace kpp::motion
