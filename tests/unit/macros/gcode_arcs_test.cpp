// [gcode_arcs]: the arc segmentation (plan_arc) in the three planes, and the G2/G3 forms that
// are refused. (Whole G2/G3 moves against Klipper's steps: regression case gcode_arcs.test.)
#include "modules/gcode_arcs.h"

#include <cmath>
#include <numbers>

#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

TEST(PlanArc, QuarterCircleXYCounterClockwise) {
  // From (10,0) around the origin to (0,10): 15.7 mm at 1 mm resolution -> 15 segments.
  ArcPoints p = plan_arc({10., 0., 1.}, {0., 10., 1.}, -10., 0., false, 0, 1, 2, 1.);
  ASSERT_EQ(p.size(), 15u);
  for (size_t i = 0; i < p.size(); i++) {
    double angle = static_cast<double>(i + 1) * (std::numbers::pi / 2.) / 15.;
    EXPECT_NEAR(p[i][0], 10. * std::cos(angle), 1e-9) << i;
    EXPECT_NEAR(p[i][1], 10. * std::sin(angle), 1e-9) << i;
    EXPECT_EQ(p[i][2], 1.);
  }
  EXPECT_EQ(p.back(), (std::array<double, 3>{0., 10., 1.}));  // exactly the target
}

TEST(PlanArc, ClockwiseTakesTheLongWayAndResolutionCounts) {
  // Clockwise from (10,0) to (0,10): three quarters, 47.1 mm at 0.5 mm -> 94 segments.
  ArcPoints p = plan_arc({10., 0., 0.}, {0., 10., 0.}, -10., 0., true, 0, 1, 2, 0.5);
  ASSERT_EQ(p.size(), 94u);
  EXPECT_LT(p[0][1], 0.);  // heads to negative Y first
  for (auto& c : p) EXPECT_NEAR(std::hypot(c[0], c[1]), 10., 1e-9);
}

TEST(PlanArc, FullCircleHelixInXZ) {
  // Same X/Z start and end: a full circle in XZ, Y (helical) rising 6 mm: hypot(62.8, 6) -> 63.
  ArcPoints p = plan_arc({10., 5., 0.}, {10., 11., 0.}, -10., 0., true, 0, 2, 1, 1.);
  ASSERT_EQ(p.size(), 63u);
  for (size_t i = 0; i + 1 < p.size(); i++) {
    EXPECT_NEAR(std::hypot(p[i][0], p[i][2]), 10., 1e-9) << i;
    EXPECT_NEAR(p[i][1], 5. + 6. * static_cast<double>(i + 1) / 63., 1e-9) << i;
  }
}

TEST(PlanArc, YZPlaneLeavesXAndShortArcIsOneSegment) {
  ArcPoints p = plan_arc({7., 0., 0.}, {7., 0., 12.}, 0., 6., false, 1, 2, 0, 1.);
  ASSERT_GT(p.size(), 10u);
  for (auto& c : p) EXPECT_EQ(c[0], 7.);
  // Shorter than the resolution: a straight line to the target.
  ArcPoints one = plan_arc({0., 0., 0.}, {0.1, 0.1, 0.}, 0.1, 0., false, 0, 1, 2, 1.);
  ASSERT_EQ(one.size(), 1u);
}

class GCodeArcsTest : public MacroFixture {};

TEST_F(GCodeArcsTest, RefusedForms) {
  load("[gcode_arcs]\n");
  // No toolhead here: gcode_move's ready handler fails looking it up, after the G-code
  // dispatcher's (registered first) has marked the printer ready. These errors come first.
  printer_.send_event("klippy:connect");
  EXPECT_ANY_THROW(printer_.send_event("klippy:ready"));
  EXPECT_EQ(run("G2 X10 Y10 R5"), (Lines{"!! G2/G3 does not support R moves"}));
  EXPECT_EQ(run("G2 X10 Y10"), (Lines{"!! G2/G3 requires IJ, IK or JK parameters"}));
  run("G18");
  // In the XZ plane J is not a centre offset.
  EXPECT_EQ(run("G3 X10 Y10 J5"), (Lines{"!! G2/G3 requires IJ, IK or JK parameters"}));
  run("G91");
  EXPECT_EQ(run("G2 X10 Y10 I5"), (Lines{"!! G2/G3 does not support relative move mode"}));
}

TEST_F(GCodeArcsTest, ResolutionMustBePositive) {
  EXPECT_NE(load_error("[gcode_arcs]\nresolution: 0\n").find("'resolution'"), std::string::npos);
}

}  // namespace
}  // namespace kpp::test
