// bed_mesh point generation: rectangular zig-zag, round beds, faulty regions, zero reference,
// algorithm checks.
#include "modules/bed_mesh_points.h"

#include <gtest/gtest.h>

#include "../core/config_test_util.h"

namespace kpp::bed_mesh {
namespace {

MeshParams counts(int x, int y) {
  MeshParams p;
  p.x_count = x, p.y_count = y;
  return p;
}

TEST(BedMeshPoints, RectangularZigZag) {
  ProbePoints pts({}, std::nullopt);
  pts.generate(counts(3, 2), {10., 20.}, {110., 70.}, std::nullopt, {});
  std::vector<Point> want = {{10., 20.}, {60., 20.}, {110., 20.},
                             {110., 70.}, {60., 70.}, {10., 70.}};
  EXPECT_EQ(pts.base_points(), want);
  EXPECT_EQ(pts.std_path(), want);
  EXPECT_EQ(pts.zref_mode(), ZrefMode::kDisabled);
}

TEST(BedMeshPoints, DistancesFlooredToHundredths) {
  // 170 / 6 = 28.333..: the step is 28.33, so the last column is at 179.98, not 180.
  ProbePoints pts({}, std::nullopt);
  pts.generate(counts(7, 7), {10., 10.}, {180., 180.}, std::nullopt, {});
  ASSERT_EQ(pts.base_points().size(), 49u);
  EXPECT_NEAR(pts.base_points()[6].x, 179.98, 1e-9);
  EXPECT_NEAR(pts.base_points()[7].x, 179.98, 1e-9);  // second row starts at the far end
  EXPECT_NEAR(pts.base_points()[48].y, 179.98, 1e-9);
}

TEST(BedMeshPoints, TooCloseTogether) {
  ProbePoints pts({}, std::nullopt);
  EXPECT_THROW(pts.generate(counts(5, 5), {0., 0.}, {4., 4.}, std::nullopt, {}), BedMeshError);
}

TEST(BedMeshPoints, RoundBed) {
  // radius 100, 5 points: a 50 mm grid, only points within the radius, shifted by the origin.
  ProbePoints pts({}, std::nullopt);
  pts.generate(counts(5, 5), {-100., -100.}, {100., 100.}, 100., {10., 0.});
  std::vector<Point> want = {{10., -100.}, {60., -50.}, {10., -50.}, {-40., -50.},
                             {-90., 0.},   {-40., 0.},  {10., 0.},   {60., 0.},
                             {110., 0.},   {60., 50.},  {10., 50.},  {-40., 50.},
                             {10., 100.}};
  EXPECT_EQ(pts.base_points(), want);
}

TEST(BedMeshPoints, FaultyRegionSubstitutes) {
  // The regions of Klipper's test/klippy/bed_mesh.cfg on its 7x7 grid.
  auto parsed = test::parse(
      "[bed_mesh]\nfaulty_region_1_min: 21.422, 87.126\nfaulty_region_1_max: 42.922, 129.126\n"
      "faulty_region_2_min: 54.172, 97.376\nfaulty_region_2_max: 100.172, 150.876\n");
  auto regions = read_faulty_regions(parsed.section("bed_mesh"));
  ASSERT_EQ(regions.size(), 2u);
  ProbePoints pts(regions, std::nullopt);
  pts.generate(counts(7, 7), {10., 10.}, {180., 180.}, std::nullopt, {});
  auto& subs = pts.substitutes();
  // Row 3 (y 94.99) runs towards -X: point 26 is (38.33, 94.99); its left/right substitutes
  // are swapped. Row 4 runs towards +X: points 29, 30, 31.
  ASSERT_EQ(subs.size(), 4u);
  ASSERT_TRUE(subs.count(26));
  std::vector<Point> s26 = subs.at(26);
  ASSERT_EQ(s26.size(), 4u);
  EXPECT_EQ(s26[0].x, 42.922);
  EXPECT_NEAR(s26[0].y, 94.99, 1e-9);
  EXPECT_NEAR(s26[1].y, 87.126, 1e-9);
  EXPECT_NEAR(s26[2].y, 129.126, 1e-9);
  EXPECT_EQ(s26[3].x, 21.422);
  EXPECT_TRUE(subs.count(29) && subs.count(30) && subs.count(31));
  EXPECT_EQ(subs.at(30)[0].x, 54.172);
  EXPECT_EQ(pts.std_path().size(), 49u + 4 * 3);
}

TEST(BedMeshPoints, OverlappingFaultyRegionsRejected) {
  auto parsed = test::parse(
      "[bed_mesh]\nfaulty_region_1_min: 0, 0\nfaulty_region_1_max: 10, 10\n"
      "faulty_region_2_min: 5, 5\nfaulty_region_2_max: 20, 20\n");
  try {
    read_faulty_regions(parsed.section("bed_mesh"));
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "bed_mesh: Existing faulty_region_1 [[0.0, 0.0], [10.0, 10.0]] overlaps added "
                 "faulty_region_2 [[5.0, 5.0], [20.0, 20.0]]");
  }
}

TEST(BedMeshPoints, ZeroReferenceModes) {
  ProbePoints in({}, Point{50., 50.});
  in.generate(counts(3, 3), {0., 0.}, {100., 100.}, std::nullopt, {});
  EXPECT_EQ(in.zref_mode(), ZrefMode::kInMesh);
  EXPECT_EQ(in.std_path().size(), 9u);
  ProbePoints out({}, Point{150., 50.});
  out.generate(counts(3, 3), {0., 0.}, {100., 100.}, std::nullopt, {});
  EXPECT_EQ(out.zref_mode(), ZrefMode::kProbe);
  ASSERT_EQ(out.std_path().size(), 10u);
  EXPECT_EQ(out.std_path().back(), (Point{150., 50.}));
  out.generate(counts(3, 3), {0., 0.}, {100., 100.}, std::nullopt, {}, "manual");
  EXPECT_EQ(out.zref_mode(), ZrefMode::kDisabled);
}

TEST(BedMeshPoints, VerifyAlgorithm) {
  MeshParams p = counts(3, 3);
  p.algo = "bicubic";
  verify_algorithm(p);
  EXPECT_EQ(p.algo, "lagrange");  // bicubic needs 4 points per axis
  p = counts(7, 7);
  EXPECT_THROW(verify_algorithm(p), BedMeshError);  // lagrange oscillates past 6
  p.algo = "bicubic";
  verify_algorithm(p);
  EXPECT_EQ(p.algo, "bicubic");
  p = counts(3, 7);
  p.algo = "bicubic";
  EXPECT_THROW(verify_algorithm(p), BedMeshError);
  p = counts(7, 7);
  p.mesh_x_pps = p.mesh_y_pps = 0;
  verify_algorithm(p);
  EXPECT_EQ(p.algo, "direct");
  p.algo = "spline";
  EXPECT_THROW(verify_algorithm(p), BedMeshError);
}

}  // namespace
}  // namespace kpp::bed_mesh
