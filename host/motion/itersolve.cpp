// Iterative step-time solver (see itersolve.h).
#include "motion/itersolve.h"

#include <cmath>

#include "motion/stepcompress.h"
#include "motion/trapq.h"

namespace kpp::motion {

namespace {

struct TimePos {
  double time, position;
};

// Upper bound of the first search window after a step (seconds).
constexpr double kSeekTimeReset = 0.000100;

}  // namespace

// Find the steps of move `m` between abs_start and abs_end. A step happens where the stepper
// position crosses the middle between two step positions ("half-step" targets).
int32_t StepperKinematics::gen_steps_range(StepCompress& sc, const Move* m, double abs_start,
                                           double abs_end) {
  const double half_step = .5 * step_dist_;
  double start = abs_start - m->print_time, end = abs_end - m->print_time;
  if (start < 0.) start = 0.;
  if (end > m->move_t) end = m->move_t;
  TimePos old_guess = {start, commanded_pos_}, guess = old_guess;
  int sdir = sc.step_dir();
  bool is_dir_change = false, have_bracket = false, check_oscillate = false;
  double target = commanded_pos_ + (sdir ? half_step : -half_step);
  double last_time = start, low_time = start, high_time = start + kSeekTimeReset;
  if (high_time > end) high_time = end;
  for (;;) {
    // Secant step from the last two guesses.
    double guess_dist = guess.position - target;
    double og_dist = old_guess.position - target;
    double next_time =
        ((old_guess.time * guess_dist - guess.time * og_dist) / (guess_dist - og_dist));
    if (!(next_time > low_time && next_time < high_time)) {  // outside the bounds, or NaN
      if (have_bracket) {
        // Poor guess inside a known bracket: bisect.
        next_time = (low_time + high_time) * .5;
        check_oscillate = false;
      } else if (guess.time >= end) {
        break;  // no more steps in this range
      } else {
        // No bracket yet: widen the search window exponentially.
        next_time = high_time;
        high_time = 2. * high_time - last_time;
        if (high_time > end) high_time = end;
      }
    }
    old_guess = guess;
    guess.time = next_time;
    guess.position = calc_position(*m, next_time);
    guess_dist = guess.position - target;
    if (std::fabs(guess_dist) > .000000001) {
      double rel_dist = sdir ? guess_dist : -guess_dist;
      if (rel_dist > 0.) {
        // Past the target: the step lies before this guess.
        if (have_bracket && old_guess.time <= low_time) {
          if (check_oscillate) old_guess = guess;  // force a bisection next
          check_oscillate = true;
        }
        high_time = guess.time;
        have_bracket = true;
      } else if (rel_dist < -(half_step + half_step + .000000010)) {
        // Moved a full step the other way: the direction changed.
        sdir = !sdir;
        target = (sdir ? target + half_step + half_step : target - half_step - half_step);
        low_time = last_time;
        high_time = guess.time;
        is_dir_change = have_bracket = true;
        check_oscillate = false;
      } else {
        low_time = guess.time;
      }
      if (!have_bracket || high_time - low_time > .000000001) {
        if (!is_dir_change && rel_dist >= -half_step) {
          // The stepper reached the previous step position: that step can no longer be
          // cancelled by the step+dir+step filter.
          int ret = sc.commit();
          if (ret) return ret;
        }
        continue;
      }
    }
    int ret = sc.append(sdir, m->print_time, guess.time);
    if (ret) return ret;
    target = sdir ? target + half_step + half_step : target - half_step - half_step;
    double seek_time_delta = 1.5 * (guess.time - last_time);
    if (seek_time_delta < .000000001) seek_time_delta = .000000001;
    if (is_dir_change && seek_time_delta > kSeekTimeReset) seek_time_delta = kSeekTimeReset;
    last_time = low_time = guess.time;
    high_time = guess.time + seek_time_delta;
    if (high_time > end) high_time = end;
    is_dir_change = have_bracket = check_oscillate = false;
  }
  commanded_pos_ = target - (sdir ? half_step : -half_step);
  if (has_post_fixup()) post_fixup();
  return 0;
}

int32_t StepperKinematics::generate_steps(StepCompress& sc, double flush_time) {
  double last_flush_time = last_flush_time_;
  last_flush_time_ = flush_time;
  if (!tq_) return 0;
  const Move* m = tq_->head();
  while (last_flush_time >= m->print_time + m->move_t) m = m->next;
  double force_steps_time = last_move_time_ + gen_steps_post_active_;
  int skip_count = 0;
  for (;;) {
    double move_start = m->print_time, move_end = move_start + m->move_t;
    if (move_is_active(*m)) {
      if (skip_count && gen_steps_pre_active_ != 0.) {
        // Generate the steps that lead up to the activity (shaping / pressure advance look
        // ahead in time).
        double abs_start = move_start - gen_steps_pre_active_;
        if (abs_start < last_flush_time) abs_start = last_flush_time;
        if (abs_start < force_steps_time) abs_start = force_steps_time;
        const Move* pm = m->prev;
        while (--skip_count && pm->print_time > abs_start) pm = pm->prev;
        do {
          int32_t ret = gen_steps_range(sc, pm, abs_start, flush_time);
          if (ret) return ret;
          pm = pm->next;
        } while (pm != m);
      }
      int32_t ret = gen_steps_range(sc, m, last_flush_time, flush_time);
      if (ret) return ret;
      if (move_end >= flush_time) {
        last_move_time_ = flush_time;
        return 0;
      }
      skip_count = 0;
      last_move_time_ = move_end;
      force_steps_time = last_move_time_ + gen_steps_post_active_;
    } else {
      if (move_start < force_steps_time) {
        // Generate the steps that trail the activity.
        double abs_end = force_steps_time;
        if (abs_end > flush_time) abs_end = flush_time;
        int32_t ret = gen_steps_range(sc, m, last_flush_time, abs_end);
        if (ret) return ret;
        skip_count = 1;
      } else {
        skip_count++;
      }
      if (flush_time + gen_steps_pre_active_ <= move_end) return 0;
    }
    m = m->next;
  }
}

double StepperKinematics::check_active(double flush_time) const {
  if (!tq_) return 0.;
  tq_->check_sentinels();
  const Move* m = tq_->head();
  while (last_flush_time_ >= m->print_time + m->move_t) m = m->next;
  for (;;) {
    if (move_is_active(*m)) return m->print_time;
    if (flush_time <= m->print_time + m->move_t) return 0.;
    m = m->next;
  }
}

bool StepperKinematics::is_active_axis(char axis) const {
  if (axis < 'x' || axis > 'z') return false;
  return (active_flags_ & (kActiveX << (axis - 'x'))) != 0;
}

double StepperKinematics::calc_position_from_coord(double x, double y, double z) {
  Move m;
  m.start_pos = {x, y, z};
  m.move_t = 1000.;
  return calc_position(m, 500.);
}

}  // namespace kpp::motion
