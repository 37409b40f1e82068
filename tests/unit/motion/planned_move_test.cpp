// Toolhead move math: limits, junction speeds and the trapezoid split, on hand-computed cases.
#include "motion/planned_move.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kpp::motion {
namespace {

// [printer] max_velocity 300, max_accel 3000, square_corner_velocity 5, minimum_cruise_ratio .5
MoveLimits limits() {
  return make_move_limits(300., 3000., 5., 0.5);
}

TEST(PlannedMove, LimitsFromPrinterOptions) {
  MoveLimits l = limits();
  EXPECT_NEAR(l.junction_deviation, 25. * (std::sqrt(2.) - 1.) / 3000., 1e-15);
  EXPECT_EQ(l.mcr_pseudo_accel, 1500.);
}

TEST(PlannedMove, GeometryAndSpeedLimits) {
  PlannedMove m(limits(), {0., 0., 0., 0.}, {30., 40., 0., 2.}, 500.);
  EXPECT_EQ(m.move_d, 50.);
  EXPECT_EQ(m.axes_r[0], 0.6);
  EXPECT_EQ(m.axes_r[3], 0.04);
  EXPECT_EQ(m.max_cruise_v2, 90000.);  // capped at max_velocity
  EXPECT_EQ(m.delta_v2, 2. * 50. * 3000.);
  EXPECT_EQ(m.mcr_delta_v2, 2. * 50. * 1500.);
  EXPECT_NEAR(m.min_move_t, 50. / 300., 1e-15);
  m.limit_speed(100., 1000.);
  EXPECT_EQ(m.max_cruise_v2, 10000.);
  EXPECT_EQ(m.accel, 1000.);
  EXPECT_EQ(m.delta_v2, 100000.);
  EXPECT_EQ(m.mcr_delta_v2, 100000.);
  m.limit_next_junction_speed(20.);
  EXPECT_EQ(m.next_junction_v2, 400.);
}

TEST(PlannedMove, ExtrudeOnlyMove) {
  PlannedMove m(limits(), {1., 2., 3., 0.}, {1., 2., 3., -5.}, 25.);
  EXPECT_FALSE(m.is_kinematic_move);
  EXPECT_EQ(m.move_d, 5.);
  EXPECT_EQ(m.axes_r[3], -1.);
  EXPECT_EQ(m.accel, 99999999.9);
  EXPECT_EQ(m.max_cruise_v2, 625.);
}

TEST(PlannedMove, SquareCornerJunctionIsTheSquareCornerVelocity) {
  MoveLimits l = limits();
  PlannedMove a(l, {0., 0., 0., 0.}, {100., 0., 0., 0.}, 200.);
  PlannedMove b(l, {100., 0., 0., 0.}, {100., 100., 0., 0.}, 200.);
  a.max_start_v2 = 0.;
  b.calc_junction(a);
  // For a 90 degree corner the deviation formula gives square_corner_velocity exactly.
  EXPECT_NEAR(std::sqrt(b.max_start_v2), 5., 1e-12);
  // Straight on: limited by what the previous move can reach and the cruise speeds.
  PlannedMove c(l, {100., 100., 0., 0.}, {100., 200., 0., 0.}, 200.);
  c.calc_junction(b);
  EXPECT_EQ(c.max_start_v2, std::min(40000., b.max_start_v2 + b.delta_v2));
  // A reversal allows no speed at all.
  PlannedMove d(l, {100., 200., 0., 0.}, {100., 150., 0., 0.}, 200.);
  d.calc_junction(c);
  EXPECT_NEAR(d.max_start_v2, 0., 1e-9);
  // Extra axes (the extruder) can limit further.
  const double ea[1] = {1.};
  PlannedMove e(l, {100., 150., 0., 0.}, {100., 100., 0., 0.}, 200.);
  e.calc_junction(d, ea);
  EXPECT_LE(e.max_start_v2, 1.);
}

TEST(PlannedMove, SetJunctionSplitsTheTrapezoid) {
  PlannedMove m(limits(), {0., 0., 0., 0.}, {100., 0., 0., 0.}, 100.);
  m.set_junction(0., 10000., 2500.);
  // accel_d = 10000/6000 = 5/3, decel_d = 7500/6000 = 1.25, cruise_d = 100 - 2.91666..
  EXPECT_NEAR(m.accel_t, (5. / 3.) / 50., 1e-15);
  EXPECT_NEAR(m.decel_t, 1.25 / 75., 1e-15);
  EXPECT_NEAR(m.cruise_t, (100. - 5. / 3. - 1.25) / 100., 1e-15);
  EXPECT_EQ(m.end_v, 50.);
  EXPECT_NEAR(m.total_time(), m.accel_t + m.cruise_t + m.decel_t, 0.);
}

}  // namespace
}  // namespace kpp::motion
