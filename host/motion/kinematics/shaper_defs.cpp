// Input shaper definitions (see shaper_defs.h).
#include "motion/kinematics/shaper_defs.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <numbers>
#include <optional>

#include <fmt/format.h>

namespace kpp::motion {

namespace {

constexpr double kPi = std::numbers::pi;

// Evaluate per-pulse polynomials in the damping ratio: T_i = tau * sum_j t[i][j] * dr^j and
// A_i = sum_j a[i][j] * dr^j (Horner form, highest order first).
template <size_t N, size_t K>
ShaperDef from_expansion_coeffs(double freq, double damping_ratio, const double (&t)[N][K],
                                const double (&a)[N][K]) {
  double tau = 1. / freq;
  ShaperDef d;
  for (size_t i = 0; i < N; i++) {
    double u = t[i][K - 1], v = a[i][K - 1];
    for (size_t j = 0; j < K - 1; j++) {
      u = u * damping_ratio + t[i][K - j - 2];
      v = v * damping_ratio + a[i][K - j - 2];
    }
    d.t.push_back(u * tau);
    d.a.push_back(v);
  }
  return d;
}

// Least-squares solution of M x = f (M has full column rank) via Householder QR.
std::optional<std::vector<double>> least_squares(std::vector<std::vector<double>> m,
                                                 std::vector<double> f) {
  size_t rows = m.size(), cols = m.empty() ? 0 : m[0].size();
  for (size_t k = 0; k < cols; k++) {
    double norm = 0.;
    for (size_t i = k; i < rows; i++) norm += m[i][k] * m[i][k];
    norm = std::sqrt(norm);
    if (norm < 1e-12) return std::nullopt;
    double alpha = m[k][k] > 0 ? -norm : norm;
    std::vector<double> v(rows, 0.);
    for (size_t i = k; i < rows; i++) v[i] = m[i][k];
    v[k] -= alpha;
    double vnorm2 = 0.;
    for (size_t i = k; i < rows; i++) vnorm2 += v[i] * v[i];
    if (vnorm2 == 0.) continue;
    for (size_t j = k; j < cols; j++) {
      double s = 0.;
      for (size_t i = k; i < rows; i++) s += v[i] * m[i][j];
      s = 2. * s / vnorm2;
      for (size_t i = k; i < rows; i++) m[i][j] -= s * v[i];
    }
    double s = 0.;
    for (size_t i = k; i < rows; i++) s += v[i] * f[i];
    s = 2. * s / vnorm2;
    for (size_t i = k; i < rows; i++) f[i] -= s * v[i];
  }
  std::vector<double> x(cols, 0.);
  for (size_t k = cols; k-- > 0;) {
    double s = f[k];
    for (size_t j = k + 1; j < cols; j++) s -= m[k][j] * x[j];
    if (std::fabs(m[k][k]) < 1e-12) return std::nullopt;
    x[k] = s / m[k][k];
  }
  return x;
}

// Undamped generalised MZV: n equally spaced pulses over t periods with zeros of the frequency
// response placed at 1, 1 + 1/tau, 1 + 2/tau, ... (in units of the shaper frequency).
ShaperResult mzv_coeffs(int n, double t) {
  ShaperResult r;
  if (n < 3) {
    r.error = fmt::format("Too small n={}, must be at least 3", n);
    return r;
  }
  if (n <= 2 * t + 1 + 1e-7) {
    r.error =
        fmt::format("Too large t={:.6f} for n={}, must be less than {:.6f}", t, n, 0.5 * (n - 1));
    return r;
  }
  double tau = t * (n - 2.) / (n - 2. * t - 1.);
  std::vector<double> times;
  for (int i = 0; i < n; i++) times.push_back(i * t / (n - 1.));
  std::vector<std::vector<double>> m;
  std::vector<double> f;
  m.push_back(std::vector<double>(n, 1.));
  f.push_back(1.);
  for (int i = 0; i < n - 1; i++) {
    std::vector<double> c, s;
    for (double tj : times) {
      double w = 2. * kPi * (1. + i / tau) * tj;
      c.push_back(std::cos(w));
      s.push_back(std::sin(w));
    }
    m.push_back(c);
    m.push_back(s);
    f.push_back(0.);
    f.push_back(0.);
  }
  auto x = least_squares(m, f);
  if (!x) {
    r.error = fmt::format("Ill-formed shaper with n={}, t={:.6f}", n, t);
    return r;
  }
  for (double ai : *x)
    if (ai < -0.00001) {
      r.error = fmt::format("Negative-valued shaper with n={}, t={:.6f}", n, t);
      return r;
    }
  r.def.a = *x;
  r.def.t = times;
  return r;
}

// Parse "name(args)": positional or key=value numbers (an integer unless it has a '.').
struct ParsedName {
  std::string name;
  std::vector<double> positional;
  std::map<std::string, double> named;
  std::map<std::string, bool> named_is_int;
  std::vector<bool> positional_is_int;
  std::string error;
};

ParsedName parse_shaper_name(std::string_view s) {
  ParsedName p;
  size_t open = s.find('(');
  if (open == std::string_view::npos || s.empty() || s.back() != ')') {
    p.name = std::string(s);
    return p;
  }
  std::string_view head = s.substr(0, open);
  while (!head.empty() && std::isspace(static_cast<unsigned char>(head.back())))
    head.remove_suffix(1);
  p.name = std::string(head);
  std::string_view args = s.substr(open + 1, s.size() - open - 2);
  size_t i = 0;
  while (i < args.size()) {
    // Optional "key =" then a number made of digits and dots.
    size_t j = i;
    while (j < args.size() && (std::isalnum(static_cast<unsigned char>(args[j])) || args[j] == '_'))
      j++;
    size_t k = j;
    while (k < args.size() && std::isspace(static_cast<unsigned char>(args[k]))) k++;
    std::string key;
    size_t num_start = i;
    if (k < args.size() && args[k] == '=' && j > i) {
      key = std::string(args.substr(i, j - i));
      num_start = k + 1;
      while (num_start < args.size() && std::isspace(static_cast<unsigned char>(args[num_start])))
        num_start++;
    }
    size_t num_end = num_start;
    while (num_end < args.size() &&
           (std::isdigit(static_cast<unsigned char>(args[num_end])) || args[num_end] == '.'))
      num_end++;
    if (num_end == num_start) {
      i++;
      continue;
    }
    std::string num(args.substr(num_start, num_end - num_start));
    bool is_int = num.find('.') == std::string::npos;
    double v = std::strtod(num.c_str(), nullptr);
    if (key.empty()) {
      p.positional.push_back(v);
      p.positional_is_int.push_back(is_int);
    } else {
      p.named[key] = v;
      p.named_is_int[key] = is_int;
    }
    i = num_end;
  }
  if (!p.positional.empty() && !p.named.empty())
    p.error = "Mixing named and non-named shaper parameters is not supported";
  return p;
}

}  // namespace

ShaperDef zv_shaper(double freq, double damping_ratio) {
  double df = std::sqrt(1. - damping_ratio * damping_ratio);
  double k = std::exp(-damping_ratio * kPi / df);
  double t_d = 1. / (freq * df);
  return {{1., k}, {0., .5 * t_d}};
}

ShaperDef zvd_shaper(double freq, double damping_ratio) {
  double df = std::sqrt(1. - damping_ratio * damping_ratio);
  double k = std::exp(-damping_ratio * kPi / df);
  double t_d = 1. / (freq * df);
  return {{1., 2. * k, k * k}, {0., .5 * t_d, t_d}};
}

ShaperResult mzv_shaper(double freq, double damping_ratio, int n, double t, double tau) {
  if (tau == 0. && t == 0.)
    t = 0.75;
  else if (tau != 0.)
    // Total duration from the duration projected to n -> infinity.
    t = tau * (n - 1.) / (n + 2. * tau - 2.);
  ShaperResult r = mzv_coeffs(n, t);
  if (!r.error.empty()) return r;
  double df = std::sqrt(1. - damping_ratio * damping_ratio);
  double k = std::exp(-2. * t * damping_ratio * kPi / ((n - 1.) * df));
  double t_d = 1. / (freq * df);
  double kp = k;
  for (int i = 1; i < n; i++) {
    r.def.t[i] *= t_d;
    r.def.a[i] *= kp;
    kp *= k;
  }
  return r;
}

ShaperDef ei_shaper(double freq, double damping_ratio, double v_tol) {
  double df = std::sqrt(1. - damping_ratio * damping_ratio);
  double t_d = 1. / (freq * df);
  double dr = damping_ratio;
  double a1 = (0.24968 + 0.24961 * v_tol) +
              ((0.80008 + 1.23328 * v_tol) + (0.49599 + 3.17316 * v_tol) * dr) * dr;
  double a3 = (0.25149 + 0.21474 * v_tol) +
              ((-0.83249 + 1.41498 * v_tol) + (0.85181 - 4.90094 * v_tol) * dr) * dr;
  double a2 = 1. - a1 - a3;
  double t2 =
      0.4999 +
      (((0.46159 + 8.57843 * v_tol) * v_tol) +
       (((4.26169 - 108.644 * v_tol) * v_tol) + ((1.75601 + 336.989 * v_tol) * v_tol) * dr) * dr) *
          dr;
  return {{a1, a2, a3}, {0., t2 * t_d, t_d}};
}

ShaperDef two_hump_ei_shaper(double freq, double damping_ratio) {
  static const double t[4][4] = {{0., 0., 0., 0.},
                                 {0.49890, 0.16270, -0.54262, 6.16180},
                                 {0.99748, 0.18382, -1.58270, 8.17120},
                                 {1.49920, -0.09297, -0.28338, 1.85710}};
  static const double a[4][4] = {{0.16054, 0.76699, 2.26560, -1.22750},
                                 {0.33911, 0.45081, -2.58080, 1.73650},
                                 {0.34089, -0.61533, -0.68765, 0.42261},
                                 {0.15997, -0.60246, 1.00280, -0.93145}};
  return from_expansion_coeffs(freq, damping_ratio, t, a);
}

ShaperDef three_hump_ei_shaper(double freq, double damping_ratio) {
  static const double t[5][4] = {{0., 0., 0., 0.},
                                 {0.49974, 0.23834, 0.44559, 12.4720},
                                 {0.99849, 0.29808, -2.36460, 23.3990},
                                 {1.49870, 0.10306, -2.01390, 17.0320},
                                 {1.99960, -0.28231, 0.61536, 5.40450}};
  static const double a[5][4] = {{0.11275, 0.76632, 3.29160, -1.44380},
                                 {0.23698, 0.61164, -2.57850, 4.85220},
                                 {0.30008, -0.19062, -2.14560, 0.13744},
                                 {0.23775, -0.73297, 0.46885, -2.08650},
                                 {0.11244, -0.45439, 0.96382, -1.46000}};
  return from_expansion_coeffs(freq, damping_ratio, t, a);
}

const std::vector<ShaperInfo>& input_shapers() {
  // min_freq is where each shaper's projected max_accel is about 1500 mm/s^2.
  static const std::vector<ShaperInfo> kShapers = {{"zv", 21., 0.99},      {"mzv", 23., 0.99},
                                                   {"zvd", 29., 0.99},     {"ei", 29., 0.4},
                                                   {"2hump_ei", 39., 0.3}, {"3hump_ei", 48., 0.2}};
  return kShapers;
}

const ShaperInfo* find_shaper(std::string_view shaper_name) {
  ParsedName p = parse_shaper_name(shaper_name);
  for (const ShaperInfo& s : input_shapers())
    if (p.name == s.name) return &s;
  return nullptr;
}

ShaperResult init_shaper(std::string_view shaper_name, double freq, double damping_ratio) {
  ShaperResult r;
  ParsedName p = parse_shaper_name(shaper_name);
  if (!p.error.empty()) {
    r.error = p.error;
    return r;
  }
  // Bind parameters by position or by name, as Python keyword arguments would.
  auto bind = [&](const std::vector<std::string>& names, std::vector<double>& vals,
                  std::vector<bool>& is_int) -> bool {
    if (p.positional.size() > names.size()) {
      r.error = fmt::format("{}() takes at most {} parameters", p.name, names.size());
      return false;
    }
    for (size_t i = 0; i < p.positional.size(); i++) {
      vals[i] = p.positional[i];
      is_int[i] = p.positional_is_int[i];
    }
    for (auto& [k, v] : p.named) {
      size_t i = 0;
      while (i < names.size() && names[i] != k) i++;
      if (i == names.size()) {
        r.error = fmt::format("{}() got an unexpected parameter '{}'", p.name, k);
        return false;
      }
      vals[i] = v;
      is_int[i] = p.named_is_int[k];
    }
    return true;
  };
  if (p.name == "mzv") {
    std::vector<double> v = {3., 0., 0.};
    std::vector<bool> is_int = {true, false, false};
    if (!bind({"n", "t", "tau"}, v, is_int)) return r;
    if (!is_int[0] || v[0] != std::floor(v[0])) {
      r.error = "mzv parameter n must be an integer";
      return r;
    }
    return mzv_shaper(freq, damping_ratio, static_cast<int>(v[0]), v[1], v[2]);
  }
  if (p.name == "ei") {
    std::vector<double> v = {1. / kShaperVibrationReduction};
    std::vector<bool> is_int = {false};
    if (!bind({"v_tol"}, v, is_int)) return r;
    r.def = ei_shaper(freq, damping_ratio, v[0]);
    return r;
  }
  std::vector<double> none;
  std::vector<bool> none_int;
  if (p.name == "zv" || p.name == "zvd" || p.name == "2hump_ei" || p.name == "3hump_ei") {
    if (!bind({}, none, none_int)) return r;
    if (p.name == "zv") r.def = zv_shaper(freq, damping_ratio);
    if (p.name == "zvd") r.def = zvd_shaper(freq, damping_ratio);
    if (p.name == "2hump_ei") r.def = two_hump_ei_shaper(freq, damping_ratio);
    if (p.name == "3hump_ei") r.def = three_hump_ei_shaper(freq, damping_ratio);
    return r;
  }
  r.known = false;
  return r;
}

}  // namespace kpp::motion
