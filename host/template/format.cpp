// Python's string formatting for templates: printf-style `"%.2f" % x`, str.format() and the
// format-spec mini-language behind it.
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/json.h"
#include "template/errors.h"
#include "template/interpreter.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

void pad_to(std::string& out, std::string_view body, size_t width, bool left, char fill = ' ') {
  size_t len = py::cp_length(body);
  if (len >= width) {
    out += body;
    return;
  }
  if (left) {
    out += body;
    out.append(width - len, fill);
  } else {
    out.append(width - len, fill);
    out += body;
  }
}

// The number behind %d/%x/%e-style conversions.
const Value& need_number(const Value& v, char type) {
  if (v.is_undefined()) raise_undefined(v);
  if (!v.is_number()) {
    if (type == 'd' || type == 'i' || type == 'u') {
      err::raise(err::kType, std::string("%") + type + " format: a real number is required, not " +
                                 v.type_name());
    }
    if (type == 'x' || type == 'X' || type == 'o' || type == 'c') {
      err::raise(err::kType,
                 std::string("%") + type + " format: an integer is required, not " + v.type_name());
    }
    err::raise(err::kType, "must be real number, not " + v.type_name());
  }
  return v;
}

// `type` is an int: va_start after a parameter that undergoes promotion (char) is undefined.
std::string c_format(const std::string& flags, int width, int precision, const char* length,
                     int type, ...) {
  std::string spec = "%" + flags;
  if (width >= 0) spec += std::to_string(width);
  if (precision >= 0) spec += "." + std::to_string(precision);
  spec += length;
  spec += static_cast<char>(type);
  char buf[512];
  va_list ap;
  va_start(ap, type);
  int n = vsnprintf(buf, sizeof buf, spec.c_str(), ap);
  va_end(ap);
  if (n < 0) return std::string();
  if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  va_start(ap, type);
  vsnprintf(big.data(), big.size(), spec.c_str(), ap);
  va_end(ap);
  big.resize(static_cast<size_t>(n));
  return big;
}

}  // namespace

Value percent_format(const std::string& fmt, const Value& args) {
  const List* tuple = args.is_tuple() ? &args.items() : nullptr;
  // Python treats anything with __getitem__ (but not a tuple or str) as a possible mapping.
  bool mapping_like = !args.is_tuple() && !args.is_str() &&
                      (args.is_mapping() || args.is_list() || args.is_json() || args.is_range());
  size_t next_arg = 0;
  bool used_single = false;
  auto next_value = [&]() -> const Value& {
    if (tuple) {
      if (next_arg >= tuple->size())
        err::raise(err::kType, "not enough arguments for format string");
      return (*tuple)[next_arg++];
    }
    if (used_single) err::raise(err::kType, "not enough arguments for format string");
    used_single = true;
    return args;
  };
  std::string out;
  out.reserve(fmt.size() + 16);
  bool used_mapping = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= fmt.size()) err::raise(err::kValue, "incomplete format");
    Value keyed;
    bool has_key = false;
    if (fmt[i] == '(') {
      if (!args.is_mapping()) err::raise(err::kType, "format requires a mapping");
      int level = 1;
      size_t start = ++i;
      while (i < fmt.size() && level > 0) {
        if (fmt[i] == '(') ++level;
        if (fmt[i] == ')') --level;
        if (level > 0) ++i;
      }
      if (i >= fmt.size()) err::raise(err::kValue, "incomplete format key");
      std::string key = fmt.substr(start, i - start);
      ++i;
      const Value* found = nullptr;
      Value tmp;
      if (args.is_dict()) {
        found = args.as_dict().find(std::string_view(key));
      } else if (args.is_json_object()) {
        auto it = args.as_json().find(key);
        if (it != args.as_json().end()) {
          tmp = Value::json_node(args.json_owner(), &*it);
          found = &tmp;
        }
      } else if (args.is_object() && args.as_object().get_item(Value(key), tmp)) {
        found = &tmp;
      }
      if (!found) {
        std::string r;
        py::append_str_repr(r, key);
        err::raise(err::kKey, r);
      }
      keyed = *found;
      has_key = true;
      used_mapping = true;
    }
    std::string flags;
    while (i < fmt.size() && std::strchr("-+ #0", fmt[i])) {
      if (flags.find(fmt[i]) == std::string::npos) flags += fmt[i];
      ++i;
    }
    int width = -1;
    if (i < fmt.size() && fmt[i] == '*') {
      const Value& w = next_value();
      if (!w.is_int() && !w.is_bool()) err::raise(err::kType, "* wants int");
      width = static_cast<int>(w.to_int());
      if (width < 0) {
        flags += '-';
        width = -width;
      }
      ++i;
    } else {
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        width = (width < 0 ? 0 : width) * 10 + (fmt[i] - '0');
        if (width > 100000) err::raise(err::kValue, "width too big");
        ++i;
      }
    }
    int precision = -1;
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      precision = 0;
      if (i < fmt.size() && fmt[i] == '*') {
        const Value& p = next_value();
        if (!p.is_int() && !p.is_bool()) err::raise(err::kType, "* wants int");
        precision = static_cast<int>(std::max<int64_t>(0, p.to_int()));
        ++i;
      } else {
        while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
          precision = precision * 10 + (fmt[i] - '0');
          if (precision > 100000) err::raise(err::kValue, "precision too big");
          ++i;
        }
      }
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) ++i;
    if (i >= fmt.size()) err::raise(err::kValue, "incomplete format");
    char type = fmt[i];
    if (type == '%') {
      out += '%';
      continue;
    }
    const Value& v = has_key ? keyed : next_value();
    bool left = flags.find('-') != std::string::npos;
    switch (type) {
      case 's':
      case 'r':
      case 'a': {
        std::string s = type == 's' ? v.str() : v.repr();
        if (precision >= 0 && py::cp_length(s) > static_cast<size_t>(precision)) {
          s.resize(py::cp_offset(s, static_cast<size_t>(precision)));
        }
        pad_to(out, s, width < 0 ? 0 : static_cast<size_t>(width), left);
        break;
      }
      case 'c': {
        std::string s;
        if (v.is_str()) {
          if (py::cp_length(v.as_str()) != 1) err::raise(err::kType, "%c requires int or char");
          s = v.as_str();
        } else {
          const Value& n = need_number(v, 'c');
          if (n.is_float()) err::raise(err::kType, "%c requires int or char");
          if (n.to_int() < 0 || n.to_int() > 0x10ffff) {
            err::raise(err::kOverflow, "%c arg not in range(0x110000)");
          }
          py::append_utf8(s, static_cast<uint32_t>(n.to_int()));
        }
        pad_to(out, s, width < 0 ? 0 : static_cast<size_t>(width), left);
        break;
      }
      case 'd':
      case 'i':
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        const Value& n = need_number(v, type);
        if (n.is_float() && (type == 'x' || type == 'X' || type == 'o')) {
          err::raise(err::kType,
                     std::string("%") + type + " format: an integer is required, not float");
        }
        int64_t iv;
        if (n.is_float()) {
          double d = n.as_float();
          if (std::isnan(d)) err::raise(err::kValue, "cannot convert float NaN to integer");
          if (std::isinf(d)) err::raise(err::kOverflow, "cannot convert float infinity to integer");
          if (std::fabs(d) >= 9.2233720368547758e18) {
            err::raise(err::kOverflow, "integer result does not fit in 64 bits");
          }
          iv = static_cast<int64_t>(d);
        } else {
          iv = n.to_int();
        }
        char ct = type == 'i' || type == 'u' ? 'd' : type;
        if (ct == 'o' || ct == 'x' || ct == 'X') {
          // Python prints the sign and an 0o/0x prefix itself.
          bool neg = iv < 0;
          uint64_t mag = neg ? 0 - static_cast<uint64_t>(iv) : static_cast<uint64_t>(iv);
          std::string f = flags;
          std::string prefix;
          bool alt = f.find('#') != std::string::npos;
          if (alt) prefix = ct == 'o' ? "0o" : ct == 'x' ? "0x" : "0X";
          std::string digits =
              c_format("", -1, precision, "ll", ct, static_cast<unsigned long long>(mag));
          std::string sign = neg                                ? "-"
                             : f.find('+') != std::string::npos ? "+"
                             : f.find(' ') != std::string::npos ? " "
                                                                : "";
          std::string body = sign + prefix + digits;
          size_t w = width < 0 ? 0 : static_cast<size_t>(width);
          if (!left && f.find('0') != std::string::npos && body.size() < w) {
            body = sign + prefix + std::string(w - body.size(), '0') + digits;
          }
          pad_to(out, body, w, left);
        } else {
          out += c_format(flags, width, precision, "ll", 'd', static_cast<long long>(iv));
        }
        break;
      }
      case 'e':
      case 'E':
      case 'f':
      case 'F':
      case 'g':
      case 'G': {
        double d = need_number(v, type).to_double();
        out += c_format(flags, width, precision < 0 ? 6 : precision, "", type, d);
        break;
      }
      default: {
        char buf[96];
        snprintf(buf, sizeof buf, "unsupported format character '%c' (0x%x) at index %zu", type,
                 static_cast<unsigned char>(type), i);
        err::raise(err::kValue, buf);
      }
    }
  }
  if (tuple && next_arg < tuple->size()) {
    err::raise(err::kType, "not all arguments converted during string formatting");
  }
  if (!tuple && !used_single && !used_mapping && !mapping_like) {
    err::raise(err::kType, "not all arguments converted during string formatting");
  }
  return Value(std::move(out));
}

// ---- format() --------------------------------------------------------------------------------

namespace {

struct Spec {
  uint32_t fill = ' ';
  char align = 0;
  char sign = '-';
  bool alt = false;
  bool zero = false;
  int width = -1;
  char grouping = 0;
  int precision = -1;
  char type = 0;
};

Spec parse_spec(std::string_view s) {
  Spec sp;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '=' || c == '^'; };
  // [[fill]align]
  if (!s.empty()) {
    size_t j = 0;
    uint32_t cp = py::decode_utf8(s, j);
    if (j < s.size() && is_align(s[j])) {
      sp.fill = cp;
      sp.align = s[j];
      i = j + 1;
    } else if (is_align(s[0])) {
      sp.align = s[0];
      i = 1;
    }
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-' || s[i] == ' ')) sp.sign = s[i++];
  if (i < s.size() && s[i] == 'z') ++i;
  if (i < s.size() && s[i] == '#') {
    sp.alt = true;
    ++i;
  }
  if (i < s.size() && s[i] == '0') {
    sp.zero = true;
    ++i;
  }
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    sp.width = (sp.width < 0 ? 0 : sp.width) * 10 + (s[i++] - '0');
    if (sp.width > 100000) err::raise(err::kValue, "Too many decimal digits in format string");
  }
  if (i < s.size() && (s[i] == ',' || s[i] == '_')) sp.grouping = s[i++];
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || s[i] < '0' || s[i] > '9')
      err::raise(err::kValue, "Format specifier missing precision");
    sp.precision = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      sp.precision = sp.precision * 10 + (s[i++] - '0');
      if (sp.precision > 100000)
        err::raise(err::kValue, "Too many decimal digits in format string");
    }
  }
  if (i < s.size()) sp.type = s[i++];
  if (i < s.size()) err::raise(err::kValue, "Invalid format specifier");
  return sp;
}

std::string group_digits(const std::string& digits, char sep, size_t every) {
  std::string out;
  size_t n = digits.size();
  for (size_t k = 0; k < n; ++k) {
    if (k && (n - k) % every == 0) out += sep;
    out += digits[k];
  }
  return out;
}

// Lays out sign + body in the width with the alignment rules of format().
std::string align_number(const Spec& sp, const std::string& sign, const std::string& body) {
  char align = sp.align ? sp.align : '>';
  uint32_t fill = sp.fill;
  if (sp.zero && !sp.align) {
    align = '=';
    fill = '0';
  }
  size_t len = py::cp_length(sign) + py::cp_length(body);
  size_t w = sp.width < 0 ? 0 : static_cast<size_t>(sp.width);
  if (len >= w) return sign + body;
  size_t padn = w - len;
  std::string pad;
  for (size_t k = 0; k < padn; ++k) py::append_utf8(pad, fill);
  switch (align) {
    case '<':
      return sign + body + pad;
    case '^': {
      std::string l;
      std::string r;
      for (size_t k = 0; k < padn / 2; ++k) py::append_utf8(l, fill);
      for (size_t k = 0; k < padn - padn / 2; ++k) py::append_utf8(r, fill);
      return l + sign + body + r;
    }
    case '=':
      return sign + pad + body;
    default:
      return pad + sign + body;
  }
}

std::string format_float(double d, const Spec& sp) {
  char type = sp.type;
  std::string sign = std::signbit(d) && !std::isnan(d) ? "-"
                     : sp.sign == '+'                  ? "+"
                     : sp.sign == ' '                  ? " "
                                                       : "";
  double a = std::fabs(d);
  std::string body;
  if (type == 0 && sp.precision < 0) {
    body = py::float_repr(a);
  } else {
    int prec = sp.precision < 0 ? 6 : sp.precision;
    char ct = type == 0 ? 'g' : type == 'n' ? 'g' : type == '%' ? 'f' : type;
    double val = type == '%' ? a * 100 : a;
    if (type == 0 && prec == 0) prec = 1;
    body = c_format(sp.alt ? "#" : "", -1, prec, "", ct, val);
    if (type == 0 && std::isfinite(a) && body.find_first_of(".e") == std::string::npos)
      body += ".0";
    if (type == '%') body += '%';
  }
  if (sp.grouping && std::isfinite(a)) {
    size_t end = body.find_first_of(".e%");
    if (end == std::string::npos) end = body.size();
    body = group_digits(body.substr(0, end), sp.grouping, 3) + body.substr(end);
  }
  return align_number(sp, sign, body);
}

std::string format_int(int64_t v, const Spec& sp) {
  char type = sp.type ? sp.type : 'd';
  if (std::strchr("eEfFgG%", type)) {
    Spec f = sp;
    return format_float(static_cast<double>(v), f);
  }
  if (sp.precision >= 0)
    err::raise(err::kValue, "Precision not allowed in integer format specifier");
  bool neg = v < 0;
  uint64_t mag = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  std::string digits;
  std::string prefix;
  switch (type) {
    case 'd':
    case 'n':
      digits = std::to_string(mag);
      if (sp.grouping) digits = group_digits(digits, sp.grouping, 3);
      break;
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      int base = type == 'o' ? 8 : type == 'b' ? 2 : 16;
      const char* dig = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      if (mag == 0) digits = "0";
      for (uint64_t m = mag; m; m /= static_cast<uint64_t>(base))
        digits.insert(digits.begin(), dig[m % base]);
      if (sp.grouping == '_') digits = group_digits(digits, '_', 4);
      if (sp.alt) prefix = type == 'o' ? "0o" : type == 'b' ? "0b" : type == 'X' ? "0X" : "0x";
      break;
    }
    case 'c': {
      if (v < 0 || v > 0x10ffff) err::raise(err::kOverflow, "%c arg not in range(0x110000)");
      std::string s;
      py::append_utf8(s, static_cast<uint32_t>(v));
      Spec text = sp;
      text.type = 0;
      return align_number(text, "", s);
    }
    default: {
      std::string msg = "Unknown format code '";
      msg += type;
      msg += "' for object of type 'int'";
      err::raise(err::kValue, msg);
    }
  }
  std::string sign = neg ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
  return align_number(sp, sign + prefix, digits);
}

}  // namespace

std::string format_value(const Value& v, std::string_view spec) {
  if (spec.empty()) return v.str();
  Spec sp = parse_spec(spec);
  switch (v.kind()) {
    case Kind::kBool:
      // bool.__format__ is int.__format__ once there is a spec.
      return format_int(v.to_int(), sp);
    case Kind::kInt:
      return format_int(v.as_int(), sp);
    case Kind::kFloat: {
      if (sp.type && !std::strchr("eEfFgGn%", sp.type)) {
        std::string msg = "Unknown format code '";
        msg += sp.type;
        msg += "' for object of type 'float'";
        err::raise(err::kValue, msg);
      }
      return format_float(v.as_float(), sp);
    }
    case Kind::kStr: {
      if (sp.type && sp.type != 's') {
        std::string msg = "Unknown format code '";
        msg += sp.type;
        msg += "' for object of type 'str'";
        err::raise(err::kValue, msg);
      }
      if (sp.sign != '-') err::raise(err::kValue, "Sign not allowed in string format specifier");
      if (sp.align == '=')
        err::raise(err::kValue, "'=' alignment not allowed in string format specifier");
      std::string s = v.as_str();
      if (sp.precision >= 0 && py::cp_length(s) > static_cast<size_t>(sp.precision)) {
        s.resize(py::cp_offset(s, static_cast<size_t>(sp.precision)));
      }
      Spec text = sp;
      if (!text.align) text.align = '<';
      if (text.zero && !sp.align) text.fill = '0';
      text.zero = false;
      return align_number(text, "", s);
    }
    default:
      err::raise(err::kType,
                 "unsupported format string passed to " + v.type_name() + ".__format__");
  }
}

std::string str_format(Interpreter& in, std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  bool manual = false;
  bool automatic = false;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      err::raise(err::kValue, "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    // Find the matching '}', allowing one level of nested {} in the spec.
    size_t j = i + 1;
    int level = 1;
    while (j < fmt.size()) {
      if (fmt[j] == '{') ++level;
      if (fmt[j] == '}' && --level == 0) break;
      ++j;
    }
    if (j >= fmt.size()) err::raise(err::kValue, "Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, j - i - 1);
    i = j;
    // field_name [!conv] [:spec]
    size_t colon = std::string_view::npos;
    size_t bang = std::string_view::npos;
    int depth = 0;
    for (size_t k = 0; k < field.size(); ++k) {
      if (field[k] == '[') ++depth;
      if (field[k] == ']') --depth;
      if (depth == 0 && field[k] == '!' && bang == std::string_view::npos &&
          colon == std::string_view::npos)
        bang = k;
      if (depth == 0 && field[k] == ':' && colon == std::string_view::npos) {
        colon = k;
        break;
      }
    }
    std::string_view name = field.substr(0, std::min(bang, colon));
    char conv = 0;
    if (bang != std::string_view::npos) {
      size_t cend = colon == std::string_view::npos ? field.size() : colon;
      if (cend != bang + 2) err::raise(err::kValue, "expected ':' after conversion specifier");
      conv = field[bang + 1];
      if (conv != 'r' && conv != 's' && conv != 'a') {
        err::raise(err::kValue, std::string("Unknown conversion specifier ") + conv);
      }
    }
    std::string spec(colon == std::string_view::npos ? std::string_view()
                                                     : field.substr(colon + 1));
    if (spec.find('{') != std::string::npos) spec = str_format(in, spec, args);
    // The first part of the name: an index, a keyword, or empty (automatic numbering).
    size_t first_end = name.find_first_of(".[");
    std::string_view first = name.substr(0, first_end);
    Value value;
    if (first.empty() || (first[0] >= '0' && first[0] <= '9')) {
      size_t index;
      if (first.empty()) {
        if (manual) {
          err::raise(err::kValue,
                     "cannot switch from manual field specification to automatic field numbering");
        }
        automatic = true;
        index = auto_index++;
      } else {
        if (automatic) {
          err::raise(err::kValue,
                     "cannot switch from automatic field numbering to manual field specification");
        }
        manual = true;
        index = static_cast<size_t>(std::stoul(std::string(first)));
      }
      if (index >= args.args.size()) {
        err::raise(err::kIndex, "Replacement index " + std::to_string(index) +
                                    " out of range for positional args tuple");
      }
      value = args.args[index];
    } else {
      const Value* kw = nullptr;
      for (const auto& [k, v] : args.kwargs) {
        if (k == first) kw = &v;
      }
      if (!kw) {
        std::string r;
        py::append_str_repr(r, first);
        err::raise(err::kKey, r);
      }
      value = *kw;
    }
    // .attr and [key] parts.
    size_t p = first_end == std::string_view::npos ? name.size() : first_end;
    while (p < name.size()) {
      if (name[p] == '.') {
        size_t e = name.find_first_of(".[", p + 1);
        if (e == std::string_view::npos) e = name.size();
        std::string attr(name.substr(p + 1, e - p - 1));
        Value next = in.getattr(value, attr);
        if (next.is_undefined()) {
          err::raise(err::kAttribute,
                     "'" + value.type_name() + "' object has no attribute '" + attr + "'");
        }
        value = next;
        p = e;
      } else if (name[p] == '[') {
        size_t e = name.find(']', p);
        if (e == std::string_view::npos) err::raise(err::kValue, "Missing ']' in format string");
        std::string key(name.substr(p + 1, e - p - 1));
        bool numeric = !key.empty() && key.find_first_not_of("0123456789") == std::string::npos;
        Value k = numeric ? Value(static_cast<int64_t>(std::stoll(key))) : Value(key);
        Value next = in.getitem(value, k);
        if (next.is_undefined()) err::raise(err::kKey, k.repr());
        value = next;
        p = e + 1;
      } else {
        err::raise(err::kValue, "Only '.' or '[' may follow ']' in format field specifier");
      }
    }
    if (conv == 'r' || conv == 'a') value = Value(value.repr());
    if (conv == 's') value = Value(value.str());
    out += format_value(value, spec);
    in.check_size(out.size());
  }
  return out;
}

}  // namespace kpp::tmpl
