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
  // Exact (least squares), not just within the coordinate descent's 1e-5 stop.
  EXPECT_NEAR(fit["x_adjust"], 0.002, 1e-12);
  EXPECT_NEAR(fit["y_adjust"], -0.001, 1e-12);
  EXPECT_NEAR(fit["z_adjust"], 0.3, 1e-10);
}

// z_tilt.test's manual run: heights 2.910, 2.925, 2.960, 2.925 on a 145 mm square. The least
// squares tilt is 0.025/145 on both axes; Klipper's Z adjustments agree with it, where the
// coordinate descent stops 5e-8 off (2e-5 mm at the far Z stepper).
TEST(BedPlane, LeastSquaresPlaneIsExact) {
  std::vector<Pos3> positions = {
      {50., 50., 2.910}, {50., 195., 2.925}, {195., 195., 2.960}, {195., 50., 2.925}};
  auto plane = least_squares_plane(positions);
  ASSERT_TRUE(plane);
  EXPECT_NEAR(plane->x_slope, 0.025 / 145., 1e-15);
  EXPECT_NEAR(plane->y_slope, 0.025 / 145., 1e-15);
  EXPECT_NEAR(plane->z_at_origin, 2.93 - 2. * 122.5 * 0.025 / 145., 1e-12);
  // A flat bed gives exactly level adjustments (no sub-step moves left to make).
  auto flat = least_squares_plane({{50., 50., .5}, {50., 195., .5}, {195., 195., .5}});
  ASSERT_TRUE(flat);
  EXPECT_EQ(flat->x_slope, 0.);
  EXPECT_EQ(flat->y_slope, 0.);
  EXPECT_DOUBLE_EQ(flat->z_at_origin, .5);
}

// Two points, or points on a line, do not determine a plane: the descent answers instead.
TEST(BedPlane, CollinearPointsFallBackToCoordinateDescent) {
  EXPECT_FALSE(least_squares_plane({{0., 0., 1.}, {10., 0., 2.}}));
  EXPECT_FALSE(least_squares_plane({{0., 0., 1.}, {10., 10., 2.}, {20., 20., 3.}}));
  FitParams fit = fit_bed_plane({0., 0., 0.}, {{0., 0., 1.}, {10., 0., 2.}}, 0., 0.);
  EXPECT_NEAR(fit["x_adjust"] * 10. + fit["z_adjust"], 2., 1e-3);
  EXPECT_NEAR(fit["z_adjust"], 1., 1e-3);
}

}  // namespace
}  // namespace kpp
