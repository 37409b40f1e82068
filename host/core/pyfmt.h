// Python-compatible number parsing and printing: Klipper's texts and values are produced by
// Python's float()/int()/str(), and users and tools see them, so we reproduce those rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kpp::py {

// Python float(s): surrounding whitespace allowed, decimal or exponent form, inf/nan words,
// underscores between digits; no hex. nullopt when Python would raise ValueError.
std::optional<double> parse_float(std::string_view s);
// Python int(s) in base 10: whitespace, sign, digits and underscores between digits.
std::optional<int64_t> parse_int(std::string_view s);
// Python str(float): shortest repr that round-trips, "1.0", "1e+20", "inf", "nan".
std::string float_repr(double v);
// Python's "%.Nf" (same as printf).
std::string format_fixed(double v, int decimals);

}  // namespace kpp::py
