// Extruder kinematics with pressure advance: the smoothed position against an independent
// numeric integral of the definition, and pressure-advance changes over time.
#include "motion/kinematics/extruder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "motion/trapq.h"

namespace kpp::motion {
namespace {

struct ExtruderQueue {
  TrapQ tq;
  // Extrude while accelerating, cruising and braking; a retract (no pressure advance); then
  // more extrusion after a pause.
  ExtruderQueue() {
    tq.append(1.0, 0.05, 0.1, 0.05, {0., 0., 0.}, {1., 1., 0.}, 0., 4., 80.);
    tq.append(1.2, 0.02, 0., 0.02, {0.6, 0., 0.}, {1., 0., 0.}, 0., -20., -1000.);
    tq.append(1.3, 0.1, 0.05, 0.15, {0.2, 0., 0.}, {1., 1., 0.}, 1., 3., 20.);
    tq.check_sentinels();
  }
  const Move* move_at(double t) const {
    // Past the last move the tail sentinel (stationary at the end position) is current.
    const Move* m = tq.head()->next;
    while (t >= m->print_time + m->move_t) m = m->next;
    return m;
  }
  // Pressure-advanced position at absolute time t (pa applies where axes_r.y != 0).
  double pa_pos(double t, double pa) const {
    const Move* m = move_at(t);
    double mt = std::clamp(t - m->print_time, 0., m->move_t);
    double pos = m->start_pos.x + m->axes_r.x * m->distance(mt);
    if (m->axes_r.y != 0.) pos += pa * m->axes_r.x * m->velocity(mt);
    return pos;
  }
  // Triangular-weighted average by Simpson's rule on the smooth pieces (exact for these
  // piecewise polynomials up to rounding).
  double smoothed(double t, double pa, double hst) const {
    std::vector<double> cuts = {t - hst, t, t + hst};
    for (const Move* m = tq.head()->next; m != tq.tail(); m = m->next)
      for (double b : {m->print_time, m->print_time + m->move_t})
        if (b > t - hst && b < t + hst) cuts.push_back(b);
    std::sort(cuts.begin(), cuts.end());
    auto f = [&](double x) { return pa_pos(x, pa) * (hst - std::abs(t - x)); };
    double sum = 0.;
    for (size_t i = 0; i + 1 < cuts.size(); i++) {
      double a = cuts[i], b = cuts[i + 1];
      if (b - a < 1e-15) continue;
      // Evaluate just inside the piece so each end belongs to its own move.
      double e = (b - a) * 1e-12;
      sum += (b - a) / 6. * (f(a + e) + 4. * f(.5 * (a + b)) + f(b - e));
    }
    return sum / (hst * hst);
  }
};

TEST(ExtruderKinematics, WithoutPressureAdvanceFollowsTheFilament) {
  ExtruderQueue q;
  ExtruderKinematics sk;
  EXPECT_EQ(sk.active_flags(), kActiveX);
  for (double t : {1.01, 1.12, 1.21, 1.35}) {
    const Move* m = q.move_at(t);
    EXPECT_NEAR(sk.calc_position(*m, t - m->print_time), q.pa_pos(t, 0.), 1e-12);
  }
}

TEST(ExtruderKinematics, PressureAdvanceMatchesTheWeightedIntegral) {
  ExtruderQueue q;
  ExtruderKinematics sk;
  sk.set_pressure_advance(0., 0.05, 0.04);
  EXPECT_DOUBLE_EQ(sk.gen_steps_pre_active(), 0.02);
  EXPECT_DOUBLE_EQ(sk.gen_steps_post_active(), 0.02);
  for (double t = 0.97; t < 1.7; t += 0.0071) {
    const Move* m = q.move_at(t);
    EXPECT_NEAR(sk.calc_position(*m, t - m->print_time), q.smoothed(t, 0.05, 0.02), 1e-9)
        << "t=" << t;
  }
}

TEST(ExtruderKinematics, PressureAdvanceChangesForLaterMoves) {
  ExtruderQueue q;
  ExtruderKinematics sk;
  sk.set_pressure_advance(0., 0.05, 0.04);
  sk.set_pressure_advance(1.25, 0.2, 0.04);  // applies from the third move on
  const Move* m1 = q.move_at(1.1);
  EXPECT_NEAR(sk.calc_position(*m1, 1.1 - m1->print_time), q.smoothed(1.1, 0.05, 0.02), 1e-9);
  const Move* m3 = q.move_at(1.36);
  EXPECT_NEAR(sk.calc_position(*m3, 1.36 - m3->print_time), q.smoothed(1.36, 0.2, 0.02), 1e-9);
  // Same value again: nothing new is recorded; 0 smooth time disables pressure advance.
  sk.set_pressure_advance(1.4, 0.2, 0.04);
  sk.set_pressure_advance(1.5, 0.2, 0.);
  EXPECT_EQ(sk.gen_steps_pre_active(), 0.);
  EXPECT_NEAR(sk.calc_position(*m3, 0.06), q.pa_pos(1.36, 0.), 1e-12);
}

}  // namespace
}  // namespace kpp::motion
