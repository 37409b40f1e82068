// [gcode_arcs]: G2/G3 arc moves split into G1 segments, planes G17/G18/G19 (gcode_arcs.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <vector>

namespace kpp {

using ArcPoints = std::vector<std::array<double, 3>>;

// End points (x, y, z) of the segments of an arc from `cur` to `target` around the centre
// cur + (off_a, off_b) in the plane of axes alpha/beta, the helical axis moving linearly.
// Segments are about `mm_per_segment` long (at least one); the last point is exactly `target`;
// an arc ending where it starts is a full circle.
ArcPoints plan_arc(const std::array<double, 3>& cur, const std::array<double, 3>& target,
                   double off_a, double off_b, bool clockwise, size_t alpha, size_t beta,
                   size_t helical, double mm_per_segment);

}  // namespace kpp
