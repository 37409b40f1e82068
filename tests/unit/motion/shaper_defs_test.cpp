// Input shaper definitions against values computed from Klipper's shaper_defs formulas, and
// the residual vibration they leave at their design frequency.
#include "motion/kinematics/shaper_defs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>

namespace kpp::motion {
namespace {

void expect_def(const ShaperDef& d, std::vector<double> a, std::vector<double> t,
                double tol = 1e-12) {
  ASSERT_EQ(d.a.size(), a.size());
  ASSERT_EQ(d.t.size(), t.size());
  for (size_t i = 0; i < a.size(); i++) {
    EXPECT_NEAR(d.a[i], a[i], tol) << "A[" << i << "]";
    EXPECT_NEAR(d.t[i], t[i], tol) << "T[" << i << "]";
  }
}

// Residual vibration of a damped oscillator at `freq` after the shaped impulse sequence,
// relative to an unshaped impulse.
double residual(const ShaperDef& d, double freq, double damping_ratio) {
  double omega = 2. * std::numbers::pi * freq;
  double wd = omega * std::sqrt(1. - damping_ratio * damping_ratio);
  double tn = d.t.back(), sum_a = 0.;
  std::complex<double> s = 0.;
  for (size_t i = 0; i < d.a.size(); i++) {
    sum_a += d.a[i];
    s += d.a[i] * std::exp(-damping_ratio * omega * (tn - d.t[i])) * std::polar(1., wd * d.t[i]);
  }
  return std::abs(s) / sum_a;
}

TEST(ShaperDefs, ZvAndZvd) {
  double df = std::sqrt(1. - 0.01), k = std::exp(-0.1 * std::numbers::pi / df);
  expect_def(zv_shaper(50., 0.1), {1., k}, {0., 0.5 / (50. * df)});
  expect_def(zvd_shaper(50., 0.1), {1., 2. * k, k * k}, {0., 0.5 / (50. * df), 1. / (50. * df)});
}

TEST(ShaperDefs, DefaultMzvEqualsTheClosedForm) {
  auto r = init_shaper("mzv", 40., 0.1);
  ASSERT_TRUE(r.error.empty()) << r.error;
  double df = std::sqrt(1. - 0.01), k = std::exp(-.75 * 0.1 * std::numbers::pi / df);
  double a1 = 1. - 1. / std::sqrt(2.);
  expect_def(r.def, {a1, (std::sqrt(2.) - 1.) * k, a1 * k * k},
             {0., 0.009422229518055113, 0.018844459036110227}, 1e-12);
}

TEST(ShaperDefs, ParametrisedMzv) {
  auto r = init_shaper("mzv(n=4,t=0.9)", 50., 0.1);
  ASSERT_TRUE(r.error.empty()) << r.error;
  expect_def(r.def,
             {0.19098300562505266, 0.25568625036953674, 0.2115594281805411, 0.10818567384361168},
             {0., 0.006030226891555272, 0.012060453783110544, 0.018090680674665818}, 1e-12);
  r = init_shaper("mzv( n = 5 , tau = 1.2 )", 35., 0.05);
  ASSERT_TRUE(r.error.empty()) << r.error;
  expect_def(
      r.def,
      {0.16482516326260066, 0.20344585040195623, 0.20346885604648182, 0.17690249004426864,
       0.1246217180691685},
      {0., 0.006357157769165192, 0.012714315538330384, 0.019071473307495576, 0.025428631076660768},
      1e-12);
  EXPECT_EQ(init_shaper("mzv(2)", 50., 0.1).error, "Too small n=2, must be at least 3");
  EXPECT_EQ(init_shaper("mzv(n=3,t=1.0)", 50., 0.1).error,
            "Too large t=1.000000 for n=3, must be less than 1.000000");
  EXPECT_EQ(init_shaper("mzv(4, t=0.9)", 50., 0.1).error,
            "Mixing named and non-named shaper parameters is not supported");
}

TEST(ShaperDefs, EiFamily) {
  expect_def(init_shaper("ei", 60., 0.1).def, {0.35488138, 0.45299809, 0.19212052999999998},
             {0., 0.008454002477452354, 0.0167506302543202});
  expect_def(init_shaper("ei(v_tol=0.1)", 45., 0.2).def,
             {0.49185484, 0.35891092, 0.14923423999999996},
             {0., 0.011980766142924596, 0.022680460581325723});
  // Without damping the expansion gives its constant terms.
  expect_def(two_hump_ei_shaper(50., 0.), {0.16054, 0.33911, 0.34089, 0.15997},
             {0., 0.49890 / 50., 0.99748 / 50., 1.49920 / 50.});
  expect_def(init_shaper("3hump_ei", 60., 0.15).def,
             {0.296886175, 0.28708592499999996, 0.22367486000000003, 0.1313116875, 0.06103995},
             {0., 0.00979349625, 0.017816168749999996, 0.02543882083333333, 0.03315565479166667});
}

TEST(ShaperDefs, ZeroVibrationShapersCancelTheirFrequency) {
  for (const char* name : {"zv", "mzv", "zvd", "mzv(n=4,t=0.9)"}) {
    for (double dr : {0., 0.1, 0.3}) {
      auto r = init_shaper(name, 45., dr);
      ASSERT_TRUE(r.error.empty());
      EXPECT_LT(residual(r.def, 45., dr), 1e-9) << name << " damping " << dr;
    }
  }
  // EI shapers leave about v_tol (5%) at their design frequency.
  for (const char* name : {"ei", "2hump_ei", "3hump_ei"}) {
    auto r = init_shaper(name, 60., 0.1);
    EXPECT_LT(residual(r.def, 60., 0.1), 0.06) << name;
  }
}

TEST(ShaperDefs, Table) {
  ASSERT_EQ(input_shapers().size(), 6u);
  const ShaperInfo* s = find_shaper("3hump_ei");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->min_freq, 48.);
  EXPECT_EQ(s->max_damping_ratio, 0.2);
  EXPECT_EQ(find_shaper("mzv(n=4)")->min_freq, 23.);
  EXPECT_EQ(find_shaper("smooth_zv"), nullptr);
  EXPECT_FALSE(init_shaper("foo", 50., 0.1).known);
}

}  // namespace
}  // namespace kpp::motion
