// Intersection of three spheres (the forward kinematics of delta-like machines), computed in
// the same order of operations as Klipper's mathutil.trilateration.
#pragma once

#include <array>

#include "motion/move.h"

namespace kpp::motion {

// The point at squared distances radius2[i] from centers[i] with the lower z of the two
// solutions.
Vec3 trilateration(const std::array<Vec3, 3>& centers, const std::array<double, 3>& radius2);

}  // namespace kpp::motion
