// Coordinate descent and the bed plane fit (host/modules/leveling_math.h).
#include "modules/leveling_math.h"

#include <gtest/gtest.h>

namespace kpp {
namespace {

TEST(CoordinateDescent, FindsTheMinimumOfAQuadratic) {
  FitParams start{{"a", 0.}, {"b", 0.}, {"fixed", 7.}};
  FitParams fit = coordinate_descent({"a", "b"}, start, [](const FitParams& p) {
    return (p.at("a") - 3.) * (p.at("a") - 3.) + 2. * (p.at("b") + 1.5) * (p.at("b") + 1.5) +
           p.at("fixed");
  });
  EXPECT_NEAR(fit["a"], 3., 1e-4);
  EXPECT_NEAR(fit["b"], -1.5, 1e-4);
  EXPECT_EQ(fit["fixed"], 7.);  // not in the adjusted list
}

TEST(BedPlane, RecoversATiltedPlaneThroughProbeOffsets) {
  // The bed height under the nozzle is z = 0.002*x - 0.001*y + 0.3. A probe at offset
  // (10, -20) with z_offset 1.5 triggers where the toolhead Z is bed height + z_offset at the
  // probe's XY.
  const Pos3 offsets{10., -20., 1.5};
  auto bed = [](double x, double y) { return 0.002 * x - 0.001 * y + 0.3; };
  std::vector<Pos3> positions;
  for (auto [x, y] : {std::pair{30., 40.}, {30., 180.}, {170., 180.}, {170., 40.}, {100., 100.}})
    positions.push_back({x, y, bed(x + offsets[0], y + offsets[1]) + offsets[2]});
  FitParams fit = fit_bed_plane(offsets, positions, 0., 0.);
  EXPECT_NEAR(fit["x_adjust"], 0.002, 2e-6);
  EXPECT_NEAR(fit["y_adjust"], -0.001, 2e-6);
  EXPECT_NEAR(fit["z_adjust"], 0.3, 2e-4);
}

}  // namespace
}  // namespace kpp
