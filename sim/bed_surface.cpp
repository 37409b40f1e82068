// Bed surface height field (see bed_surface.h).
#include "sim/bed_surface.h"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/config.h"

namespace kpp::sim {

double BedSurface::height(double x, double y) const {
  double dx = x - center_x, dy = y - center_y;
  double z = z0 + tilt_x * dx + tilt_y * dy;
  if (warp != 0.) {
    // A paraboloid: `warp` at the centre, zero at the corners of the bed.
    double u = half_x > 0. ? dx / half_x : 0., v = half_y > 0. ? dy / half_y : 0.;
    z += warp * (1. - (u * u + v * v) / 2.);
  }
  return z;
}

void BedSurface::parse(std::string_view spec) {
  auto numbers = [&](std::string_view s, size_t want) {
    std::vector<double> out;
    while (true) {
      auto comma = s.find(',');
      auto v = parse_config_float(s.substr(0, comma));
      if (!v) break;
      out.push_back(*v);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    if (out.size() != want)
      throw std::invalid_argument(fmt::format("bad bed shape '{}': expected {} number(s)", spec, want));
    return out;
  };
  std::string_view rest = spec;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view item = rest.substr(0, slash);
    auto colon = item.find(':');
    std::string_view key = item.substr(0, colon);
    std::string_view val = colon == std::string_view::npos ? "" : item.substr(colon + 1);
    if (key == "flat") {
      *this = BedSurface{0., 0., 0., 0., center_x, center_y, half_x, half_y};
    } else if (key == "tilt") {
      auto v = numbers(val, 2);
      tilt_x = v[0];
      tilt_y = v[1];
    } else if (key == "warp") {
      warp = numbers(val, 1)[0];
    } else if (key == "offset") {
      z0 = numbers(val, 1)[0];
    } else {
      throw std::invalid_argument(fmt::format(
          "bad bed shape '{}': use flat, tilt:SX,SY, warp:MM, offset:MM (joined by '/')", spec));
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
}

std::string BedSurface::describe() const {
  if (z0 == 0. && tilt_x == 0. && tilt_y == 0. && warp == 0.) return "flat";
  return fmt::format("offset {:.3f} mm, tilt {:.5f}/{:.5f}, warp {:.3f} mm", z0, tilt_x, tilt_y,
                     warp);
}

}  // namespace kpp::sim
