// Generic cartesian stepper kinematics (see generic_cartesian.h).
#include "motion/kinematics/generic_cartesian.h"

#include <cmath>
#include <utility>

namespace kpp::motion {

GenericCartesianKinematics::GenericCartesianKinematics(const Vec3& coeffs) {
  set_coeffs(coeffs);
}

void GenericCartesianKinematics::set_coeffs(const Vec3& coeffs) {
  a_ = coeffs;
  int flags = 0;
  if (a_.x != 0.) flags |= kActiveX;
  if (a_.y != 0.) flags |= kActiveY;
  if (a_.z != 0.) flags |= kActiveZ;
  set_active_flags(flags);
}

double GenericCartesianKinematics::calc_position(const Move& m, double move_time) {
  Vec3 c = m.coord(move_time);
  return a_.x * c.x + a_.y * c.y + a_.z * c.z;
}

Vec3 GenericCartesianKinematics::forward(std::span<const Vec3> coeffs,
                                         std::span<const double> positions) {
  // Normal equations (A^T A) p = A^T b over the axes some stepper moves.
  int axes[3], n = 0;
  for (int ax = 0; ax < 3; ax++) {
    bool used = false;
    for (const Vec3& c : coeffs) used = used || c[ax] != 0.;
    if (used) axes[n++] = ax;
  }
  double m[3][4] = {};
  for (size_t k = 0; k < coeffs.size() && k < positions.size(); k++)
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) m[i][j] += coeffs[k][axes[i]] * coeffs[k][axes[j]];
      m[i][n] += coeffs[k][axes[i]] * positions[k];
    }
  // Gauss-Jordan elimination with partial pivoting.
  for (int col = 0; col < n; col++) {
    int piv = col;
    for (int r = col + 1; r < n; r++)
      if (std::fabs(m[r][col]) > std::fabs(m[piv][col])) piv = r;
    for (int c = 0; c <= n; c++) std::swap(m[col][c], m[piv][c]);
    double p = m[col][col];
    if (p == 0.) continue;
    for (int r = 0; r < n; r++) {
      if (r == col) continue;
      double f = m[r][col] / p;
      for (int c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  Vec3 res;
  for (int i = 0; i < n; i++) res[axes[i]] = m[i][i] != 0. ? m[i][n] / m[i][i] : 0.;
  return res;
}

}  // namespace kpp::motion
