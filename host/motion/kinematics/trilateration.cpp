// Trilateration (see trilateration.h).
#include "motion/kinematics/trilateration.h"

#include <cmath>

namespace kpp::motion {

namespace {
Vec3 sub(const Vec3& a, const Vec3& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
Vec3 add(const Vec3& a, const Vec3& b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
Vec3 mul(const Vec3& a, double s) {
  return {a.x * s, a.y * s, a.z * s};
}
double dot(const Vec3& a, const Vec3& b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
// Klipper squares with Python's x**2 (libm pow, correctly rounded like x*x in all but rare
// half-ulp cases).
double sq(double v) {
  return std::pow(v, 2.);
}
double magsq(const Vec3& a) {
  return sq(a.x) + sq(a.y) + sq(a.z);
}
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
}  // namespace

Vec3 trilateration(const std::array<Vec3, 3>& centers, const std::array<double, 3>& radius2) {
  Vec3 s21 = sub(centers[1], centers[0]);
  Vec3 s31 = sub(centers[2], centers[0]);
  double d = std::sqrt(magsq(s21));
  Vec3 ex = mul(s21, 1. / d);
  double i = dot(ex, s31);
  Vec3 vect_ey = sub(s31, mul(ex, i));
  Vec3 ey = mul(vect_ey, 1. / std::sqrt(magsq(vect_ey)));
  Vec3 ez = cross(ex, ey);
  double j = dot(ey, s31);
  double x = (radius2[0] - radius2[1] + sq(d)) / (2. * d);
  double y = (radius2[0] - radius2[2] - sq(x) + sq(x - i) + sq(j)) / (2. * j);
  double z = -std::sqrt(radius2[0] - sq(x) - sq(y));
  return add(centers[0], add(mul(ex, x), add(mul(ey, y), mul(ez, z))));
}

}  // namespace kpp::motion
