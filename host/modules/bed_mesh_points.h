// Where [bed_mesh] probes (Klipper's ProbeManager point generation): the zig-zag grid of a
// rectangular or round mesh, faulty regions (a point inside one is replaced by points on the
// region's edges), and the zero reference position (in the mesh, or probed after it).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "modules/bed_mesh_zmesh.h"

namespace kpp {
class ConfigWrapper;
}

namespace kpp::bed_mesh {

struct Point {
  double x = 0., y = 0.;
  bool operator==(const Point&) const = default;
};

struct FaultyRegion {
  Point min, max;
};

enum class ZrefMode { kDisabled, kInMesh, kProbe };

// True when `p` lies in the box [lo, hi] widened by `tol`.
bool within(Point p, Point lo, Point hi, double tol = 0.);

// faulty_region_N_min/max (N from 1 until the first missing one); corners are sorted and
// overlapping regions rejected. Throws ConfigError.
std::vector<FaultyRegion> read_faulty_regions(const ConfigWrapper& config);

// Check the interpolation choice against the probe counts: no interpolation points means
// "direct", bicubic with fewer than 4 points on an axis falls back to lagrange. Throws
// BedMeshError for unknown algorithms and unsupported combinations.
void verify_algorithm(MeshParams& cfg);

class ProbePoints {
 public:
  ProbePoints(std::vector<FaultyRegion> faulty_regions, std::optional<Point> zero_ref_pos)
      : faulty_regions_(std::move(faulty_regions)), zero_ref_pos_(zero_ref_pos) {}

  // Generate the grid for x_count/y_count of `cfg` between mesh_min and mesh_max (rectangular)
  // or within `radius` of `origin` (round). `method` "manual" disables the zero reference.
  // Throws BedMeshError.
  void generate(const MeshParams& cfg, Point mesh_min, Point mesh_max,
                std::optional<double> radius, Point origin, const std::string& method = "automatic");

  // The grid in probing order (zig-zag, starting at the minimum corner).
  const std::vector<Point>& base_points() const { return base_points_; }
  // Grid index -> the points probed instead of it (their Z values are averaged).
  const std::map<int, std::vector<Point>>& substitutes() const { return substitutes_; }
  // What the probe visits: the grid with substitutions, then the zero reference if probed.
  std::vector<Point> std_path() const;
  ZrefMode zref_mode() const { return zref_mode_; }
  const std::optional<Point>& zero_ref_pos() const { return zero_ref_pos_; }
  void set_zero_ref_pos(std::optional<Point> p) { zero_ref_pos_ = p; }

 private:
  void process_faulty_regions(Point min_pt, Point max_pt, std::optional<double> radius);

  std::vector<FaultyRegion> faulty_regions_;
  std::optional<Point> zero_ref_pos_;
  ZrefMode zref_mode_ = ZrefMode::kDisabled;
  std::vector<Point> base_points_;
  std::map<int, std::vector<Point>> substitutes_;
};

}  // namespace kpp::bed_mesh
