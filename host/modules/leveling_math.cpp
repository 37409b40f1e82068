// Parameter fitting (see leveling_math.h).
#include "modules/leveling_math.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/logging.h"

namespace kpp {

namespace {
constexpr double kThreshold = 0.00001;
constexpr int kMaxRounds = 10000;
}  // namespace

std::vector<double> coordinate_descent(
    std::vector<double> params, const std::function<double(const std::vector<double>&)>& error) {
  std::vector<double> step(params.size(), 1.);
  double best = error(params);
  log::info("Coordinate descent initial error: {}", best);
  int rounds = 0;
  auto step_sum = [&] {
    double s = 0.;
    for (double d : step) s += d;
    return s;
  };
  while (step_sum() > kThreshold && rounds < kMaxRounds) {
    rounds++;
    for (size_t i = 0; i < params.size(); i++) {
      double orig = params[i];
      bool improved = false;
      // Try a step up, then a step down; keep the first that lowers the error.
      for (double sign : {1., -1.}) {
        params[i] = orig + sign * step[i];
        double err = error(params);
        if (err < best) {
          best = err;
          improved = true;
          break;
        }
      }
      if (improved) {
        step[i] *= 1.1;
      } else {
        params[i] = orig;
        step[i] *= 0.9;
      }
    }
  }
  log::info("Coordinate descent best_err: {}  rounds: {}", best, rounds);
  return params;
}

FitParams coordinate_descent(const std::vector<std::string>& adjust, FitParams params,
                             const std::function<double(const FitParams&)>& error) {
  std::vector<double> values;
  for (const std::string& name : adjust) values.push_back(params.at(name));
  // The error function sees the full named set with the adjusted values filled in.
  FitParams work = params;
  auto vector_error = [&](const std::vector<double>& v) {
    for (size_t i = 0; i < adjust.size(); i++) work[adjust[i]] = v[i];
    return error(work);
  };
  values = coordinate_descent(values, vector_error);
  for (size_t i = 0; i < adjust.size(); i++) params[adjust[i]] = values[i];
  return params;
}

std::optional<Plane> least_squares_plane(const std::vector<Pos3>& positions) {
  // Centred sums keep the normal equations well conditioned (bed coordinates are large next
  // to the slopes being fitted).
  double n = static_cast<double>(positions.size());
  if (positions.size() < 3) return std::nullopt;
  double mx = 0., my = 0., mz = 0.;
  for (const Pos3& p : positions) mx += p[0], my += p[1], mz += p[2];
  mx /= n, my /= n, mz /= n;
  double sxx = 0., sxy = 0., syy = 0., sxz = 0., syz = 0.;
  for (const Pos3& p : positions) {
    double dx = p[0] - mx, dy = p[1] - my, dz = p[2] - mz;
    sxx += dx * dx, sxy += dx * dy, syy += dy * dy, sxz += dx * dz, syz += dy * dz;
  }
  double det = sxx * syy - sxy * sxy;
  // Points on one line (or one point) leave the tilt across the line undetermined.
  if (!(std::abs(det) > 1e-9 * std::max(sxx * syy, 1e-300))) return std::nullopt;
  Plane plane;
  plane.x_slope = (sxz * syy - syz * sxy) / det;
  plane.y_slope = (syz * sxx - sxz * sxy) / det;
  plane.z_at_origin = mz - plane.x_slope * mx - plane.y_slope * my;
  return plane;
}

FitParams fit_bed_plane(const Pos3& offsets, const std::vector<Pos3>& positions,
                        double x_start, double y_start) {
  std::string text;
  for (const Pos3& p : positions) text += fmt::format(" ({}, {}, {})", p[0], p[1], p[2]);
  log::info("Calculating bed tilt with:{}", text);
  FitParams fit;
  if (auto plane = least_squares_plane(positions)) {
    // The exact least-squares plane: newer Klipper's adjustments agree with it (to far below
    // a step), where the coordinate descent below stops up to ~1e-5 mm away from it.
    fit = {{"x_adjust", plane->x_slope},
           {"y_adjust", plane->y_slope},
           {"z_adjust", plane->z_at_origin}};
  } else {
    FitParams start{{"x_adjust", x_start}, {"y_adjust", y_start}, {"z_adjust", offsets[2]}};
    auto error = [&](const FitParams& p) {
      double xa = p.at("x_adjust"), ya = p.at("y_adjust"), za = p.at("z_adjust");
      double total = 0.;
      for (const Pos3& pos : positions) {
        double h = pos[2] - pos[0] * xa - pos[1] * ya - za;
        total += h * h;
      }
      return total;
    };
    fit = coordinate_descent({"x_adjust", "y_adjust", "z_adjust"}, start, error);
  }
  // Fitted over probe trigger positions: move the plane to the nozzle frame.
  double xa = fit["x_adjust"], ya = fit["y_adjust"];
  fit["z_adjust"] = fit["z_adjust"] - offsets[2] - xa * offsets[0] - ya * offsets[1];
  return fit;
}

}  // namespace kpp
