// Extruder stepper kinematics with pressure advance (see extruder.h).
#include "motion/kinematics/extruder.h"

#include <cstddef>

namespace kpp::motion {

namespace {

// Integral of base + t * (start_v + t * half_accel) over [start, end].
double integrate(double base, double start_v, double half_accel, double start, double end) {
  double half_v = .5 * start_v, sixth_a = (1. / 3.) * half_accel;
  double si = start * (base + start * (half_v + start * sixth_a));
  double ei = end * (base + end * (half_v + end * sixth_a));
  return ei - si;
}

// Integral of t * (base + t * (start_v + t * half_accel)) over [start, end].
double integrate_time(double base, double start_v, double half_accel, double start, double end) {
  double half_b = .5 * base, third_v = (1. / 3.) * start_v;
  double eighth_a = .25 * half_accel;
  double si = start * start * (half_b + start * (third_v + start * eighth_a));
  double ei = end * end * (half_b + end * (third_v + end * eighth_a));
  return ei - si;
}

}  // namespace

ExtruderKinematics::ExtruderKinematics() {
  set_active_flags(kActiveX);
  pa_list_.push_back({0., 0.});
}

double ExtruderKinematics::pressure_advance_for(const Move& m) const {
  if (m.axes_r.y == 0.) return 0.;
  std::size_t i = pa_list_.size() - 1;
  while (pa_list_[i].active_print_time > m.print_time && i > 0) i--;
  return pa_list_[i].pressure_advance;
}

// Time-weighted integral of the pressure-advanced position over [start, end] of move `m`,
// measured from `time_offset`: integral((t - time_offset) * pa_position(t)).
double ExtruderKinematics::move_integrate(const Move& m, double base, double start, double end,
                                          double time_offset) const {
  if (start < 0.) start = 0.;
  if (end > m.move_t) end = m.move_t;
  double pressure_advance = pressure_advance_for(m);
  base += pressure_advance * m.start_v;
  double start_v = m.start_v + pressure_advance * 2. * m.half_accel;
  double ha = m.half_accel;
  double iext = integrate(base, start_v, ha, start, end);
  double wgt_ext = integrate_time(base, start_v, ha, start, end);
  return wgt_ext - time_offset * iext;
}

// The triangular-weighted integral around `move_time`, walking into neighbouring moves.
double ExtruderKinematics::range_integrate(const Move& m0, double move_time, double hst) const {
  const Move* m = &m0;
  double res = 0., start = move_time - hst, end = move_time + hst;
  double start_base = m->start_pos.x;
  res += move_integrate(*m, 0., start, move_time, start);
  res -= move_integrate(*m, 0., move_time, end, end);
  const Move* prev = m;
  while (start < 0.) [[unlikely]] {
      if (!prev->prev || !prev->prev->prev) {
        // Nothing queued earlier: the filament stood still before the oldest move.
        Move still;
        still.move_t = -start;
        still.start_pos = prev->start_pos;
        res += move_integrate(still, prev->start_pos.x - start_base, 0., still.move_t, 0.);
        break;
      }
      prev = prev->prev;
      start += prev->move_t;
      double base = prev->start_pos.x - start_base;
      res += move_integrate(*prev, base, start, prev->move_t, start);
    }
  while (end > m->move_t) [[unlikely]] {
      end -= m->move_t;
      if (!m->next) break;
      m = m->next;
      double base = m->start_pos.x - start_base;
      res -= move_integrate(*m, base, 0., end, end);
    }
  return res;
}

double ExtruderKinematics::calc_position(const Move& m, double move_time) {
  double hst = half_smooth_time_;
  if (hst == 0.) return m.start_pos.x + m.distance(move_time);
  double area = range_integrate(m, move_time, hst);
  return m.start_pos.x + area * inv_half_smooth_time2_;
}

void ExtruderKinematics::set_pressure_advance(double print_time, double pressure_advance,
                                              double smooth_time) {
  double hst = smooth_time * .5, old_hst = half_smooth_time_;
  half_smooth_time_ = hst;
  set_gen_steps_window(hst, hst);

  // Drop parameters that no longer affect any move step generation can still see.
  double cleanup_time = last_flush_time() - (old_hst > hst ? old_hst : hst);
  std::size_t drop = 0;
  while (drop + 1 < pa_list_.size() && pa_list_[drop + 1].active_print_time < cleanup_time) drop++;
  if (drop) pa_list_.erase(pa_list_.begin(), pa_list_.begin() + static_cast<long>(drop));

  if (hst == 0.) return;
  inv_half_smooth_time2_ = 1. / (hst * hst);
  if (pa_list_.back().pressure_advance == pressure_advance) return;
  pa_list_.push_back({pressure_advance, print_time});
}

}  // namespace kpp::motion
