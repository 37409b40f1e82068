// Input shaping wrapper: pulse normalisation, convolution across moves, identity for constant
// velocity, generation windows and step generation around shaped moves.
#include "motion/kinematics/input_shaper.h"

#include <gtest/gtest.h>

#include <cmath>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/corexy.h"
#include "motion/kinematics/dual_carriage.h"
#include "motion/kinematics/shaper_defs.h"
#include "motion/stepcompress.h"
#include "motion/trapq.h"
#include "motion_test_util.h"

namespace kpp::motion {
namespace {

// Position of `axis` at absolute print time `t`, walking the trapq.
double axis_at(const TrapQ& tq, int axis, double t) {
  const Move* m = tq.head()->next;
  while (m->next != tq.tail() && t > m->print_time + m->move_t) m = m->next;
  double mt = t - m->print_time;
  if (mt < 0.) mt = 0.;
  if (mt > m->move_t) mt = m->move_t;
  return m->start_pos[axis] + m->axes_r[axis] * m->distance(mt);
}

const Move* move_at(const TrapQ& tq, double t) {
  const Move* m = tq.head()->next;
  while (m->next != tq.tail() && t > m->print_time + m->move_t) m = m->next;
  return m;
}

TEST(ShaperPulses, NormalisedReversedAndCentred) {
  ShaperDef d = zv_shaper(40., 0.1);
  ShaperPulses sp;
  ASSERT_TRUE(sp.init(d.a, d.t));
  ASSERT_EQ(sp.num_pulses, 2);
  double k = d.a[1], td2 = d.t[1];
  EXPECT_NEAR(sp.pulses[0].a, k / (1. + k), 1e-15);
  EXPECT_NEAR(sp.pulses[1].a, 1. / (1. + k), 1e-15);
  EXPECT_NEAR(sp.pulses[0].t, -td2 / (1. + k), 1e-15);
  EXPECT_NEAR(sp.pulses[1].t, td2 * k / (1. + k), 1e-15);
  double mean = 0.;
  for (int i = 0; i < 2; i++) mean += sp.pulses[i].a * sp.pulses[i].t;
  EXPECT_NEAR(mean, 0., 1e-15);
  std::vector<double> many(ShaperPulses::kMaxPulses + 1, 1.);
  EXPECT_FALSE(sp.init(many, many));
  EXPECT_EQ(sp.num_pulses, 0);
}

struct ShapedX {
  TrapQ tq;
  CartesianKinematics x{'x'};
  InputShaperKinematics is;
  ShapedX(const char* shaper, double freq) {
    x.set_trapq(&tq, 0.0125);
    is.set_trapq(&tq, 0.0125);
    EXPECT_TRUE(is.set_inner(&x));
    ShaperDef d = init_shaper(shaper, freq, 0.1).def;
    EXPECT_TRUE(is.set_shaper_params('x', d.a, d.t));
  }
};

TEST(InputShaperKinematics, ConvolutionAcrossMovesAndIdentityAtConstantSpeed) {
  ShapedX s("ei", 35.);
  // Accelerate, cruise, brake; then a second trapezoid after a pause.
  s.tq.append(1., 0.1, 0.2, 0.1, {0., 0., 0.}, {1., 0., 0.}, 0., 100., 1000.);
  s.tq.append(1.5, 0.05, 0., 0.05, {30., 0., 0.}, {-1., 0., 0.}, 0., 50., 1000.);
  s.tq.check_sentinels();
  const ShaperPulses& sp = s.is.pulses('x');
  ASSERT_EQ(sp.num_pulses, 3);
  for (double t : {0.98, 1.01, 1.05, 1.1, 1.2, 1.31, 1.45, 1.49, 1.52, 1.56, 1.7}) {
    const Move* m = move_at(s.tq, t);
    double want = 0.;
    for (int i = 0; i < sp.num_pulses; i++)
      want += sp.pulses[i].a * axis_at(s.tq, 0, t + sp.pulses[i].t);
    EXPECT_NEAR(s.is.calc_position(*m, t - m->print_time), want, 1e-12) << "t=" << t;
  }
  // In the middle of the cruise the shaped position is the nominal one.
  const Move* cruise = move_at(s.tq, 1.2);
  EXPECT_NEAR(s.is.calc_position(*cruise, 1.2 - cruise->print_time), axis_at(s.tq, 0, 1.2), 1e-12);
}

TEST(InputShaperKinematics, GenerationWindowAndStepsAroundTheMove) {
  ShapedX s("mzv", 40.);
  const ShaperPulses& sp = s.is.pulses('x');
  EXPECT_DOUBLE_EQ(s.is.gen_steps_pre_active(), sp.pulses[sp.num_pulses - 1].t);
  EXPECT_DOUBLE_EQ(s.is.gen_steps_post_active(), -sp.pulses[0].t);
  EXPECT_GT(s.is.step_generation_window(), 0.005);
  // A y move first (inactive for x), then the x move: the x steps start before the x move.
  s.tq.append(1., 0., 0.5, 0., {0., 0., 0.}, {0., 1., 0.}, 10., 10., 0.);
  s.tq.append(1.5, 0.1, 0.1, 0.1, {0., 5., 0.}, {1., 0., 0.}, 0., 50., 500.);
  s.tq.check_sentinels();
  MessageQueue out;
  StepCompress sc(&out);
  sc.configure(1, 0, testing::kQueueStepTag, testing::kSetDirTag);
  sc.set_time(0., 1e7);
  for (double t = 1.05; t < 2.2; t += 0.05) {
    ASSERT_EQ(s.is.generate_steps(sc, t), 0);
    ASSERT_EQ(sc.flush(uint64_t(t * 1e7)), 0);
  }
  ASSERT_EQ(sc.flush(UINT64_MAX), 0);
  testing::StepDecoder d;
  d.feed_all(out);
  ASSERT_EQ(d.steps.size(), 800u);  // 10 mm
  double first = double(d.steps.front().clock) / 1e7, last = double(d.steps.back().clock) / 1e7;
  EXPECT_LT(first, 1.5 + 0.01);
  EXPECT_GT(first, 1.5 - s.is.gen_steps_pre_active());
  EXPECT_LT(last, 1.8 + s.is.gen_steps_post_active());
  EXPECT_NEAR(s.is.commanded_pos(), 10., 1e-9);
  // Each step lies where the shaped position crosses a half step.
  for (size_t i = 0; i < d.steps.size(); i += 37) {
    double t = double(d.steps[i].clock) / 1e7;
    const Move* m = move_at(s.tq, t);
    double pos = s.is.calc_position(*m, t - m->print_time);
    EXPECT_NEAR(pos, (i + 0.5) * 0.0125, 0.0125 * 0.01) << "step " << i;
  }
}

TEST(InputShaperKinematics, AxesTheStepperDoesNotFollowStayUnshaped) {
  TrapQ tq;
  CartesianKinematics y('y');
  InputShaperKinematics is;
  ASSERT_TRUE(is.set_inner(&y));
  ShaperDef d = zv_shaper(40., 0.1);
  EXPECT_TRUE(is.set_shaper_params('x', d.a, d.t));
  EXPECT_EQ(is.pulses('x').num_pulses, 0);
  EXPECT_EQ(is.gen_steps_pre_active(), 0.);
  EXPECT_FALSE(is.set_shaper_params('e', d.a, d.t));
  // A corexy stepper is shaped on both axes.
  CoreXYKinematics a('+');
  InputShaperKinematics is2;
  ASSERT_TRUE(is2.set_inner(&a));
  EXPECT_TRUE(is2.set_shaper_params('x', d.a, d.t));
  EXPECT_TRUE(is2.set_shaper_params('y', d.a, d.t));
  EXPECT_EQ(is2.pulses('y').num_pulses, 2);
}

TEST(InputShaperKinematics, FollowsAParkedDualCarriage) {
  CartesianKinematics x('x');
  DualCarriageKinematics dc;
  dc.set_inner(&x);
  InputShaperKinematics is;
  ASSERT_TRUE(is.set_inner(&dc));
  ShaperDef d = zv_shaper(40., 0.1);
  ASSERT_TRUE(is.set_shaper_params('x', d.a, d.t));
  EXPECT_GT(is.gen_steps_pre_active(), 0.);
  dc.set_transform('x', 0., 100.);
  is.update_from_inner();
  EXPECT_EQ(is.active_flags(), 0);
  EXPECT_EQ(is.gen_steps_pre_active(), 0.);
}


// A carriage parked when the shaper wraps it (generic_cartesian applies the dual carriage modes
// at start-up) is still wrapped; its shaping starts with the first SET_INPUT_SHAPER while it
// is active.
TEST(InputShaperKinematics, WrapsACarriageParkedAtStartUp) {
  CartesianKinematics x('x');
  DualCarriageKinematics dc;
  dc.set_inner(&x);
  dc.set_transform('x', 0., 100.);
  InputShaperKinematics is;
  ASSERT_TRUE(is.set_inner(&dc));
  EXPECT_EQ(is.active_flags(), 0);
  ShaperDef d = zv_shaper(40., 0.1);
  ASSERT_TRUE(is.set_shaper_params('x', d.a, d.t));
  EXPECT_EQ(is.pulses('x').num_pulses, 0);  // not following x: left unshaped
  dc.set_transform('x', 1., 0.);
  is.update_from_inner();
  EXPECT_EQ(is.active_flags(), kActiveX);
  EXPECT_EQ(is.pulses('x').num_pulses, 0);
  ASSERT_TRUE(is.set_shaper_params('x', d.a, d.t));
  EXPECT_EQ(is.pulses('x').num_pulses, 2);
  EXPECT_GT(is.gen_steps_pre_active(), 0.);
}

}  // namespace
}  // namespace kpp::motion
