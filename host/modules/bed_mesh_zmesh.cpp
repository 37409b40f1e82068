// The interpolated Z mesh of [bed_mesh] (see bed_mesh_zmesh.h).
#include "modules/bed_mesh_zmesh.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace kpp::bed_mesh {

namespace {

double lerp(double t, double v0, double v1) { return (1. - t) * v0 + t * v1; }

// Hermite form of a cardinal spline between p1 and p2 (p0 and p3 give the tangents).
double cardinal_spline(double p0, double p1, double p2, double p3, double t, double tension) {
  double t2 = t * t, t3 = t2 * t;
  double m1 = tension * (p2 - p0);
  double m2 = tension * (p3 - p1);
  double a = p1 * (2 * t3 - 3 * t2 + 1);
  double b = p2 * (-2 * t3 + 3 * t2);
  double c = m1 * (t3 - 2 * t2 + t);
  double d = m2 * (t3 - t2);
  return a + b + c + d;
}

}  // namespace

double py_round(double v, int ndigits) {
  // printf rounds the exact binary value, ties to even: the same result as Python's round().
  return std::strtod(fmt::format("{:.{}f}", v, ndigits).c_str(), nullptr);
}

Json MeshParams::to_json() const {
  return Json{{"min_x", min_x},           {"max_x", max_x},           {"min_y", min_y},
              {"max_y", max_y},           {"x_count", x_count},       {"y_count", y_count},
              {"mesh_x_pps", mesh_x_pps}, {"mesh_y_pps", mesh_y_pps}, {"algo", algo},
              {"tension", tension}};
}

ZMesh::ZMesh(const MeshParams& params, std::string profile_name)
    : params_(params), profile_name_(std::move(profile_name)) {
  mesh_x_count_ = (params.x_count - 1) * params.mesh_x_pps + params.x_count;
  mesh_y_count_ = (params.y_count - 1) * params.mesh_y_pps + params.y_count;
  x_mult_ = params.mesh_x_pps + 1;
  y_mult_ = params.mesh_y_pps + 1;
  mesh_x_dist_ = (params.max_x - params.min_x) / (mesh_x_count_ - 1);
  mesh_y_dist_ = (params.max_y - params.min_y) / (mesh_y_count_ - 1);
}

Matrix ZMesh::seeded(const Matrix& probed) const {
  // The probed values at every (x_mult, y_mult)-th mesh index, zero elsewhere.
  Matrix m(mesh_y_count_, std::vector<double>(mesh_x_count_, 0.));
  for (int j = 0; j < mesh_y_count_; j += y_mult_)
    for (int i = 0; i < mesh_x_count_; i += x_mult_) m[j][i] = probed[j / y_mult_][i / x_mult_];
  return m;
}

void ZMesh::build_mesh(const Matrix& probed) {
  if ((int)probed.size() != params_.y_count)
    throw BedMeshError(fmt::format("bed_mesh: probed matrix has {} rows, expected {}",
                                   probed.size(), params_.y_count));
  for (auto& row : probed)
    if ((int)row.size() != params_.x_count)
      throw BedMeshError(fmt::format("bed_mesh: probed matrix row has {} values, expected {}",
                                     row.size(), params_.x_count));
  probed_matrix_ = probed;
  if (params_.algo == "lagrange")
    sample_lagrange(probed);
  else if (params_.algo == "bicubic")
    sample_bicubic(probed);
  else
    mesh_matrix_ = probed;
}

void ZMesh::sample_lagrange(const Matrix& probed) {
  mesh_matrix_ = seeded(probed);
  std::vector<double> xpts, ypts;
  for (int i = 0; i < params_.x_count; i++) xpts.push_back(x_coord(i * x_mult_));
  for (int j = 0; j < params_.y_count; j++) ypts.push_back(y_coord(j * y_mult_));
  auto& m = *mesh_matrix_;
  // First along X on the rows that hold probed values, then along Y on every column.
  for (int i = 0; i < mesh_y_count_; i += y_mult_)
    for (int j = 0; j < mesh_x_count_; j++)
      if (j % x_mult_) m[i][j] = lagrange(xpts, x_coord(j), i, false);
  for (int i = 0; i < mesh_x_count_; i++)
    for (int j = 0; j < mesh_y_count_; j++)
      if (j % y_mult_) m[j][i] = lagrange(ypts, y_coord(j), i, true);
}

double ZMesh::lagrange(const std::vector<double>& pts, double c, int vec, bool y_axis) const {
  auto& m = *mesh_matrix_;
  double total = 0.;
  for (size_t i = 0; i < pts.size(); i++) {
    double n = 1., d = 1.;
    for (size_t j = 0; j < pts.size(); j++) {
      if (j == i) continue;
      n *= c - pts[j];
      d *= pts[i] - pts[j];
    }
    double z = y_axis ? m[i * y_mult_][vec] : m[vec][i * x_mult_];
    total += z * n / d;
  }
  return total;
}

template <class Line>
double ZMesh::spline_at(int i, int mult, int count, Line line) const {
  int last_pt = count - 1 - mult;
  double p0, p1, p2, p3, t;
  if (i < mult) {
    p0 = p1 = line(0);
    p2 = line(mult);
    p3 = line(2 * mult);
    t = double(i) / mult;
  } else if (i > last_pt) {
    p0 = line(last_pt - mult);
    p1 = line(last_pt);
    p2 = p3 = line(last_pt + mult);
    t = double(i - last_pt) / mult;
  } else {
    int seg = (i / mult) * mult;  // the probed index just below i
    if (seg == i || seg < mult || seg >= last_pt)
      throw BedMeshError("bed_mesh: Error finding control points");
    p0 = line(seg - mult);
    p1 = line(seg);
    p2 = line(seg + mult);
    p3 = line(seg + 2 * mult);
    t = double(i - seg) / mult;
  }
  return cardinal_spline(p0, p1, p2, p3, t, params_.tension);
}

void ZMesh::sample_bicubic(const Matrix& probed) {
  mesh_matrix_ = seeded(probed);
  auto& m = *mesh_matrix_;
  for (int y = 0; y < mesh_y_count_; y += y_mult_)
    for (int x = 0; x < mesh_x_count_; x++)
      if (x % x_mult_)
        m[y][x] = spline_at(x, x_mult_, mesh_x_count_, [&](int k) { return m[y][k]; });
  for (int x = 0; x < mesh_x_count_; x++)
    for (int y = 0; y < mesh_y_count_; y++)
      if (y % y_mult_)
        m[y][x] = spline_at(y, y_mult_, mesh_y_count_, [&](int k) { return m[k][x]; });
}

std::pair<double, int> ZMesh::linear_index(double coord, bool y_axis) const {
  double mesh_min = y_axis ? params_.min_y : params_.min_x;
  double dist = y_axis ? mesh_y_dist_ : mesh_x_dist_;
  int count = y_axis ? mesh_y_count_ : mesh_x_count_;
  int idx = (int)std::floor((coord - mesh_min) / dist);
  idx = std::clamp(idx, 0, count - 2);
  double t = (coord - (mesh_min + dist * idx)) / dist;
  return {std::clamp(t, 0., 1.), idx};
}

double ZMesh::calc_z(double x, double y) const {
  if (!mesh_matrix_) return 0.;
  auto& tbl = *mesh_matrix_;
  auto [tx, xi] = linear_index(x + mesh_offsets_[0], false);
  auto [ty, yi] = linear_index(y + mesh_offsets_[1], true);
  double z0 = lerp(tx, tbl[yi][xi], tbl[yi][xi + 1]);
  double z1 = lerp(tx, tbl[yi + 1][xi], tbl[yi + 1][xi + 1]);
  return lerp(ty, z0, z1);
}

std::pair<double, double> ZMesh::get_z_range() const {
  if (!mesh_matrix_) return {0., 0.};
  double lo = INFINITY, hi = -INFINITY;
  for (auto& row : *mesh_matrix_)
    for (double z : row) lo = std::min(lo, z), hi = std::max(hi, z);
  return {lo, hi};
}

double ZMesh::get_z_average() const {
  if (!mesh_matrix_) return 0.;
  double sum = 0.;
  size_t n = 0;
  // Row by row, as Python's sum of row sums adds them (the rounding order matters).
  for (auto& row : *mesh_matrix_) {
    double rs = 0.;
    for (double z : row) rs += z;
    sum += rs;
    n += row.size();
  }
  return py_round(sum / n, 2);
}

void ZMesh::set_zero_reference(double x, double y) {
  double offset = calc_z(x, y);
  for (auto* m : {&probed_matrix_, &mesh_matrix_})
    if (*m)
      for (auto& row : **m)
        for (double& z : row) z -= offset;
}

void ZMesh::set_mesh_offsets(std::optional<double> x, std::optional<double> y) {
  if (x) mesh_offsets_[0] = *x;
  if (y) mesh_offsets_[1] = *y;
}

static Matrix rounded(const std::optional<Matrix>& m) {
  if (!m) return Matrix{{}};
  Matrix out = *m;
  for (auto& row : out)
    for (double& z : row) z = py_round(z, 6);
  return out;
}

Matrix ZMesh::get_probed_matrix() const { return rounded(probed_matrix_); }
Matrix ZMesh::get_mesh_matrix() const { return rounded(mesh_matrix_); }

std::string ZMesh::probed_matrix_text() const {
  if (!probed_matrix_) return "bed_mesh: bed has not been probed";
  std::string msg = "Mesh Leveling Probed Z positions:\n";
  for (auto& line : *probed_matrix_) {
    for (double z : line) msg += fmt::format(" {:f}", z);
    msg += "\n";
  }
  return msg;
}

std::string ZMesh::mesh_text(std::optional<double> move_z) const {
  Matrix matrix = get_mesh_matrix();
  std::string msg = fmt::format("Mesh X,Y: {},{}\n", mesh_x_count_, mesh_y_count_);
  if (move_z) msg += fmt::format("Search Height: {}\n", (long long)*move_z);
  msg += fmt::format("Mesh Offsets: X={:.4f}, Y={:.4f}\n", mesh_offsets_[0], mesh_offsets_[1]);
  msg += fmt::format("Mesh Average: {:.2f}\n", get_z_average());
  auto [lo, hi] = get_z_range();
  msg += fmt::format("Mesh Range: min={:.4f} max={:.4f}\n", lo, hi);
  msg += fmt::format("Interpolation Algorithm: {}\n", params_.algo);
  msg += "Measured points:\n";
  // Highest Y first, so the printout looks like the bed seen from above.
  for (int y = (int)matrix.size() - 1; y >= 0; y--) {
    for (double z : matrix[y]) msg += fmt::format("  {:f}", z);
    msg += "\n";
  }
  return msg;
}

}  // namespace kpp::bed_mesh
