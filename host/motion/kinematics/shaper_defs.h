// Input shaper definitions (Klipper's shaper_defs.py): the impulse amplitudes A and times T of
// each shaper type for a frequency and damping ratio, including the parametrised forms
// "mzv(n=4,t=0.9)", "mzv(tau=...)" and "ei(v_tol=0.1)".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kpp::motion {

struct ShaperDef {
  std::vector<double> a, t;
};

struct ShaperInfo {
  const char* name;
  double min_freq;           // lowest sensible frequency (Hz)
  double max_damping_ratio;  // largest damping ratio the definition supports
};

inline constexpr double kShaperVibrationReduction = 20.;
inline constexpr double kDefaultDampingRatio = 0.1;

// The supported shapers in Klipper's order: zv, mzv, zvd, ei, 2hump_ei, 3hump_ei.
const std::vector<ShaperInfo>& input_shapers();
// The entry for a shaper name, with or without parameters ("mzv(n=4)"); null if unknown.
const ShaperInfo* find_shaper(std::string_view shaper_name);

// Result of init_shaper: the pulses, or an error text (as Klipper's ShaperError).
struct ShaperResult {
  ShaperDef def;
  std::string error;  // empty on success
  bool known = true;  // false: unknown shaper name
};

// Pulses of `shaper_name` (with optional parameters) at `freq` Hz and `damping_ratio`.
ShaperResult init_shaper(std::string_view shaper_name, double freq, double damping_ratio);

// The individual definitions.
ShaperDef zv_shaper(double freq, double damping_ratio);
ShaperDef zvd_shaper(double freq, double damping_ratio);
// Generalised MZV with n pulses spread over t periods (n=3, t=0.75 is the classic MZV); `tau`
// gives the duration projected to n -> infinity instead. Errors as Klipper's ShaperError.
ShaperResult mzv_shaper(double freq, double damping_ratio, int n = 3, double t = 0.,
                        double tau = 0.);
ShaperDef ei_shaper(double freq, double damping_ratio,
                    double v_tol = 1. / kShaperVibrationReduction);
ShaperDef two_hump_ei_shaper(double freq, double damping_ratio);
ShaperDef three_hump_ei_shaper(double freq, double damping_ratio);

}  // namespace kpp::motion
