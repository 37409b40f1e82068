// The toolhead's per-move trapezoid math (Klipper's toolhead.Move): velocity and acceleration
// limits, the junction speed with the previous move ("approximated centripetal velocity" from
// square_corner_velocity, and minimum_cruise_ratio), and the accel/cruise/decel split once the
// lookahead has chosen the junction speeds. Speeds are tracked squared (_v2).
#pragma once

#include <span>

#include "core/coord.h"

namespace kpp::motion {

// Toolhead limits a move starts from.
struct MoveLimits {
  double max_velocity = 0., max_accel = 0.;
  double junction_deviation = 0.;  // from square_corner_velocity
  double mcr_pseudo_accel = 0.;    // from minimum_cruise_ratio
};

// junction_deviation and mcr_pseudo_accel from the [printer] options.
MoveLimits make_move_limits(double max_velocity, double max_accel, double square_corner_velocity,
                            double minimum_cruise_ratio);

struct PlannedMove {
  // A move from start_pos to end_pos (x, y, z, then extra axes such as e) at `speed` mm/s.
  // A move without x/y/z motion is an "extrude only" move measured along the extra axes.
  PlannedMove(const MoveLimits& limits, const Coord& start_pos, const Coord& end_pos, double speed);

  // Lower the cruise speed and acceleration (kinematic limits, e.g. Z).
  void limit_speed(double speed, double accel);
  // Limit the speed at the junction with the next move.
  void limit_next_junction_speed(double speed);
  // Highest start speed (squared) at the junction with `prev`; `extra_axes_v2` are the limits
  // the extra axes (e.g. the extruder's instantaneous corner velocity) put on it.
  void calc_junction(const PlannedMove& prev, std::span<const double> extra_axes_v2 = {});
  // Fix the trapezoid from the chosen squared start, cruise and end speeds.
  void set_junction(double start_v2, double cruise_v2, double end_v2);
  double total_time() const { return accel_t + cruise_t + decel_t; }

  Coord start_pos, end_pos;
  Coord axes_d, axes_r;
  double accel = 0., junction_deviation = 0.;
  double move_d = 0., min_move_t = 0.;
  bool is_kinematic_move = true;
  double max_start_v2 = 0., max_cruise_v2 = 0., delta_v2 = 0.;
  double next_junction_v2 = 999999999.9;
  double max_mcr_start_v2 = 0., mcr_delta_v2 = 0.;
  // Set by set_junction.
  double start_v = 0., cruise_v = 0., end_v = 0.;
  double accel_t = 0., cruise_t = 0., decel_t = 0.;
};

}  // namespace kpp::motion
