// Input shaper auto-calibration (see shaper_calibrate.h).
#include "modules/shaper_calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <stdexcept>

#include <fmt/format.h>

#include "modules/fft.h"

namespace kpp::shaper_calibrate {

namespace {

// numpy.arange(start, stop, step)
std::vector<double> arange(double start, double stop, double step) {
  std::vector<double> out;
  if (stop <= start) return out;
  auto n = static_cast<size_t>(std::ceil((stop - start) / step));
  out.reserve(n);
  for (size_t i = 0; i < n; i++) out.push_back(start + static_cast<double>(i) * step);
  return out;
}

// numpy.interp(x, xp, fp): linear, clamped to the end values outside xp.
double interp(double x, const std::vector<double>& xp, const std::vector<double>& fp) {
  if (xp.empty()) return 0.;
  if (x <= xp.front()) return fp.front();
  if (x >= xp.back()) return fp.back();
  size_t hi = static_cast<size_t>(std::upper_bound(xp.begin(), xp.end(), x) - xp.begin());
  size_t lo = hi - 1;
  double f = (x - xp[lo]) / (xp[hi] - xp[lo]);
  return fp[lo] + f * (fp[hi] - fp[lo]);
}

motion::ShaperDef make_shaper(const std::string& name, double freq, double damping_ratio) {
  motion::ShaperResult r = motion::init_shaper(name, freq, damping_ratio);
  if (!r.error.empty()) throw std::runtime_error(r.error);
  return r.def;
}

// Remaining vibrations of a shaper relative to the unshaped ones, counting only what is above
// the floor the shaper cannot reduce further (1/kShaperVibrationReduction of the peak).
double remaining_vibrations(const std::vector<double>& vals, const std::vector<double>& psd) {
  double peak = psd.empty() ? 0. : *std::max_element(psd.begin(), psd.end());
  double threshold = peak / motion::kShaperVibrationReduction;
  double remaining = 0., all = 0.;
  for (size_t i = 0; i < psd.size(); i++) {
    remaining += std::max(vals[i] * psd[i] - threshold, 0.);
    all += std::max(psd[i] - threshold, 0.);
  }
  return all > 0. ? remaining / all : 0.;
}

}  // namespace

// ---- frequency response ----------------------------------------------------------------------

void CalibrationData::add_data(const CalibrationData& other) {
  for (const PsdData& d : other.sets_) sets_.push_back(d);
  if (other.normalized_ != normalized_) normalized_ = false;
}

void CalibrationData::normalize_to_frequencies() {
  if (normalized_) return;
  for (PsdData& d : sets_) {
    for (std::vector<double>* psd : {&d.psd_sum, &d.psd_x, &d.psd_y, &d.psd_z}) {
      for (size_t i = 0; i < psd->size(); i++) {
        double f = d.freq_bins[i];
        (*psd)[i] /= f + .1;  // + .1 avoids dividing by zero at 0 Hz
        if (f < 2. * kMinFreq) {
          double r = 2. * kMinFreq / (f + .1);
          (*psd)[i] *= std::exp(-r * r + 1.);
        }
      }
    }
  }
  normalized_ = true;
}

std::pair<std::vector<double>, std::vector<double>> welch_psd(const std::vector<double>& x,
                                                              double fs, int nfft) {
  std::vector<double> window = kaiser_window(nfft, 6.);
  double wsum = 0.;
  for (double w : window) wsum += w * w;
  double scale = 1. / wsum;  // compensates the power the window takes away
  size_t n = static_cast<size_t>(nfft), overlap = n / 2, step = n - overlap;
  size_t n_windows = x.size() >= n ? (x.size() - overlap) / step : 0;
  std::vector<double> psd(n / 2 + 1, 0.), seg(n);
  for (size_t w = 0; w < n_windows; w++) {
    const double* p = x.data() + w * step;
    double mean = 0.;
    for (size_t i = 0; i < n; i++) mean += p[i];
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; i++) seg[i] = window[i] * (p[i] - mean);
    auto spec = rfft(seg);
    for (size_t k = 0; k < spec.size(); k++) {
      double v = std::norm(spec[k]) * scale / fs;
      // One-sided spectrum: every bin but 0 Hz and Nyquist holds the power of two.
      if (k != 0 && k != spec.size() - 1) v *= 2.;
      psd[k] += v;
    }
  }
  if (n_windows)
    for (double& v : psd) v /= static_cast<double>(n_windows);
  std::vector<double> freqs(n / 2 + 1);
  for (size_t k = 0; k < freqs.size(); k++) freqs[k] = static_cast<double>(k) * fs / nfft;
  return {freqs, psd};
}

std::optional<PsdData> calc_freq_response(const std::string& name,
                                          const std::vector<AccelSample>& samples) {
  size_t n = samples.size();
  if (n < 2) return std::nullopt;
  double t = samples.back().time - samples.front().time;
  if (t <= 0.) return std::nullopt;
  double fs = static_cast<double>(n) / t;
  // Windows of about kWindowTSec, rounded up to a power of two.
  auto target = static_cast<int64_t>(fs * kWindowTSec - 1.);
  int bits = 0;
  while (target > 0) {
    bits++;
    target >>= 1;
  }
  size_t m = size_t{1} << bits;
  if (n <= m || m < 2) return std::nullopt;
  std::vector<double> ax(n), ay(n), az(n);
  for (size_t i = 0; i < n; i++) {
    ax[i] = samples[i].x;
    ay[i] = samples[i].y;
    az[i] = samples[i].z;
  }
  PsdData d;
  d.name = name;
  std::tie(d.freq_bins, d.psd_x) = welch_psd(ax, fs, static_cast<int>(m));
  d.psd_y = welch_psd(ay, fs, static_cast<int>(m)).second;
  d.psd_z = welch_psd(az, fs, static_cast<int>(m)).second;
  d.psd_sum.resize(d.psd_x.size());
  for (size_t i = 0; i < d.psd_sum.size(); i++) d.psd_sum[i] = d.psd_x[i] + d.psd_y[i] + d.psd_z[i];
  return d;
}

// ---- shaper properties -----------------------------------------------------------------------

std::vector<double> estimate_shaper(const motion::ShaperDef& shaper, double damping_ratio,
                                    const std::vector<double>& freqs) {
  const auto& a = shaper.a;
  const auto& t = shaper.t;
  double inv_d = 0.;
  for (double v : a) inv_d += v;
  inv_d = 1. / inv_d;
  double t_last = t.back();
  double df = std::sqrt(1. - damping_ratio * damping_ratio);
  std::vector<double> out(freqs.size());
  for (size_t k = 0; k < freqs.size(); k++) {
    double omega = 2. * std::numbers::pi * freqs[k];
    double damping = damping_ratio * omega, omega_d = omega * df;
    double s = 0., c = 0.;
    for (size_t i = 0; i < a.size(); i++) {
      // Residual of a damped oscillator hit by each pulse, seen at the last pulse.
      double w = a[i] * std::exp(-damping * (t_last - t[i]));
      s += w * std::sin(omega_d * t[i]);
      c += w * std::cos(omega_d * t[i]);
    }
    out[k] = std::sqrt(s * s + c * c) * inv_d;
  }
  return out;
}

double shaper_smoothing(const motion::ShaperDef& shaper, double accel, double scv) {
  double half_accel = accel * .5;
  const auto& a = shaper.a;
  const auto& t = shaper.t;
  double sum_a = 0., ts = 0.;
  for (size_t i = 0; i < a.size(); i++) {
    sum_a += a[i];
    ts += a[i] * t[i];
  }
  double inv_d = 1. / sum_a;
  ts *= inv_d;  // the shaper's time shift
  // Path deviation at a 90 degree corner (one axis decelerating while the other accelerates)
  // and at a 180 degree reversal.
  double offset_90 = 0., offset_180 = 0.;
  for (size_t i = 0; i < a.size(); i++) {
    double dt = t[i] - ts;
    if (t[i] >= ts) offset_90 += a[i] * (scv + half_accel * dt) * dt;
    offset_180 += a[i] * half_accel * dt * dt;
  }
  offset_90 *= inv_d * std::sqrt(2.);
  offset_180 *= inv_d;
  return std::max(offset_90, offset_180);
}

double find_shaper_max_accel(const motion::ShaperDef& shaper, double scv) {
  // An empirical target that gives good max_accel projections without much smoothing.
  constexpr double kTargetSmoothing = 0.12;
  auto ok = [&](double accel) { return shaper_smoothing(shaper, accel, scv) <= kTargetSmoothing; };
  // Bisection on the largest acceleration that keeps the smoothing within the target.
  double left = 1., right = 1.;
  if (!ok(1e-9)) return 0.;
  while (!ok(left)) {
    right = left;
    left *= .5;
  }
  if (right == left)
    while (ok(right)) right *= 2.;
  while (right - left > 1e-8) {
    double middle = (left + right) * .5;
    if (ok(middle))
      left = middle;
    else
      right = middle;
  }
  return left;
}

// ---- fitting ---------------------------------------------------------------------------------

namespace {

// The bins of each dataset up to the highest frequency considered, and that frequency.
struct Bins {
  std::vector<double> freqs, psd;
};
struct DataBins {
  std::vector<Bins> sets;
  double min_freq, max_freq;
};

DataBins data_bins(const CalibrationData& data, double max_freq) {
  DataBins out{{}, max_freq, max_freq};
  for (const PsdData& d : data.datasets()) {
    Bins b;
    for (size_t i = 0; i < d.freq_bins.size(); i++) {
      out.min_freq = std::min(out.min_freq, d.freq_bins[i]);
      if (d.freq_bins[i] > max_freq) continue;
      b.freqs.push_back(d.freq_bins[i]);
      b.psd.push_back(d.psd_sum[i]);
    }
    out.sets.push_back(std::move(b));
  }
  return out;
}

// The worst-case (over kTestDampingRatios) remaining vibration ratio of `shaper` at each bin of
// `b`; `vibrs` gets the worst remaining vibrations.
std::vector<double> shaper_vals(const motion::ShaperDef& shaper, const Bins& b, double& vibrs) {
  std::vector<double> out(b.freqs.size(), 0.);
  // The printer's real damping ratio is unknown: take the worst case over typical ones.
  for (double dr : kTestDampingRatios) {
    std::vector<double> vals = estimate_shaper(shaper, dr, b.freqs);
    vibrs = std::max(vibrs, remaining_vibrations(vals, b.psd));
    for (size_t i = 0; i < vals.size(); i++) out[i] = std::max(out[i], vals[i]);
  }
  return out;
}

// Fill r.freq_bins / r.vals: the response on a 0.2 Hz grid, the worst over the datasets.
void fill_response(CalibrationResult& r, const DataBins& db, double damping_ratio) {
  motion::ShaperDef shaper = make_shaper(r.name, r.freq, damping_ratio);
  r.freq_bins = arange(db.min_freq, db.max_freq, .2);
  r.vals.assign(r.freq_bins.size(), 0.);
  double unused = 0.;
  for (const Bins& b : db.sets) {
    std::vector<double> vals = shaper_vals(shaper, b, unused);
    for (size_t i = 0; i < r.freq_bins.size(); i++)
      r.vals[i] = std::max(r.vals[i], interp(r.freq_bins[i], b.freqs, vals));
  }
}

double fit_max_freq(const FitOptions& opt) {
  // The highest test frequency (just below kMaxShaperFreq) is always inside.
  return std::max(opt.max_freq.value_or(kMaxFreq), kMaxShaperFreq - .2);
}

}  // namespace

std::vector<CalibrationResult> fit_shaper(const std::string& shaper_name,
                                          const CalibrationData& data, const FitOptions& opt) {
  const motion::ShaperInfo* info = motion::find_shaper(shaper_name);
  if (!info) throw std::runtime_error(fmt::format("Unsupported shaper type: {}", shaper_name));
  double freq_end = kMaxShaperFreq;
  double freq_start = std::min(info->min_freq, freq_end - 1e-7);
  std::vector<double> test_freqs = arange(freq_start, freq_end, .2);
  DataBins db = data_bins(data, std::max(fit_max_freq(opt), test_freqs.back()));

  std::vector<CalibrationResult> results;
  std::optional<size_t> best;
  for (auto it = test_freqs.rbegin(); it != test_freqs.rend(); ++it) {
    double test_freq = *it;
    motion::ShaperDef shaper = make_shaper(shaper_name, test_freq, opt.damping_ratio);
    double smoothing = shaper_smoothing(shaper, 5000., opt.scv);
    // Frequencies only go down from here, and the smoothing up: stop once it is too much.
    if (opt.max_smoothing && smoothing > *opt.max_smoothing && best) break;
    CalibrationResult r;
    r.name = shaper_name;
    r.freq = test_freq;
    r.smoothing = smoothing;
    r.max_accel = find_shaper_max_accel(shaper, opt.scv);
    for (const Bins& b : db.sets) shaper_vals(shaper, b, r.vibrs);
    // Klipper's empirical score: fewer vibrations, but mind the growth of smoothing.
    r.score = r.smoothing * (std::pow(r.vibrs, 1.5) + r.vibrs * .2 + .01);
    results.push_back(std::move(r));
    if (!best || results[*best].vibrs > results.back().vibrs) best = results.size() - 1;
  }
  if (!best) throw std::runtime_error(fmt::format("No frequencies to test for {}", shaper_name));
  // Prefer a result not much worse than the best one but with less smoothing.
  size_t selected = *best;
  const CalibrationResult& b = results[*best];
  for (size_t k = results.size(); k-- > 0;) {
    const CalibrationResult& r = results[k];
    if (r.vibrs < b.vibrs * 1.1 + .0005 &&
        (r.score < results[selected].score ||
         (opt.max_vibrations && b.vibrs > *opt.max_vibrations)))
      selected = k;
  }
  std::vector<CalibrationResult> out;
  out.push_back(results[selected]);
  fill_response(out.front(), db, opt.damping_ratio);
  out.insert(out.end(), std::make_move_iterator(results.begin()),
             std::make_move_iterator(results.end()));
  return out;
}

std::pair<CalibrationResult, std::vector<CalibrationResult>> find_best_shaper(
    const CalibrationData& data, const FitOptions& opt,
    const std::function<void(const std::string&)>& logger) {
  std::optional<CalibrationResult> best;
  std::vector<CalibrationResult> all;
  for (const std::string& name : kAutotuneShapers) {
    std::vector<CalibrationResult> fit = fit_shaper(name, data, opt);
    CalibrationResult shaper = fit.front();
    if (!best || shaper.score * 1.2 < best->score ||
        (shaper.score * 1.05 < best->score && shaper.smoothing * 1.1 < best->smoothing) ||
        (opt.max_vibrations && best->vibrs > *opt.max_vibrations &&
         shaper.vibrs < best->vibrs)) {
      // A clearly better score (20%), or a better score and less smoothing (5% and 10%), or
      // fewer remaining vibrations when the previous best left too many.
      best = shaper;
    }
    // A frequency of this type that beats the best on both vibrations and smoothing wins.
    for (size_t k = fit.size(); k-- > 1;) {
      const CalibrationResult& s = fit[k];
      if (s.vibrs < best->vibrs && s.smoothing < best->smoothing) {
        best = shaper = s;
        fill_response(shaper, data_bins(data, fit_max_freq(opt)), opt.damping_ratio);
        best = shaper;
      }
    }
    if (logger) {
      logger(fmt::format(
          "Fitted shaper '{}' frequency = {:.1f} Hz (vibrations = {:.1f}%, smoothing ~= {:.3f})",
          shaper.name, shaper.freq, shaper.vibrs * 100., shaper.smoothing));
      logger(fmt::format("To avoid too much smoothing with '{}', suggested max_accel <= {:.0f} "
                         "mm/sec^2",
                         shaper.name, std::round(shaper.max_accel / 100.) * 100.));
    }
    all.push_back(shaper);
  }
  // ZV is the least robust: take another shaper that leaves clearly fewer vibrations.
  if (best->name == "zv") {
    for (const CalibrationResult& s : all)
      if (s.name != "zv" && s.vibrs * 1.1 < best->vibrs) {
        best = s;
        break;
      }
  }
  return {*best, all};
}

// ---- CSV output ------------------------------------------------------------------------------

namespace {
std::string escape_for_csv(const std::string& name) {
  std::string out;
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  if (out.find(',') != std::string::npos) return '"' + out + '"';
  return out;
}
}  // namespace

void save_calibration_data(const std::string& output, const CalibrationData& data,
                           const std::vector<CalibrationResult>& shapers, double max_freq) {
  const auto& sets = data.datasets();
  std::vector<double> freq_bins;
  std::vector<std::vector<double>> columns;
  if (sets.size() > 1) {
    if (!shapers.empty()) {
      freq_bins = shapers.front().freq_bins;
    } else {
      double min_freq = max_freq;
      for (const PsdData& d : sets)
        for (double f : d.freq_bins) min_freq = std::min(min_freq, f);
      freq_bins = arange(min_freq, max_freq, .2);
    }
    for (const PsdData& d : sets) {
      std::vector<double> col;
      for (double f : freq_bins) col.push_back(interp(f, d.freq_bins, d.psd_sum));
      columns.push_back(std::move(col));
    }
  } else {
    const PsdData& d = sets.front();
    freq_bins = d.freq_bins;
    columns = {d.psd_x, d.psd_y, d.psd_z, d.psd_sum};
  }
  std::FILE* f = std::fopen(output.c_str(), "w");
  if (!f) throw std::runtime_error(fmt::format("Error writing to file '{}'", output));
  std::string header = "freq,";
  if (sets.size() > 1) {
    for (size_t i = 0; i < sets.size(); i++)
      header += (i ? "," : "") + escape_for_csv(sets[i].name);
  } else {
    header += "psd_x,psd_y,psd_z,psd_xyz";
  }
  if (!shapers.empty()) {
    header += ",shapers:";
    for (const CalibrationResult& s : shapers) header += fmt::format(",{}({:.1f})", s.name, s.freq);
  }
  std::fputs((header + "\n").c_str(), f);
  for (size_t i = 0; i < freq_bins.size(); i++) {
    if (freq_bins[i] >= max_freq) break;
    std::string line = fmt::format("{:.1f}", freq_bins[i]);
    for (const auto& col : columns) line += fmt::format(",{:.3e}", col[i]);
    if (!shapers.empty()) {
      line += ',';
      // Each shaper's response sampled at this row's frequency.
      for (const CalibrationResult& s : shapers)
        line += fmt::format(",{:.3f}", interp(freq_bins[i], s.freq_bins, s.vals));
    }
    std::fputs((line + "\n").c_str(), f);
  }
  std::fclose(f);
}

}  // namespace kpp::shaper_calibrate
