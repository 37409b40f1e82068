// A toolhead position: x, y, z, e, then any extra axes (manual steppers bound to a G-code axis
// with MANUAL_STEPPER ... GCODE_AXIS=A). Fixed capacity, so moves never allocate.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <stdexcept>

namespace kpp {

class Coord {
 public:
  static constexpr size_t kMaxAxes = 16;

  Coord() = default;
  explicit Coord(size_t n, double fill = 0.) : n_(check(n)) { v_.fill(fill); }
  Coord(std::initializer_list<double> init) : n_(check(init.size())) {
    size_t i = 0;
    for (double d : init) v_[i++] = d;
  }

  size_t size() const { return n_; }
  void resize(size_t n, double fill = 0.) {
    check(n);
    for (size_t i = n_; i < n; i++) v_[i] = fill;
    n_ = n;
  }
  double& operator[](size_t i) { return v_[i]; }
  double operator[](size_t i) const { return v_[i]; }
  double* begin() { return v_.data(); }
  double* end() { return v_.data() + n_; }
  const double* begin() const { return v_.data(); }
  const double* end() const { return v_.data() + n_; }
  bool operator==(const Coord& o) const {
    if (n_ != o.n_) return false;
    for (size_t i = 0; i < n_; i++)
      if (v_[i] != o.v_[i]) return false;
    return true;
  }

 private:
  static size_t check(size_t n) {
    if (n > kMaxAxes) throw std::length_error("Coord: too many axes");
    return n;
  }
  std::array<double, kMaxAxes> v_{};
  size_t n_ = 0;
};

}  // namespace kpp
