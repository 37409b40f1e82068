// Input shaper auto-calibration (Klipper's extras/shaper_calibrate.py): the power spectral
// density of measured accelerations (Welch's method), the vibrations each shaper leaves at each
// frequency, its smoothing and projected max_accel, and the choice of the best shaper. The
// shaper pulses come from motion/kinematics/shaper_defs, the ones [input_shaper] runs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "modules/accelerometer.h"
#include "motion/kinematics/shaper_defs.h"

namespace kpp::shaper_calibrate {

inline constexpr double kMinFreq = 5.;
inline constexpr double kMaxFreq = 200.;
inline constexpr double kWindowTSec = 0.5;
inline constexpr double kMaxShaperFreq = 200.;
inline const std::vector<double> kTestDampingRatios = {0.075, 0.1, 0.15};
inline const std::vector<std::string> kAutotuneShapers = {"zv", "mzv", "ei", "2hump_ei",
                                                          "3hump_ei"};

// The frequency response of one measurement (one chip at one point).
struct PsdData {
  std::string name;
  std::vector<double> freq_bins, psd_sum, psd_x, psd_y, psd_z;
};

// The responses of a test, possibly over several points and chips.
class CalibrationData {
 public:
  explicit CalibrationData(PsdData first) { sets_.push_back(std::move(first)); }
  void add_data(const CalibrationData& other);
  // Turn acceleration PSDs into displacement-like ones (divide by frequency) and damp the
  // low-frequency noise below 2 * kMinFreq. Idempotent.
  void normalize_to_frequencies();
  const std::vector<PsdData>& datasets() const { return sets_; }
  const PsdData& first() const { return sets_.front(); }

 private:
  std::vector<PsdData> sets_;
  bool normalized_ = false;
};

// Welch PSD of `x` sampled at `fs` with windows of `nfft` (a power of two) points, half
// overlapping, Kaiser(6) window, mean removed per window. Returns (freqs, psd).
std::pair<std::vector<double>, std::vector<double>> welch_psd(const std::vector<double>& x,
                                                              double fs, int nfft);

// PSDs of x, y, z and their sum; nullopt when there are too few samples for one window.
std::optional<PsdData> calc_freq_response(const std::string& name,
                                          const std::vector<AccelSample>& samples);

// Amplitude ratio left by shaper (A, T) for an oscillator at each of `freqs`.
std::vector<double> estimate_shaper(const motion::ShaperDef& shaper, double damping_ratio,
                                    const std::vector<double>& freqs);
// Smoothing of the toolhead path by a shaper (mm) at `accel` and square corner velocity `scv`.
double shaper_smoothing(const motion::ShaperDef& shaper, double accel = 5000., double scv = 5.);
// The acceleration at which the smoothing reaches the target 0.12 mm.
double find_shaper_max_accel(const motion::ShaperDef& shaper, double scv);

struct CalibrationResult {
  std::string name;
  double freq = 0.;
  std::vector<double> freq_bins, vals;  // remaining vibration ratio per frequency (for CSV)
  double vibrs = 0., smoothing = 0., score = 0., max_accel = 0.;
};

struct FitOptions {
  double scv = 5.;
  std::optional<double> max_smoothing;
  std::optional<double> max_vibrations;
  std::optional<double> max_freq;  // highest frequency of the data to consider
  double damping_ratio = motion::kDefaultDampingRatio;
};

// Best frequency of one shaper type: returns the selected result, then every tested frequency
// (highest first). Throws std::runtime_error on an invalid shaper.
std::vector<CalibrationResult> fit_shaper(const std::string& shaper_name,
                                          const CalibrationData& data, const FitOptions& opt);

// Fit every auto-tuned shaper type and pick one; `logger` receives Klipper's progress lines.
// Returns (best, the best of each type).
std::pair<CalibrationResult, std::vector<CalibrationResult>> find_best_shaper(
    const CalibrationData& data, const FitOptions& opt,
    const std::function<void(const std::string&)>& logger = {});

// The CSV Klipper writes: "freq,psd_x,psd_y,psd_z,psd_xyz[,shapers:,name(freq)...]" and one
// line per frequency bin below max_freq. Throws std::runtime_error when the file cannot be
// written.
void save_calibration_data(const std::string& output, const CalibrationData& data,
                           const std::vector<CalibrationResult>& shapers, double max_freq);

}  // namespace kpp::shaper_calibrate
