// The FFT against a direct DFT, Welch PSD properties, shaper smoothing / max_accel values, and
// the shaper fit on a synthetic 40 Hz resonance.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "modules/fft.h"
#include "modules/shaper_calibrate.h"

namespace kpp {
namespace {

namespace sc = shaper_calibrate;

std::vector<std::complex<double>> direct_dft(const std::vector<double>& x) {
  size_t n = x.size();
  std::vector<std::complex<double>> out(n / 2 + 1);
  for (size_t k = 0; k <= n / 2; k++)
    for (size_t i = 0; i < n; i++)
      out[k] += x[i] * std::polar(1., -2. * std::numbers::pi * double(k * i) / double(n));
  return out;
}

TEST(Fft, RealFftMatchesDirectDft) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1., 1.);
  for (size_t n : {2u, 4u, 8u, 64u, 256u, 1024u}) {
    std::vector<double> x(n);
    for (double& v : x) v = u(rng);
    auto got = rfft(x);
    auto want = direct_dft(x);
    ASSERT_EQ(got.size(), want.size());
    for (size_t k = 0; k < got.size(); k++) {
      EXPECT_NEAR(got[k].real(), want[k].real(), 1e-9 * double(n)) << "n=" << n << " k=" << k;
      EXPECT_NEAR(got[k].imag(), want[k].imag(), 1e-9 * double(n)) << "n=" << n << " k=" << k;
    }
  }
}

TEST(Fft, RejectsNonPowerOfTwo) {
  std::vector<double> x(6, 1.);
  EXPECT_THROW(rfft(x), std::invalid_argument);
}

// I0 by its power series, independent of std::cyl_bessel_i.
double bessel_i0(double x) {
  double sum = 1., term = 1.;
  for (int k = 1; k < 60; k++) {
    term *= (x / 2.) * (x / 2.) / (double(k) * double(k));
    sum += term;
  }
  return sum;
}

TEST(Fft, KaiserWindow) {
  // w[n] = I0(beta * sqrt(1 - (2n/(N-1) - 1)^2)) / I0(beta), as numpy.kaiser.
  auto w = kaiser_window(5, 6.);
  ASSERT_EQ(w.size(), 5u);
  EXPECT_NEAR(w[0], 1. / bessel_i0(6.), 1e-12);
  EXPECT_NEAR(w[1], bessel_i0(6. * std::sqrt(0.75)) / bessel_i0(6.), 1e-12);
  EXPECT_NEAR(w[2], 1., 1e-12);
  EXPECT_NEAR(w[3], w[1], 1e-15);
  EXPECT_NEAR(w[4], w[0], 1e-15);
}

TEST(WelchPsd, SinePeakAndPower) {
  // A 50 Hz sine of amplitude 100 at 3200 Hz: the PSD peaks at the 50 Hz bin, and the
  // integral of the PSD is the signal's variance (A^2 / 2) - Parseval.
  const double fs = 3200., f0 = 50., amp = 100.;
  std::vector<double> x(3200 * 10);
  for (size_t i = 0; i < x.size(); i++) x[i] = amp * std::sin(2. * std::numbers::pi * f0 * i / fs);
  auto [freqs, psd] = sc::welch_psd(x, fs, 2048);
  ASSERT_EQ(freqs.size(), 1025u);
  size_t peak = std::max_element(psd.begin(), psd.end()) - psd.begin();
  EXPECT_NEAR(freqs[peak], f0, fs / 2048);
  double total = 0.;
  for (double p : psd) total += p * (fs / 2048);
  EXPECT_NEAR(total, amp * amp / 2., amp * amp / 2. * 0.02);
}

TEST(ShaperProperties, SmoothingAndMaxAccel) {
  // ZV at 40 Hz: pulses 0.5/0.5 (undamped) half a period apart; at 5000 mm/s^2 and scv 5 the
  // 90 degree offset dominates.
  motion::ShaperDef zv{{1., 1.}, {0., 0.0125}};
  double ts = 0.00625, dt = 0.0125 - ts;
  double offset_90 = 0.5 * (5. + 2500. * dt) * dt * std::sqrt(2.);
  double offset_180 = 2500. * dt * dt;
  EXPECT_NEAR(sc::shaper_smoothing(zv, 5000., 5.), std::max(offset_90, offset_180), 1e-12);
  double max_accel = sc::find_shaper_max_accel(zv, 5.);
  EXPECT_NEAR(sc::shaper_smoothing(zv, max_accel, 5.), 0.12, 1e-6);
  // A lower-frequency shaper smooths more, so allows less acceleration.
  auto mzv30 = motion::init_shaper("mzv", 30., 0.1).def;
  auto mzv60 = motion::init_shaper("mzv", 60., 0.1).def;
  EXPECT_GT(sc::shaper_smoothing(mzv30), sc::shaper_smoothing(mzv60));
  EXPECT_LT(sc::find_shaper_max_accel(mzv30, 5.), sc::find_shaper_max_accel(mzv60, 5.));
}

TEST(ShaperProperties, EstimateCancelsAtDesignFrequency) {
  auto zv = motion::init_shaper("zv", 40., 0.1).def;
  auto vals = sc::estimate_shaper(zv, 0.1, {10., 40., 80.});
  EXPECT_NEAR(vals[1], 0., 1e-9);  // exact cancellation at its own frequency and damping
  EXPECT_GT(vals[0], 0.5);
  EXPECT_GT(vals[2], 0.5);
}

// Accelerations of a damped 40 Hz oscillator driven by white noise, sampled at 3200 Hz, along X.
std::vector<AccelSample> resonance_samples(double f0, double zeta, double seconds) {
  const double fs = 3200., dt = 1. / fs, w = 2. * std::numbers::pi * f0;
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0., 1.);
  std::vector<AccelSample> out;
  double x = 0., v = 0.;
  const int sub = 8;  // integrate finer than the sample rate for accuracy
  for (int i = 0; i < int(seconds * fs); i++) {
    double force = 2e5 * noise(rng);
    double a = 0.;
    for (int s = 0; s < sub; s++) {
      a = force - 2. * zeta * w * v - w * w * x;
      v += a * dt / sub;
      x += v * dt / sub;
    }
    out.push_back({i * dt, a, 0.01 * noise(rng), 0.01 * noise(rng)});
  }
  return out;
}

TEST(ShaperFit, FindsSyntheticResonance) {
  auto samples = resonance_samples(40., 0.1, 30.);
  auto psd = sc::calc_freq_response("test", samples);
  ASSERT_TRUE(psd.has_value());
  // The raw response peaks at the resonance.
  size_t peak = std::max_element(psd->psd_x.begin(), psd->psd_x.end()) - psd->psd_x.begin();
  EXPECT_NEAR(psd->freq_bins[peak], 40., 2.5);
  sc::CalibrationData data(*psd);
  data.normalize_to_frequencies();
  sc::FitOptions opt;
  opt.max_freq = 202.5;
  std::vector<std::string> log;
  auto [best, all] =
      sc::find_best_shaper(data, opt, [&](const std::string& m) { log.push_back(m); });
  ASSERT_EQ(all.size(), 5u);
  ASSERT_EQ(log.size(), 10u);
  EXPECT_TRUE(log[0].starts_with("Fitted shaper 'zv' frequency = ")) << log[0];
  EXPECT_TRUE(log[1].starts_with("To avoid too much smoothing with 'zv', suggested max_accel <= "))
      << log[1];
  // ZV and MZV, the narrow shapers, sit on the resonance.
  EXPECT_NEAR(all[0].freq, 40., 4.) << all[0].freq;
  EXPECT_NEAR(all[1].freq, 40., 6.) << all[1].freq;
  // Wider shapers sit above the resonance (their band reaches down to it).
  EXPECT_GT(all[2].freq, 42.);
  // The recommendation (MZV here: no vibrations left, less smoothing than the EI family)
  // suppresses the resonance and sits on it.
  EXPECT_EQ(best.name, "mzv");
  EXPECT_LT(best.vibrs, 0.01);
  EXPECT_NEAR(best.freq, 40., 3.);
  EXPECT_GT(best.max_accel, 1000.);
  // The fitted frequency's response is filled for the CSV: small at the resonance.
  ASSERT_FALSE(best.vals.empty());
  size_t i40 = size_t((40. - best.freq_bins[0]) / 0.2);
  EXPECT_LT(best.vals[i40], 0.2);
}

TEST(ShaperFit, MaxSmoothingLimitsTheChoice) {
  auto samples = resonance_samples(40., 0.1, 20.);
  sc::CalibrationData data(*sc::calc_freq_response("test", samples));
  data.normalize_to_frequencies();
  sc::FitOptions opt;
  opt.max_smoothing = 0.1;
  auto [best, all] = sc::find_best_shaper(data, opt);
  for (auto& s : all) EXPECT_LE(s.smoothing, 0.1 + 1e-9) << s.name;
  EXPECT_LE(best.smoothing, 0.1 + 1e-9);
}

TEST(ShaperFit, TooFewSamplesHaveNoResponse) {
  std::vector<AccelSample> s;
  for (int i = 0; i < 100; i++) s.push_back({i / 3200., 0., 0., 0.});
  EXPECT_FALSE(sc::calc_freq_response("x", s).has_value());
}

}  // namespace
}  // namespace kpp
