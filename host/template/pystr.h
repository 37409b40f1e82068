// Python's text conventions for the macro language: float repr, string repr, whitespace, case
// mapping and code-point indexing of UTF-8 strings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kpp::tmpl::py {

// repr(float): shortest round-trip digits, "1.0", "1e+20", "inf", "nan".
void append_float_repr(std::string& out, double v);
[[nodiscard]] std::string float_repr(double v);
// repr(str): quoted with ' (or " when the text holds ' but no "), escapes as Python prints them.
void append_str_repr(std::string& out, std::string_view s);

// Python's str.isspace() for one code point.
[[nodiscard]] bool is_space_cp(uint32_t cp);
// Decode the code point at `i` (advancing it); malformed bytes decode as themselves.
uint32_t decode_utf8(std::string_view s, size_t& i);
void append_utf8(std::string& out, uint32_t cp);
// Number of code points.
[[nodiscard]] size_t cp_length(std::string_view s);
[[nodiscard]] bool is_ascii(std::string_view s);
// Byte offset of code point `index` (clamped to the end).
[[nodiscard]] size_t cp_offset(std::string_view s, size_t index);
// Code-point index of byte offset `offset`.
[[nodiscard]] size_t cp_index(std::string_view s, size_t offset);

// Case mapping of ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic letters.
[[nodiscard]] uint32_t to_upper_cp(uint32_t cp);
[[nodiscard]] uint32_t to_lower_cp(uint32_t cp);
[[nodiscard]] bool is_alpha_cp(uint32_t cp);
[[nodiscard]] bool is_upper_cp(uint32_t cp);
[[nodiscard]] bool is_lower_cp(uint32_t cp);
[[nodiscard]] std::string upper(std::string_view s);
[[nodiscard]] std::string lower(std::string_view s);
[[nodiscard]] std::string capitalize(std::string_view s);
[[nodiscard]] std::string swapcase(std::string_view s);

// str.strip(chars) / lstrip / rstrip; `chars` null means whitespace.
[[nodiscard]] std::string_view strip(std::string_view s, const std::string_view* chars, bool left,
                                     bool right);

// Python's int(s, base) for base 0 or 2..36: false on ValueError (or beyond 64 bits, with
// `overflow` set).
[[nodiscard]] bool parse_int(std::string_view s, int base, int64_t& out, bool& overflow);
// Python's float(s): false on ValueError.
[[nodiscard]] bool parse_float(std::string_view s, double& out);

}  // namespace kpp::tmpl::py
