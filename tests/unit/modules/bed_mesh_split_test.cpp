// bed_mesh move splitting: a move over a sloped mesh is cut where the adjustment has changed
// by split_delta_z, checked every move_check_distance.
#include "modules/bed_mesh_split.h"

#include <gtest/gtest.h>

namespace kpp::bed_mesh {
namespace {

// A mesh whose adjustment is slope * x over 0..100 (no interpolation points).
ZMesh sloped(double slope) {
  MeshParams p;
  p.x_count = p.y_count = 3;
  p.mesh_x_pps = p.mesh_y_pps = 0;
  p.algo = "direct";
  p.min_x = p.min_y = 0.;
  p.max_x = p.max_y = 100.;
  ZMesh m(p, "t");
  std::vector<double> row{0., 50. * slope, 100. * slope};
  m.build_mesh({row, row, row});
  return m;
}

std::vector<Coord> split_all(MoveSplitter& s, Coord from, Coord to, double factor = 1.) {
  s.build_move(from, to, factor);
  std::vector<Coord> out;
  Coord c;
  while (s.split(c)) out.push_back(c);
  return out;
}

TEST(BedMeshSplit, CutsEveryCheckDistanceOnASteepMesh) {
  ZMesh m = sloped(.01);  // .05 mm per 5 mm: every check exceeds .025
  MoveSplitter s(.025, 5.);
  s.initialize(&m, 0.);
  auto pieces = split_all(s, {0., 10., 1., 0.}, {50., 10., 1., 5.});
  ASSERT_EQ(pieces.size(), 10u);
  for (size_t i = 0; i < pieces.size(); i++) {
    double x = 5. * (i + 1);
    EXPECT_NEAR(pieces[i][0], x, 1e-9);
    EXPECT_EQ(pieces[i][1], 10.);  // Y does not move: kept exactly
    EXPECT_NEAR(pieces[i][2], 1. + .01 * x, 1e-9);
    EXPECT_NEAR(pieces[i][3], x / 10., 1e-9);  // E interpolated along the move
  }
}

TEST(BedMeshSplit, SkipsChecksBelowDeltaZ) {
  ZMesh m = sloped(.004);  // .02 per 5 mm: a cut every 10 mm
  MoveSplitter s(.025, 5.);
  s.initialize(&m, 0.);
  auto pieces = split_all(s, {0., 0., 0., 0.}, {50., 0., 0., 0.});
  ASSERT_EQ(pieces.size(), 5u);
  EXPECT_NEAR(pieces[0][0], 10., 1e-9);
  EXPECT_NEAR(pieces[3][0], 40., 1e-9);
  EXPECT_EQ(pieces[4][0], 50.);
  EXPECT_NEAR(pieces[4][2], .2, 1e-12);
}

TEST(BedMeshSplit, ZOnlyMoveAndFadeFactor) {
  ZMesh m = sloped(.01);
  MoveSplitter s(.025, 5.);
  s.initialize(&m, .1);  // fade target .1
  // A Z-only move is one piece; with factor .5 the adjustment is halfway to the fade target.
  auto pieces = split_all(s, {50., 0., 1., 0.}, {50., 0., 2., 0.}, .5);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_NEAR(pieces[0][2], 2. + .5 * (.5 - .1) + .1, 1e-12);
}

}  // namespace
}  // namespace kpp::bed_mesh
