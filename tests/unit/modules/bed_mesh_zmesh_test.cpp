// bed_mesh ZMesh: interpolation (lagrange, bicubic, direct), lookup, zero reference, texts.
#include "modules/bed_mesh_zmesh.h"

#include <gtest/gtest.h>

namespace kpp::bed_mesh {
namespace {

MeshParams params(int xc, int yc, int pps, const char* algo, double max_x = 20., double max_y = 20.) {
  MeshParams p;
  p.x_count = xc, p.y_count = yc;
  p.mesh_x_pps = p.mesh_y_pps = pps;
  p.algo = algo;
  p.min_x = 0., p.max_x = max_x, p.min_y = 0., p.max_y = max_y;
  return p;
}

TEST(BedMeshZMesh, LagrangeIsExactForAQuadratic) {
  // z = x^2 / 100 probed at x = 0, 10, 20 (same on every row): lagrange through three points
  // reproduces the parabola, so the interpolated points at x = 10/3 and 20/3 are known.
  ZMesh m(params(3, 3, 2, "lagrange"), "p");
  m.build_mesh({{0., 1., 4.}, {0., 1., 4.}, {0., 1., 4.}});
  EXPECT_EQ(m.mesh_x_count(), 7);
  EXPECT_EQ(m.mesh_y_count(), 7);
  auto mm = m.get_mesh_matrix();
  EXPECT_DOUBLE_EQ(mm[0][1], 0.111111);  // (10/3)^2 / 100, rounded to 6 places
  EXPECT_DOUBLE_EQ(mm[0][2], 0.444444);
  EXPECT_DOUBLE_EQ(mm[0][3], 1.);
  EXPECT_DOUBLE_EQ(mm[0][5], 2.777778);
  // Along Y the values are constant.
  EXPECT_DOUBLE_EQ(mm[4][5], 2.777778);
}

TEST(BedMeshZMesh, BicubicCardinalSpline) {
  // One row 0,1,2,3 (linear). With tension .2 and one point per segment: between 1 and 2 the
  // spline gives 1.5; in the first segment the end point is doubled (p0 = p1 = 0) so the
  // tangents differ: 0.5 + .2*.125 - .4*.125 = 0.475.
  ZMesh m(params(4, 4, 1, "bicubic", 30., 30.), "p");
  Matrix probed(4, std::vector<double>{0., 1., 2., 3.});
  m.build_mesh(probed);
  auto mm = m.get_mesh_matrix();
  ASSERT_EQ(mm[0].size(), 7u);
  EXPECT_DOUBLE_EQ(mm[0][1], 0.475);
  EXPECT_DOUBLE_EQ(mm[0][3], 1.5);
  EXPECT_DOUBLE_EQ(mm[0][5], 2.525);
  EXPECT_DOUBLE_EQ(mm[3][3], 1.5);
}

TEST(BedMeshZMesh, DirectAndBilinearLookup) {
  ZMesh m(params(3, 3, 0, "direct", 100., 100.), "p");
  m.build_mesh({{0., .5, 1.}, {0., .5, 1.}, {1., 1.5, 2.}});
  EXPECT_DOUBLE_EQ(m.calc_z(25., 0.), .25);
  EXPECT_DOUBLE_EQ(m.calc_z(100., 75.), 1.5);
  // Outside the mesh the edge value holds.
  EXPECT_DOUBLE_EQ(m.calc_z(-50., -50.), 0.);
  EXPECT_DOUBLE_EQ(m.calc_z(500., 500.), 2.);
  auto [lo, hi] = m.get_z_range();
  EXPECT_EQ(lo, 0.);
  EXPECT_EQ(hi, 2.);
  EXPECT_DOUBLE_EQ(m.get_z_average(), .83);  // 7.5 / 9 rounded to 0.01
  m.set_mesh_offsets(10., std::nullopt);
  EXPECT_DOUBLE_EQ(m.calc_z(15., 0.), .25);
}

TEST(BedMeshZMesh, ZeroReference) {
  ZMesh m(params(3, 3, 0, "direct", 100., 100.), "p");
  m.build_mesh({{0., .5, 1.}, {0., .5, 1.}, {0., .5, 1.}});
  m.set_zero_reference(50., 50.);
  EXPECT_DOUBLE_EQ(m.calc_z(50., 20.), 0.);
  EXPECT_DOUBLE_EQ(m.calc_z(0., 0.), -.5);
  EXPECT_DOUBLE_EQ(m.get_probed_matrix()[1][2], .5);
}

TEST(BedMeshZMesh, WrongMatrixSizeIsAnError) {
  ZMesh m(params(3, 3, 2, "lagrange"), "p");
  EXPECT_THROW(m.build_mesh({{0., 1.}, {0., 1.}, {0., 1.}}), BedMeshError);
}

TEST(BedMeshZMesh, OutputTexts) {
  ZMesh m(params(3, 3, 0, "direct", 100., 100.), "p");
  m.build_mesh({{0., .5, 1.}, {0., .5, 1.}, {1., 1.5, 2.}});
  EXPECT_EQ(m.probed_matrix_text(),
            "Mesh Leveling Probed Z positions:\n 0.000000 0.500000 1.000000\n"
            " 0.000000 0.500000 1.000000\n 1.000000 1.500000 2.000000\n");
  EXPECT_EQ(m.mesh_text(5.),
            "Mesh X,Y: 3,3\nSearch Height: 5\nMesh Offsets: X=0.0000, Y=0.0000\n"
            "Mesh Average: 0.83\nMesh Range: min=0.0000 max=2.0000\n"
            "Interpolation Algorithm: direct\nMeasured points:\n"
            "  1.000000  1.500000  2.000000\n  0.000000  0.500000  1.000000\n"
            "  0.000000  0.500000  1.000000\n");
}

TEST(BedMeshZMesh, PyRound) {
  EXPECT_EQ(py_round(0.125, 2), 0.12);  // exact tie: to even
  EXPECT_EQ(py_round(0.135, 2), 0.14);  // 0.135 is slightly above the tie in binary
  EXPECT_EQ(py_round(-1.1500004, 6), -1.15);
}

}  // namespace
}  // namespace kpp::bed_mesh
