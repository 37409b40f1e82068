// Toolhead move trapezoid math (see planned_move.h).
#include "motion/planned_move.h"

#include <algorithm>
#include <cmath>

namespace kpp::motion {

namespace {
// Klipper squares with Python's x**2 (libm pow).
double sq(double x) {
  return std::pow(x, 2.);
}
}  // namespace

MoveLimits make_move_limits(double max_velocity, double max_accel, double square_corner_velocity,
                            double minimum_cruise_ratio) {
  MoveLimits l;
  l.max_velocity = max_velocity;
  l.max_accel = max_accel;
  l.junction_deviation = sq(square_corner_velocity) * (std::sqrt(2.) - 1.) / max_accel;
  l.mcr_pseudo_accel = max_accel * (1. - minimum_cruise_ratio);
  return l;
}

PlannedMove::PlannedMove(const MoveLimits& limits, const Coord& start, const Coord& end,
                         double speed)
    : start_pos(start), end_pos(end) {
  accel = limits.max_accel;
  junction_deviation = limits.junction_deviation;
  double velocity = std::min(speed, limits.max_velocity);
  size_t n = std::min(start.size(), end.size());
  axes_d = Coord(n);
  for (size_t i = 0; i < n; i++) axes_d[i] = end[i] - start[i];
  double sum = 0.;
  for (size_t i = 0; i < 3 && i < n; i++) sum += axes_d[i] * axes_d[i];
  move_d = std::sqrt(sum);
  double inv_move_d;
  if (move_d < .000000001) {
    // Extrude only move: keep x/y/z where they are, measure along the extra axes.
    for (size_t i = 0; i < 3 && i < n; i++) {
      end_pos[i] = start_pos[i];
      axes_d[i] = 0.;
    }
    move_d = 0.;
    for (size_t i = 3; i < n; i++) move_d = std::max(move_d, std::fabs(axes_d[i]));
    inv_move_d = move_d != 0. ? 1. / move_d : 0.;
    accel = 99999999.9;
    velocity = speed;
    is_kinematic_move = false;
  } else {
    inv_move_d = 1. / move_d;
  }
  axes_r = Coord(n);
  for (size_t i = 0; i < n; i++) axes_r[i] = axes_d[i] * inv_move_d;
  min_move_t = move_d / velocity;
  max_start_v2 = 0.;
  max_cruise_v2 = sq(velocity);
  delta_v2 = 2.0 * move_d * accel;
  next_junction_v2 = 999999999.9;
  max_mcr_start_v2 = 0.;
  mcr_delta_v2 = 2.0 * move_d * limits.mcr_pseudo_accel;
}

void PlannedMove::limit_speed(double speed, double new_accel) {
  double speed2 = sq(speed);
  if (speed2 < max_cruise_v2) {
    max_cruise_v2 = speed2;
    min_move_t = move_d / speed;
  }
  accel = std::min(accel, new_accel);
  delta_v2 = 2.0 * move_d * accel;
  mcr_delta_v2 = std::min(mcr_delta_v2, delta_v2);
}

void PlannedMove::limit_next_junction_speed(double speed) {
  next_junction_v2 = std::min(next_junction_v2, sq(speed));
}

void PlannedMove::calc_junction(const PlannedMove& prev, std::span<const double> extra_axes_v2) {
  if (!is_kinematic_move || !prev.is_kinematic_move) return;
  double v2 = std::min({max_cruise_v2, prev.max_cruise_v2, prev.next_junction_v2,
                        prev.max_start_v2 + prev.delta_v2});
  for (double ea : extra_axes_v2) v2 = std::min(v2, ea);
  // A circle tangent to both moves whose path deviates junction_deviation from the corner.
  double junction_cos_theta =
      -(axes_r[0] * prev.axes_r[0] + axes_r[1] * prev.axes_r[1] + axes_r[2] * prev.axes_r[2]);
  double sin_theta_d2 = std::sqrt(std::max(0.5 * (1.0 - junction_cos_theta), 0.));
  double cos_theta_d2 = std::sqrt(std::max(0.5 * (1.0 + junction_cos_theta), 0.));
  double one_minus_sin_theta_d2 = 1. - sin_theta_d2;
  if (one_minus_sin_theta_d2 > 0. && cos_theta_d2 > 0.) {
    double r_jd = sin_theta_d2 / one_minus_sin_theta_d2;
    double move_jd_v2 = r_jd * junction_deviation * accel;
    double pmove_jd_v2 = r_jd * prev.junction_deviation * prev.accel;
    // ...touching each move no further than its middle.
    double quarter_tan_theta_d2 = .25 * sin_theta_d2 / cos_theta_d2;
    double move_centripetal_v2 = delta_v2 * quarter_tan_theta_d2;
    double pmove_centripetal_v2 = prev.delta_v2 * quarter_tan_theta_d2;
    v2 = std::min({v2, move_jd_v2, pmove_jd_v2, move_centripetal_v2, pmove_centripetal_v2});
  }
  max_start_v2 = v2;
  max_mcr_start_v2 = std::min(v2, prev.max_mcr_start_v2 + prev.mcr_delta_v2);
}

void PlannedMove::set_junction(double start_v2, double cruise_v2, double end_v2) {
  double half_inv_accel = .5 / accel;
  double accel_d = (cruise_v2 - start_v2) * half_inv_accel;
  double decel_d = (cruise_v2 - end_v2) * half_inv_accel;
  double cruise_d = move_d - accel_d - decel_d;
  start_v = std::sqrt(start_v2);
  cruise_v = std::sqrt(cruise_v2);
  end_v = std::sqrt(end_v2);
  // Time of each part: its distance over its average velocity.
  accel_t = accel_d / ((start_v + cruise_v) * 0.5);
  cruise_t = cruise_d / cruise_v;
  decel_t = decel_d / ((end_v + cruise_v) * 0.5);
}

}  // namespace kpp::motion
