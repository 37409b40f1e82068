// Python-compatible number parsing and printing.
#include "core/pyfmt.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace kpp::py {
namespace {

std::string_view strip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

// Remove underscores that sit between two digits; false if any other underscore is present.
bool drop_underscores(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '_') {
      out.push_back(s[i]);
      continue;
    }
    if (i == 0 || i + 1 >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ||
        !std::isdigit(static_cast<unsigned char>(s[i + 1])))
      return false;
  }
  return true;
}

}  // namespace

std::optional<double> parse_float(std::string_view s) {
  s = strip(s);
  if (s.empty()) return std::nullopt;
  std::string_view body = s;
  double sign = 1.;
  if (body.front() == '+' || body.front() == '-') {
    if (body.front() == '-') sign = -1.;
    body.remove_prefix(1);
  }
  if (iequals(body, "inf") || iequals(body, "infinity")) return sign * INFINITY;
  if (iequals(body, "nan")) return NAN;
  // Only digits, one '.', and an exponent are allowed (strtod would also take hex and more).
  std::string clean;
  if (!drop_underscores(body, clean)) return std::nullopt;
  size_t i = 0, n = clean.size();
  size_t digits = 0;
  while (i < n && std::isdigit(static_cast<unsigned char>(clean[i]))) i++, digits++;
  if (i < n && clean[i] == '.') {
    i++;
    while (i < n && std::isdigit(static_cast<unsigned char>(clean[i]))) i++, digits++;
  }
  if (!digits) return std::nullopt;
  if (i < n && (clean[i] == 'e' || clean[i] == 'E')) {
    i++;
    if (i < n && (clean[i] == '+' || clean[i] == '-')) i++;
    size_t exp_digits = 0;
    while (i < n && std::isdigit(static_cast<unsigned char>(clean[i]))) i++, exp_digits++;
    if (!exp_digits) return std::nullopt;
  }
  if (i != n) return std::nullopt;
  return sign * std::strtod(clean.c_str(), nullptr);
}

std::optional<int64_t> parse_int(std::string_view s) {
  s = strip(s);
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s.front() == '+' || s.front() == '-') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  std::string clean;
  if (s.empty() || !drop_underscores(s, clean)) return std::nullopt;
  uint64_t v = 0;
  for (char c : clean) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    uint64_t next = v * 10 + static_cast<uint64_t>(c - '0');
    if (next / 10 != v || next > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0))
      return std::nullopt;  // beyond what we represent
    v = next;
  }
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0.) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest scientific form that round-trips: "d.ddde+XX".
  std::string sci;
  for (int prec = 0; prec <= 17; prec++) {
    sci = fmt::format("{:.{}e}", v, prec);
    if (std::strtod(sci.c_str(), nullptr) == v) break;
  }
  size_t epos = sci.find('e');
  int exp10 = std::atoi(sci.c_str() + epos + 1);
  std::string mant = sci.substr(0, epos);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant)
    if (c != '.') digits.push_back(c);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp10 < -4 || exp10 >= 16) {
    // Exponent form as Python prints it: "1e+20", "1.5e-05".
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp10 < 0 ? '-' : '+', std::abs(exp10));
    return out;
  }
  if (exp10 < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
  } else if (static_cast<size_t>(exp10) + 1 >= digits.size()) {
    out += digits + std::string(static_cast<size_t>(exp10) + 1 - digits.size(), '0') + ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(exp10) + 1) + "." +
           digits.substr(static_cast<size_t>(exp10) + 1);
  }
  return out;
}

std::string format_fixed(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

}  // namespace kpp::py
