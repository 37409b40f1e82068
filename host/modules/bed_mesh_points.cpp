// Where [bed_mesh] probes (see bed_mesh_points.h).
#include "modules/bed_mesh_points.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/config.h"
#include "core/pyfmt.h"

namespace kpp::bed_mesh {

namespace {

bool isclose(double a, double b, double abs_tol = 0.) {
  return std::fabs(a - b) <= std::max(1e-9 * std::max(std::fabs(a), std::fabs(b)), abs_tol);
}

// Python's repr of [[x, y], [x, y]] (the form Klipper's overlap errors print regions in).
std::string region_repr(const FaultyRegion& r) {
  return fmt::format("[[{}, {}], [{}, {}]]", py::float_repr(r.min.x), py::float_repr(r.min.y),
                     py::float_repr(r.max.x), py::float_repr(r.max.y));
}

}  // namespace

bool within(Point p, Point lo, Point hi, double tol) {
  return hi.x + tol >= p.x && p.x >= lo.x - tol && hi.y + tol >= p.y && p.y >= lo.y - tol;
}

std::vector<FaultyRegion> read_faulty_regions(const ConfigWrapper& config) {
  std::vector<FaultyRegion> regions;
  for (int i = 1; i < 100; i++) {
    auto start = config.getfloatlist_opt(fmt::format("faulty_region_{}_min", i), ',', 2);
    if (!start) break;
    auto end = config.getfloatlist(fmt::format("faulty_region_{}_max", i), ',', 2);
    // Sort the corners: c1 the minimum, c3 the maximum, c2/c4 the other two.
    FaultyRegion r{{std::min((*start)[0], end[0]), std::min((*start)[1], end[1])},
                   {std::max((*start)[0], end[0]), std::max((*start)[1], end[1])}};
    auto corners = [](const FaultyRegion& f) {
      return std::vector<Point>{f.min, {f.min.x, f.max.y}, f.max, {f.max.x, f.min.y}};
    };
    for (size_t j = 0; j < regions.size(); j++) {
      const FaultyRegion& prev = regions[j];
      for (Point c : corners(prev))
        if (within(c, r.min, r.max))
          throw config.error(fmt::format(
              "bed_mesh: Existing faulty_region_{} {} overlaps added faulty_region_{} {}", j + 1,
              region_repr(prev), i, region_repr(r)));
      for (Point c : corners(r))
        if (within(c, prev.min, prev.max))
          throw config.error(fmt::format(
              "bed_mesh: Added faulty_region_{} {} overlaps existing faulty_region_{} {}", i,
              region_repr(r), j + 1, region_repr(prev)));
    }
    regions.push_back(r);
  }
  return regions;
}

void verify_algorithm(MeshParams& cfg) {
  if (cfg.algo != "lagrange" && cfg.algo != "bicubic")
    throw BedMeshError(fmt::format("bed_mesh: Unknown algorithm <{}>", cfg.algo));
  int max_cnt = std::max(cfg.x_count, cfg.y_count);
  int min_cnt = std::min(cfg.x_count, cfg.y_count);
  if (std::max(cfg.mesh_x_pps, cfg.mesh_y_pps) == 0) {
    cfg.algo = "direct";
  } else if (cfg.algo == "lagrange" && max_cnt > 6) {
    // Lagrange polynomials oscillate with more than 6 samples.
    throw BedMeshError(fmt::format(
        "bed_mesh: cannot exceed a probe_count of 6 when using lagrange interpolation. "
        "Configured Probe Count: {}, {}",
        cfg.x_count, cfg.y_count));
  } else if (cfg.algo == "bicubic" && min_cnt < 4) {
    if (max_cnt > 6)
      throw BedMeshError(fmt::format(
          "bed_mesh: invalid probe_count option when using bicubic interpolation.  Combination "
          "of 3 points on one axis with more than 6 on another is not permitted. Configured "
          "Probe Count: {}, {}",
          cfg.x_count, cfg.y_count));
    cfg.algo = "lagrange";
  }
}

void ProbePoints::generate(const MeshParams& cfg, Point mesh_min, Point mesh_max,
                           std::optional<double> radius, Point origin,
                           const std::string& method) {
  int x_cnt = cfg.x_count, y_cnt = cfg.y_count;
  double min_x = mesh_min.x, min_y = mesh_min.y, max_x = mesh_max.x, max_y = mesh_max.y;
  // Distances floored to 0.01 mm, so the points have round coordinates.
  double x_dist = std::floor((max_x - min_x) / (x_cnt - 1) * 100) / 100;
  double y_dist = std::floor((max_y - min_y) / (y_cnt - 1) * 100) / 100;
  if (x_dist <= 1. || y_dist <= 1.)
    throw BedMeshError("bed_mesh: min/max points too close together");
  if (radius) {
    // Round bed: a square grid centred on the origin, keeping the points inside the radius.
    y_dist = x_dist;
    double new_r = (x_cnt / 2) * x_dist;
    min_x = min_y = -new_r;
    max_x = max_y = new_r;
  } else {
    max_x = min_x + x_dist * (x_cnt - 1);
  }
  base_points_.clear();
  double pos_y = min_y;
  for (int i = 0; i < y_cnt; i++) {
    for (int j = 0; j < x_cnt; j++) {
      // Even rows run towards +X, odd rows back towards -X (zig-zag).
      double pos_x = (i % 2 == 0) ? min_x + j * x_dist : max_x - j * x_dist;
      if (!radius) {
        base_points_.push_back({pos_x, pos_y});
      } else if (std::sqrt(pos_x * pos_x + pos_y * pos_y) <= *radius) {
        base_points_.push_back({origin.x + pos_x, origin.y + pos_y});
      }
    }
    pos_y += y_dist;
  }
  Point lo{min_x, min_y}, hi{max_x, max_y};
  if (radius) lo = {origin.x + min_x, origin.y + min_y}, hi = {origin.x + max_x, origin.y + max_y};
  if (!zero_ref_pos_ || method == "manual")
    zref_mode_ = ZrefMode::kDisabled;
  else if (within(*zero_ref_pos_, lo, hi, 1e-8))
    zref_mode_ = ZrefMode::kInMesh;
  else
    zref_mode_ = ZrefMode::kProbe;
  process_faulty_regions({min_x, min_y}, {max_x, max_y}, radius);
}

void ProbePoints::process_faulty_regions(Point min_pt, Point max_pt,
                                         std::optional<double> radius) {
  substitutes_.clear();
  if (faulty_regions_.empty()) return;
  if (zref_mode_ == ZrefMode::kProbe)
    for (auto& r : faulty_regions_)
      if (within(*zero_ref_pos_, r.min, r.max))
        throw BedMeshError(fmt::format(
            "bed_mesh: Cannot probe zero reference position at ({:.2f}, {:.2f}) as it is "
            "located within a faulty region. Check the value for option "
            "'zero_reference_position'",
            zero_ref_pos_->x, zero_ref_pos_->y));
  double last_y = base_points_[0].y;
  bool is_reversed = false;
  for (size_t i = 0; i < base_points_.size(); i++) {
    Point c = base_points_[i];
    if (!isclose(c.y, last_y)) is_reversed = !is_reversed;
    last_y = c.y;
    std::vector<Point> adj;
    for (auto& r : faulty_regions_) {
      if (!within(c, r.min, r.max, .00001)) continue;
      // The nearest points on the region's edges: left, below, above, right; on a row that
      // runs towards -X the first and last swap, keeping the zig-zag order.
      adj = {{r.min.x, c.y}, {c.x, r.min.y}, {c.x, r.max.y}, {r.max.x, c.y}};
      if (is_reversed) std::swap(adj.front(), adj.back());
      break;
    }
    if (adj.empty()) continue;
    std::vector<Point> valid;
    for (Point a : adj) {
      if (!radius) {
        if (within(a, min_pt, max_pt, .000001)) valid.push_back(a);
      } else if (std::sqrt(a.x * a.x + a.y * a.y) <= *radius) {
        valid.push_back(a);
      }
    }
    if (valid.empty())
      throw BedMeshError(
          fmt::format("bed_mesh: Unable to generate coordinates for faulty region at index: {}", i));
    substitutes_[(int)i] = std::move(valid);
  }
}

std::vector<Point> ProbePoints::std_path() const {
  std::vector<Point> path;
  for (size_t i = 0; i < base_points_.size(); i++) {
    auto it = substitutes_.find((int)i);
    if (it == substitutes_.end())
      path.push_back(base_points_[i]);
    else
      path.insert(path.end(), it->second.begin(), it->second.end());
  }
  if (zref_mode_ == ZrefMode::kProbe) path.push_back(*zero_ref_pos_);
  return path;
}

}  // namespace kpp::bed_mesh
