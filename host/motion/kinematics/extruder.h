// Extruder stepper kinematics with pressure advance (kin_extruder.c). The extruder trapq holds
// the filament position in x (axes_r.x = 1, velocities and accel signed: negative to retract)
// and a "may use pressure advance" flag in axes_r.y. With pressure advance
// the commanded position is
//   pa_position(t) = position(t) + pressure_advance * velocity(t)
// averaged with a triangular weight over smooth_time:
//   smooth(t) = integral(pa_position(x) * (hst - |t - x|) dx, t - hst .. t + hst) / hst^2
// with hst = smooth_time / 2, computed exactly from the piecewise-quadratic moves.
#pragma once

#include <vector>

#include "motion/itersolve.h"

namespace kpp::motion {

class ExtruderKinematics : public StepperKinematics {
 public:
  ExtruderKinematics();
  double calc_position(const Move& m, double move_time) override;
  // Use `pressure_advance` for moves starting at or after `print_time` (earlier moves keep
  // their value), smoothed over `smooth_time` (0 disables pressure advance and smoothing).
  void set_pressure_advance(double print_time, double pressure_advance, double smooth_time);
  double half_smooth_time() const { return half_smooth_time_; }

 private:
  struct PaParams {
    double pressure_advance, active_print_time;
  };
  double pressure_advance_for(const Move& m) const;
  double move_integrate(const Move& m, double base, double start, double end,
                        double time_offset) const;
  double range_integrate(const Move& m, double move_time, double hst) const;

  std::vector<PaParams> pa_list_;  // in order of activation; never empty
  double half_smooth_time_ = 0., inv_half_smooth_time2_ = 0.;
};

}  // namespace kpp::motion
