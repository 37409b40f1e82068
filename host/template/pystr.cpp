// Python's text conventions: float repr, string repr, UTF-8 code points and case mapping.
#include "template/pystr.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace kpp::tmpl::py {

void append_float_repr(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "nan";
    return;
  }
  if (std::isinf(v)) {
    out += v < 0 ? "-inf" : "inf";
    return;
  }
  // Shortest round-trip digits in scientific form, then laid out as Python's repr does.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string_view sci(buf, res.ptr - buf);
  size_t epos = sci.find('e');
  std::string_view mant = sci.substr(0, epos);
  int exp = 0;
  std::from_chars(sci.data() + epos + 1 + (sci[epos + 1] == '+'), sci.data() + sci.size(), exp);
  bool neg = false;
  if (!mant.empty() && mant[0] == '-') {
    neg = true;
    mant.remove_prefix(1);
  }
  char digits[32];
  int nd = 0;
  for (char c : mant) {
    if (c != '.') digits[nd++] = c;
  }
  // Drop trailing zeros (to_chars gives none, but "0e+00" has one digit anyway).
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  int decpt = exp + 1;
  if (neg) out += '-';
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (nd > 1) {
      out += '.';
      out.append(digits + 1, nd - 1);
    }
    int e = decpt - 1;
    out += 'e';
    out += e < 0 ? '-' : '+';
    int ae = e < 0 ? -e : e;
    if (ae < 10) out += '0';
    out += std::to_string(ae);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-decpt), '0');
    out.append(digits, nd);
  } else if (decpt >= nd) {
    out.append(digits, nd);
    out.append(static_cast<size_t>(decpt - nd), '0');
    out += ".0";
  } else {
    out.append(digits, decpt);
    out += '.';
    out.append(digits + decpt, nd - decpt);
  }
}

std::string float_repr(double v) {
  std::string s;
  append_float_repr(s, v);
  return s;
}

static bool printable_cp(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7f) return false;
  if (cp >= 0x80 && cp <= 0xa0) return false;
  if (cp == 0xad || cp == 0x2028 || cp == 0x2029) return false;
  if ((cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e)) return false;
  if (cp == 0x3000 || cp == 0x1680 || cp == 0x202f || cp == 0x205f || cp == 0xfeff) return false;
  return true;
}

void append_str_repr(std::string& out, std::string_view s) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  out += quote;
  static const char* kHex = "0123456789abcdef";
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    uint32_t cp = decode_utf8(s, i);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80 && !printable_cp(cp)) {
      out += "\\x";
      out += kHex[cp >> 4];
      out += kHex[cp & 15];
    } else if (cp >= 0x80 && !printable_cp(cp)) {
      if (cp <= 0xff) {
        out += "\\x";
        out += kHex[cp >> 4];
        out += kHex[cp & 15];
      } else {
        out += "\\u";
        for (int sh = 12; sh >= 0; sh -= 4) out += kHex[(cp >> sh) & 15];
      }
    } else {
      out.append(s.data() + start, i - start);
    }
  }
  out += quote;
}

bool is_space_cp(uint32_t cp) {
  if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f);
  return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

uint32_t decode_utf8(std::string_view s, size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t n = b0 >= 0xf8 ? 0 : b0 >= 0xf0 ? 3 : b0 >= 0xe0 ? 2 : b0 >= 0xc0 ? 1 : 0;
  if (n == 0 || i + n >= s.size()) {
    ++i;
    return b0;
  }
  uint32_t cp = b0 & (0x3f >> n);
  for (size_t k = 1; k <= n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) {
      ++i;
      return b0;
    }
    cp = (cp << 6) | (b & 0x3f);
  }
  i += n + 1;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

bool is_ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

size_t cp_length(std::string_view s) {
  if (is_ascii(s)) return s.size();
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) decode_utf8(s, i);
  return n;
}

size_t cp_offset(std::string_view s, size_t index) {
  size_t i = 0;
  for (size_t n = 0; n < index && i < s.size(); ++n) decode_utf8(s, i);
  return i;
}

size_t cp_index(std::string_view s, size_t offset) {
  size_t n = 0;
  for (size_t i = 0; i < offset && i < s.size(); ++n) decode_utf8(s, i);
  return n;
}

uint32_t to_upper_cp(uint32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
  if (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7) return cp - 32;
  if (cp == 0xff) return 0x178;
  if (cp == 0xb5) return 0x39c;
  if (cp >= 0x100 && cp <= 0x17f) {
    if (cp == 0x131) return 'I';
    if (cp == 0x17f) return 'S';
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) return (cp & 1) ? cp : cp - 1;
    if (cp == 0x130 || cp == 0x138 || cp == 0x149 || cp == 0x178) return cp;
    return (cp & 1) ? cp - 1 : cp;
  }
  if (cp >= 0x3b1 && cp <= 0x3c9) return cp == 0x3c2 ? 0x3a3 : cp - 32;
  if (cp == 0x3ac) return 0x386;
  if (cp >= 0x3ad && cp <= 0x3af) return cp - 37;
  if (cp == 0x3cc) return 0x38c;
  if (cp == 0x3cd || cp == 0x3ce) return cp - 63;
  if (cp >= 0x430 && cp <= 0x44f) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45f) return cp - 80;
  return cp;
}

uint32_t to_lower_cp(uint32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
  if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) return cp + 32;
  if (cp == 0x178) return 0xff;
  if (cp >= 0x100 && cp <= 0x17f) {
    if (cp == 0x130) return 'i';
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17e)) return (cp & 1) ? cp + 1 : cp;
    if (cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17f) return cp;
    return (cp & 1) ? cp : cp + 1;
  }
  if (cp >= 0x391 && cp <= 0x3a9 && cp != 0x3a2) return cp + 32;
  if (cp == 0x386) return 0x3ac;
  if (cp >= 0x388 && cp <= 0x38a) return cp + 37;
  if (cp == 0x38c) return 0x3cc;
  if (cp == 0x38e || cp == 0x38f) return cp + 63;
  if (cp >= 0x410 && cp <= 0x42f) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40f) return cp + 80;
  return cp;
}

bool is_alpha_cp(uint32_t cp) {
  if (cp < 0x80) return (cp | 32) >= 'a' && (cp | 32) <= 'z';
  if (cp == 0xaa || cp == 0xb5 || cp == 0xba) return true;
  if (cp >= 0xc0 && cp <= 0x24f) return cp != 0xd7 && cp != 0xf7;
  if (cp >= 0x370 && cp <= 0x3ff)
    return cp != 0x375 && cp != 0x37e && cp != 0x384 && cp != 0x385 && cp != 0x387;
  if (cp >= 0x400 && cp <= 0x481) return true;
  if (cp >= 0x48a && cp <= 0x52f) return true;
  if (cp >= 0x4e00 && cp <= 0x9fff) return true;
  return false;
}

bool is_upper_cp(uint32_t cp) {
  return to_lower_cp(cp) != cp;
}
bool is_lower_cp(uint32_t cp) {
  return to_upper_cp(cp) != cp || cp == 0xdf;
}

template <typename F>
static std::string map_cps(std::string_view s, F&& f) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) f(out, decode_utf8(s, i));
  return out;
}

std::string upper(std::string_view s) {
  return map_cps(s, [](std::string& o, uint32_t cp) {
    if (cp == 0xdf) {
      o += "SS";
    } else {
      append_utf8(o, to_upper_cp(cp));
    }
  });
}

std::string lower(std::string_view s) {
  return map_cps(s, [](std::string& o, uint32_t cp) { append_utf8(o, to_lower_cp(cp)); });
}

std::string capitalize(std::string_view s) {
  bool first = true;
  return map_cps(s, [&](std::string& o, uint32_t cp) {
    if (first) {
      if (cp == 0xdf) {
        o += "Ss";
      } else {
        append_utf8(o, to_upper_cp(cp));
      }
      first = false;
    } else {
      append_utf8(o, to_lower_cp(cp));
    }
  });
}

std::string swapcase(std::string_view s) {
  return map_cps(s, [](std::string& o, uint32_t cp) {
    uint32_t u = to_upper_cp(cp);
    append_utf8(o, u != cp ? u : to_lower_cp(cp));
  });
}

std::string_view strip(std::string_view s, const std::string_view* chars, bool left, bool right) {
  auto in_set = [&](uint32_t cp) {
    if (!chars) return is_space_cp(cp);
    for (size_t j = 0; j < chars->size();) {
      if (decode_utf8(*chars, j) == cp) return true;
    }
    return false;
  };
  size_t b = 0;
  size_t e = s.size();
  if (left) {
    while (b < e) {
      size_t j = b;
      uint32_t cp = decode_utf8(s, j);
      if (!in_set(cp)) break;
      b = j;
    }
  }
  if (right) {
    while (e > b) {
      // Step back to the start of the last code point.
      size_t k = e - 1;
      while (k > b && (static_cast<unsigned char>(s[k]) & 0xc0) == 0x80) --k;
      size_t j = k;
      uint32_t cp = decode_utf8(s, j);
      if (!in_set(cp)) break;
      e = k;
    }
  }
  return s.substr(b, e - b);
}

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool parse_int(std::string_view s, int base, int64_t& out, bool& overflow) {
  overflow = false;
  s = strip(s, nullptr, true, true);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  auto prefix_base = [&](char c) {
    c = static_cast<char>(c | 32);
    return c == 'x' ? 16 : c == 'o' ? 8 : c == 'b' ? 2 : 0;
  };
  bool had_prefix = false;
  if (s.size() >= 2 && s[0] == '0') {
    int pb = prefix_base(s[1]);
    if (pb && (base == 0 || base == pb)) {
      base = pb;
      s.remove_prefix(2);
      had_prefix = true;
      // An underscore may follow the prefix.
      if (!s.empty() && s[0] == '_') s.remove_prefix(1);
    }
  }
  if (base == 0) {
    // Decimal; a leading zero is only allowed for zero itself.
    base = 10;
    if (s.size() > 1 && s[0] == '0') {
      for (char c : s) {
        if (c != '0' && c != '_') return false;
      }
    }
  }
  if (s.empty() || s[0] == '_' || s.back() == '_') return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
  bool prev_underscore = false;
  for (char c : s) {
    if (c == '_') {
      if (prev_underscore) return false;
      prev_underscore = true;
      continue;
    }
    prev_underscore = false;
    int d = digit_value(c);
    if (d >= base) return false;
    if (v > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) overflow = true;
    if (!overflow) v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  (void)had_prefix;
  if (overflow) return false;
  out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool parse_float(std::string_view s, double& out) {
  s = strip(s, nullptr, true, true);
  std::string clean;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
  std::string rest(s.substr(i));
  std::string low = lower(rest);
  if (low == "inf" || low == "infinity" || low == "nan") {
    bool neg = !clean.empty() && clean[0] == '-';
    out = low == "nan" ? (neg ? -NAN : NAN) : (neg ? -HUGE_VAL : HUGE_VAL);
    return true;
  }
  // digits [. digits] [e [sign] digits], underscores only between digits
  auto digits = [&](bool required) {
    size_t start = i;
    while (i < s.size()) {
      if (s[i] >= '0' && s[i] <= '9') {
        clean += s[i++];
      } else if (s[i] == '_' && i > start && i + 1 < s.size() && s[i + 1] >= '0' &&
                 s[i + 1] <= '9' && s[i - 1] >= '0' && s[i - 1] <= '9') {
        ++i;
      } else {
        break;
      }
    }
    return !required || i > start;
  };
  size_t mant_start = i;
  digits(false);
  bool int_digits = i > mant_start;
  bool frac_digits = false;
  if (i < s.size() && s[i] == '.') {
    clean += s[i++];
    size_t f = i;
    digits(false);
    frac_digits = i > f;
  }
  if (!int_digits && !frac_digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    clean += s[i++];
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
    if (!digits(true)) return false;
  }
  if (i != s.size()) return false;
  out = std::strtod(clean.c_str(), nullptr);
  return true;
}

}  // namespace kpp::tmpl::py
