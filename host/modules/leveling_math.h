// Parameter fitting for the leveling modules (Klipper's mathutil.coordinate_descent): z_tilt,
// bed_tilt and delta_calibrate fit a few named parameters by minimising an error function.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "motion/kinematics/kinematics.h"

namespace kpp {

using FitParams = std::map<std::string, double>;

// Adjusts the parameters named in `adjust` (in that order, one at a time) to minimise
// `error`; the others stay as given. Each parameter has a step (starting at 1) that grows by
// 10% after an improvement and shrinks by 10% otherwise; the search stops when the steps sum
// to at most 1e-5 or after 10000 rounds. Returns the fitted parameters.
FitParams coordinate_descent(const std::vector<std::string>& adjust, FitParams params,
                             const std::function<double(const FitParams&)>& error);

// The same search over a plain vector: every entry is adjusted (faster for many evaluations).
std::vector<double> coordinate_descent(std::vector<double> params,
                                       const std::function<double(const std::vector<double>&)>& error);

// z = x * x_slope + y * y_slope + z_at_origin.
struct Plane {
  double x_slope = 0., y_slope = 0., z_at_origin = 0.;
};

// The plane minimising the sum of squared z errors over `positions` (solved exactly), or
// nullopt when the points do not determine one (fewer than 3, or all on one line).
std::optional<Plane> least_squares_plane(const std::vector<Pos3>& positions);

// The plane z = x*x_adjust + y*y_adjust + z_adjust in the nozzle frame that best fits probe
// results (`positions` are toolhead positions where a probe with `offsets` triggered): the
// least-squares plane, or, when the points leave it undetermined, the coordinate descent's
// answer from x_adjust=`x_start`, y_adjust=`y_start`. Used by z_tilt and bed_tilt.
FitParams fit_bed_plane(const Pos3& offsets, const std::vector<Pos3>& positions, double x_start,
                        double y_start);

}  // namespace kpp
