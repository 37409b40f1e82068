// The interpolated Z mesh of [bed_mesh] (Klipper's ZMesh): a probed matrix of Z heights is
// refined to a denser matrix (lagrange, bicubic or none = "direct"), which calc_z() samples
// bilinearly. Also the mesh parameters kept in profiles and the human-readable dumps.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"

namespace kpp::bed_mesh {

using Matrix = std::vector<std::vector<double>>;

// A mesh failure inside the maths (turned into a ConfigError or CommandError by the caller).
class BedMeshError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a profile stores besides the points: the probed area and how to interpolate it.
struct MeshParams {
  int x_count = 3, y_count = 3;
  int mesh_x_pps = 2, mesh_y_pps = 2;
  std::string algo = "lagrange";  // lagrange, bicubic or direct (no interpolation)
  double tension = .2;
  double min_x = 0., max_x = 0., min_y = 0., max_y = 0.;

  // The profile/status form: {"min_x": .., ..., "tension": ..} in Klipper's key order.
  Json to_json() const;
};

// Python's round(v, ndigits) (correctly rounded, ties to even), used on reported values.
double py_round(double v, int ndigits);

class ZMesh {
 public:
  ZMesh(const MeshParams& params, std::string profile_name);

  // Interpolate the probed matrix (rows of y_count, each of x_count values, y ascending).
  // Throws BedMeshError when the matrix does not fit the parameters.
  void build_mesh(const Matrix& probed);

  // The Z adjustment at (x, y) (outside the mesh: the nearest edge value).
  double calc_z(double x, double y) const;
  std::pair<double, double> get_z_range() const;
  // Mean of the mesh, rounded to 0.01 mm (an offset that suits common Z step distances).
  double get_z_average() const;
  // Shift both matrices so that (x, y) needs no adjustment.
  void set_zero_reference(double x, double y);
  // BED_MESH_OFFSET X/Y: added to the coordinates before lookup.
  void set_mesh_offsets(std::optional<double> x, std::optional<double> y);

  // Values rounded to 6 decimals, as status and profiles show them.
  Matrix get_probed_matrix() const;
  Matrix get_mesh_matrix() const;
  const MeshParams& get_mesh_params() const { return params_; }
  const std::string& get_profile_name() const { return profile_name_; }
  int mesh_x_count() const { return mesh_x_count_; }
  int mesh_y_count() const { return mesh_y_count_; }

  // BED_MESH_OUTPUT texts.
  std::string probed_matrix_text() const;
  std::string mesh_text(std::optional<double> move_z) const;

 private:
  double x_coord(int index) const { return params_.min_x + mesh_x_dist_ * index; }
  double y_coord(int index) const { return params_.min_y + mesh_y_dist_ * index; }
  // (t, index) of the mesh cell holding `coord` along one axis.
  std::pair<double, int> linear_index(double coord, bool y_axis) const;
  Matrix seeded(const Matrix& probed) const;
  void sample_lagrange(const Matrix& probed);
  void sample_bicubic(const Matrix& probed);
  double lagrange(const std::vector<double>& pts, double c, int vec, bool y_axis) const;
  // The four control points and t of a cardinal spline through mesh index `i` along an axis
  // (`line(k)` reads the k-th value on that axis).
  template <class Line>
  double spline_at(int i, int mult, int count, Line line) const;

  MeshParams params_;
  std::string profile_name_;
  std::optional<Matrix> probed_matrix_, mesh_matrix_;
  double mesh_offsets_[2] = {0., 0.};
  int mesh_x_count_, mesh_y_count_, x_mult_, y_mult_;
  double mesh_x_dist_, mesh_y_dist_;
};

}  // namespace kpp::bed_mesh
