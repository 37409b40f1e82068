// The bed's top surface as a height field z(x, y) in machine coordinates: flat by default,
// optionally tilted and warped, where the simulated probe triggers.
#pragma once

#include <string>
#include <string_view>

namespace kpp::sim {

struct BedSurface {
  double z0 = 0.;      // height at the bed's centre
  double tilt_x = 0.;  // slope along x (mm of z per mm of x)
  double tilt_y = 0.;  // slope along y
  double warp = 0.;    // bulge of the centre above the corners (negative: a bowl)
  double center_x = 0., center_y = 0.;  // centre of the bed
  double half_x = 100., half_y = 100.;  // half the bed's size (the warp is zero at the corners)

  // Height of the surface at (x, y).
  double height(double x, double y) const;
  // Parse "flat", "tilt:0.001,-0.002", "warp:0.2", "offset:0.1" or several joined by '/';
  // throws std::invalid_argument with a readable message.
  void parse(std::string_view spec);
  std::string describe() const;
};

}  // namespace kpp::sim
