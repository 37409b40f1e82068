// Jinja2's built-in filters on single values (numbers and strings) and the filter registry.
#include "template/filters.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "template/errors.h"
#include "template/pystr.h"

namespace kpp::tmpl::filters {

Params::Params(std::string_view fn, const CallArgs& args,
               std::initializer_list<std::string_view> names, size_t required)
    : fn_(fn), bound_(names.size(), nullptr) {
  if (args.args.size() > names.size()) {
    // Counted as Python does, with the filtered value as the first argument.
    size_t max = names.size() + 1;
    size_t min = required + 1;
    std::string takes = min == max
                            ? std::to_string(max) + " positional argument" + (max == 1 ? "" : "s")
                            : "from " + std::to_string(min) + " to " + std::to_string(max) +
                                  " positional arguments";
    size_t given = args.args.size() + 1;
    err::raise(err::kType, fn_ + "() takes " + takes + " but " + std::to_string(given) +
                               (given == 1 ? " was" : " were") + " given");
  }
  for (size_t i = 0; i < args.args.size(); ++i) bound_[i] = &args.args[i];
  for (const auto& [k, v] : args.kwargs) {
    size_t i = 0;
    bool found = false;
    (void)required;
    for (std::string_view n : names) {
      if (n == k) {
        if (bound_[i])
          err::raise(err::kType, fn_ + "() got multiple values for argument '" + k + "'");
        bound_[i] = &v;
        found = true;
      }
      ++i;
    }
    if (!found) err::raise(err::kType, fn_ + "() got an unexpected keyword argument '" + k + "'");
  }
}

int64_t Params::integer(size_t i, int64_t fallback) const {
  const Value* v = at(i);
  if (!v || v->is_none()) return fallback;
  if (v->is_int() || v->is_bool()) return v->to_int();
  if (v->is_undefined()) raise_undefined(*v);
  err::raise(err::kType, "'" + v->type_name() + "' object cannot be interpreted as an integer");
}

Value get_attribute_path(Interpreter& in, const Value& item, const Value& path) {
  if (path.is_none() || path.is_undefined()) return item;
  if (!path.is_str()) return in.getitem(item, path);
  Value cur = item;
  std::string_view p = path.as_str();
  size_t start = 0;
  while (true) {
    size_t dot = p.find('.', start);
    std::string_view part =
        p.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(),
                                                [](char c) { return c >= '0' && c <= '9'; });
    int64_t idx = 0;
    bool overflow = false;
    if (numeric && py::parse_int(part, 10, idx, overflow)) {
      cur = in.getitem(cur, Value(idx));
    } else {
      cur = in.getitem(cur, Value(part));
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return cur;
}

Value ignore_case(const Value& v) {
  return v.is_str() ? Value(py::lower(v.as_str())) : v;
}

namespace {

// Python's float(x), or false for TypeError/ValueError; UndefinedError propagates.
bool to_float(const Value& v, double& out) {
  switch (v.kind()) {
    case Kind::kUndefined:
      raise_undefined(v);
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
      out = v.to_double();
      return true;
    case Kind::kStr:
      return py::parse_float(v.as_str(), out);
    default:
      return false;
  }
}

Value f_float(Interpreter&, Value v, CallArgs& args) {
  Params p("do_float", args, {"default"});
  double d;
  if (to_float(v, d)) return Value(d);
  return p.get(0, Value(0.0));
}

Value f_int(Interpreter&, Value v, CallArgs& args) {
  Params p("do_int", args, {"default", "base"});
  Value dflt = p.get(0, Value(0));
  if (v.is_undefined()) raise_undefined(v);
  if (v.is_str()) {
    int64_t base = p.integer(1, 10);
    if (base != 0 && (base < 2 || base > 36))
      err::raise(err::kValue, "int() base must be >= 2 and <= 36, or 0");
    int64_t out = 0;
    bool overflow = false;
    if (py::parse_int(v.as_str(), static_cast<int>(base), out, overflow)) return Value(out);
    if (overflow) err::raise(err::kOverflow, "integer result does not fit in 64 bits");
  }
  double d;
  if (v.is_int() || v.is_bool()) return Value(v.to_int());
  if (to_float(v, d)) {
    if (!std::isfinite(d)) return dflt;
    if (std::fabs(d) >= 9.2233720368547758e18) {
      err::raise(err::kOverflow, "integer result does not fit in 64 bits");
    }
    return Value(static_cast<int64_t>(d));
  }
  return dflt;
}

// Python's round(x, n) for floats: exact decimal rounding, ties to even.
double round_float(double x, int64_t n) {
  if (!std::isfinite(x) || x == 0) return x;
  if (n > 320) return x;
  if (n >= 0) {
    char buf[512];
    snprintf(buf, sizeof buf, "%.*f", static_cast<int>(n), x);
    return std::strtod(buf, nullptr);
  }
  if (n < -330) return std::copysign(0.0, x);
  double scale = std::pow(10.0, static_cast<double>(-n));
  double y = std::nearbyint(x / scale) * scale;
  return std::isfinite(y) ? y : std::copysign(0.0, x);
}

Value f_round(Interpreter&, Value v, CallArgs& args) {
  Params p("do_round", args, {"precision", "method"});
  int64_t precision = p.integer(0, 0);
  Value method = p.get(1, Value("common"));
  std::string m = method.is_str() ? method.as_str() : std::string();
  if (m != "common" && m != "ceil" && m != "floor") {
    err::raise(err::kFilterArgument, "method must be common, ceil or floor");
  }
  if (!v.is_number()) {
    if (m == "common")
      err::raise(err::kType, "type " + v.type_name() + " doesn't define __round__ method");
    if (v.is_undefined()) raise_undefined(v);
    err::raise(err::kType, "can't multiply sequence by non-int of type 'int'");
  }
  if (m == "common") {
    if (!v.is_float()) {
      // round(int, n) stays an int; negative n rounds to tens, hundreds, ...
      int64_t i = v.to_int();
      if (precision >= 0) return Value(i);
      if (precision < -18) return Value(0);
      int64_t scale = 1;
      for (int64_t k = 0; k < -precision; ++k) scale *= 10;
      int64_t q = i / scale;
      int64_t r = i % scale;
      if (r < 0) {
        r += scale;
        --q;
      }
      if (r * 2 > scale || (r * 2 == scale && (q & 1))) ++q;
      return Value(q * scale);
    }
    return Value(round_float(v.as_float(), precision));
  }
  // math.ceil/floor(value * 10**precision) / 10**precision
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.to_double() * (precision >= 0 ? scale : 1.0);
  if (precision < 0) x = v.to_double() * scale;
  if (!std::isfinite(x)) {
    if (std::isnan(x)) err::raise(err::kValue, "cannot convert float NaN to integer");
    err::raise(err::kOverflow, "cannot convert float infinity to integer");
  }
  double r = m == "ceil" ? std::ceil(x) : std::floor(x);
  return Value(r / scale);
}

Value f_abs(Interpreter&, Value v, CallArgs& args) {
  Params p("abs", args, {});
  switch (v.kind()) {
    case Kind::kBool:
    case Kind::kInt:
      if (v.to_int() == INT64_MIN)
        err::raise(err::kOverflow, "integer result does not fit in 64 bits");
      return Value(v.to_int() < 0 ? -v.to_int() : v.to_int());
    case Kind::kFloat:
      return Value(std::fabs(v.as_float()));
    default:
      err::raise(err::kType, "bad operand type for abs(): '" + v.type_name() + "'");
  }
}

Value f_default(Interpreter&, Value v, CallArgs& args) {
  Params p("do_default", args, {"default_value", "boolean"});
  if (v.is_undefined() || (p.flag(1, false) && !v.truthy())) return p.get(0, Value(""));
  return v;
}

Value f_lower(Interpreter&, Value v, CallArgs& args) {
  Params p("do_lower", args, {});
  return Value(py::lower(v.str()));
}

Value f_upper(Interpreter&, Value v, CallArgs& args) {
  Params p("do_upper", args, {});
  return Value(py::upper(v.str()));
}

Value f_capitalize(Interpreter&, Value v, CallArgs& args) {
  Params p("do_capitalize", args, {});
  return Value(py::capitalize(v.str()));
}

Value f_title(Interpreter&, Value v, CallArgs& args) {
  Params p("do_title", args, {});
  // Words begin after whitespace or one of -([{< ; each word is capitalized.
  std::string s = v.str();
  std::string out;
  bool word_start = true;
  bool first_of_word = true;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = py::decode_utf8(s, i);
    bool sep = py::is_space_cp(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    if (sep) {
      py::append_utf8(out, cp);
      word_start = true;
      continue;
    }
    if (word_start) {
      first_of_word = true;
      word_start = false;
    }
    if (first_of_word) {
      if (cp == 0xdf) {
        out += "Ss";
      } else {
        py::append_utf8(out, py::to_upper_cp(cp));
      }
      first_of_word = false;
    } else {
      py::append_utf8(out, py::to_lower_cp(cp));
    }
  }
  return Value(std::move(out));
}

Value f_string(Interpreter&, Value v, CallArgs& args) {
  Params p("soft_str", args, {});
  if (v.is_str()) return v;
  return Value(v.str());
}

Value f_replace(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_replace", args, {"old", "new", "count"}, 2);
  if (!p.at(0) || !p.at(1))
    err::raise(err::kType, "do_replace() missing required arguments 'old' and 'new'");
  CallArgs inner;
  inner.args = {Value(p.at(0)->str()), Value(p.at(1)->str())};
  if (p.at(2) && !p.at(2)->is_none()) inner.args.push_back(*p.at(2));
  Value out;
  call_method(in, Value(v.str()), "replace", inner, out);
  return out;
}

Value f_trim(Interpreter&, Value v, CallArgs& args) {
  Params p("do_trim", args, {"chars"});
  std::string s = v.str();
  const Value* chars = p.at(0);
  if (chars && !chars->is_none()) {
    if (!chars->is_str()) err::raise(err::kType, "strip arg must be None or str");
    std::string_view set = chars->as_str();
    return Value(std::string(py::strip(s, &set, true, true)));
  }
  return Value(std::string(py::strip(s, nullptr, true, true)));
}

Value f_center(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_center", args, {"width"});
  CallArgs inner;
  inner.args = {Value(p.integer(0, 80))};
  Value out;
  call_method(in, Value(v.str()), "center", inner, out);
  return out;
}

Value f_format(Interpreter&, Value v, CallArgs& args) {
  if (!args.args.empty() && !args.kwargs.empty()) {
    err::raise(err::kFilterArgument,
               "can't handle positional and keyword arguments at the same time");
  }
  if (!args.kwargs.empty()) {
    Dict d;
    for (const auto& [k, val] : args.kwargs) d.set(k, val);
    return percent_format(v.str(), Value::dict(std::move(d)));
  }
  return percent_format(v.str(), Value::tuple(args.args));
}

Value f_wordcount(Interpreter&, Value v, CallArgs& args) {
  Params p("do_wordcount", args, {});
  std::string s = v.str();
  int64_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = py::decode_utf8(s, i);
    bool w = cp == '_' || (cp >= '0' && cp <= '9') || py::is_alpha_cp(cp);
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

Value f_indent(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_indent", args, {"width", "first", "blank"});
  std::string indention;
  const Value* w = p.at(0);
  if (w && w->is_str()) {
    indention = w->as_str();
  } else {
    int64_t n = p.integer(0, 4);
    in.check_size(static_cast<size_t>(std::max<int64_t>(n, 0)));
    indention.assign(static_cast<size_t>(std::max<int64_t>(n, 0)), ' ');
  }
  bool first = p.flag(1, false);
  bool blank = p.flag(2, false);
  std::string s = v.str() + "\n";
  CallArgs none;
  Value lines_v;
  call_method(in, Value(s), "splitlines", none, lines_v);
  const List& lines = lines_v.items();
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i].as_str();
    }
  } else {
    rv = lines.empty() ? std::string() : lines[0].as_str();
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      const std::string& line = lines[i].as_str();
      if (!line.empty()) rv += indention;
      rv += line;
    }
  }
  if (first) rv = indention + rv;
  return Value(std::move(rv));
}

Value f_truncate(Interpreter&, Value v, CallArgs& args) {
  Params p("do_truncate", args, {"length", "killwords", "end", "leeway"});
  std::string s = v.str();
  int64_t length = p.integer(0, 255);
  bool killwords = p.flag(1, false);
  std::string end = p.get(2, Value("...")).str();
  int64_t leeway = p.integer(3, 5);
  int64_t end_len = static_cast<int64_t>(py::cp_length(end));
  if (length < end_len)
    err::raise("AssertionError",
               "expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0)
    err::raise("AssertionError", "expected leeway >= 0, got " + std::to_string(leeway));
  if (static_cast<int64_t>(py::cp_length(s)) <= length + leeway) return Value(s);
  std::string head = s.substr(0, py::cp_offset(s, static_cast<size_t>(length - end_len)));
  if (killwords) return Value(head + end);
  size_t sp = head.rfind(' ');
  if (sp != std::string::npos) head.resize(sp);
  return Value(head + end);
}

Value f_filesizeformat(Interpreter&, Value v, CallArgs& args) {
  Params p("do_filesizeformat", args, {"binary"});
  double bytes;
  if (!to_float(v, bytes))
    err::raise(err::kValue, "could not convert string to float: " + v.repr());
  bool binary = p.flag(0, false);
  double base = binary ? 1024 : 1000;
  static const char* kDec[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
  static const char* kBin[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
  if (bytes == 1) return Value("1 Byte");
  if (bytes < base) return Value(std::to_string(static_cast<int64_t>(bytes)) + " Bytes");
  double unit = base;
  const char* prefix = "";
  for (int i = 0; i < 8; ++i) {
    unit = std::pow(base, i + 2);
    prefix = binary ? kBin[i] : kDec[i];
    if (bytes < unit) break;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%.1f %s", base * bytes / unit, prefix);
  return Value(buf);
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Value f_escape(Interpreter&, Value v, CallArgs& args) {
  Params p("escape", args, {});
  return Value(html_escape(v.str()));
}

Value f_safe(Interpreter&, Value v, CallArgs& args) {
  Params p("do_mark_safe", args, {});
  return v.is_str() ? v : Value(v.str());
}

Value f_striptags(Interpreter&, Value v, CallArgs& args) {
  Params p("do_striptags", args, {});
  std::string s = v.str();
  std::string no_tags;
  for (size_t i = 0; i < s.size();) {
    if (s.compare(i, 4, "<!--") == 0) {
      size_t e = s.find("-->", i + 4);
      if (e != std::string::npos) {
        i = e + 3;
        continue;
      }
    }
    if (s[i] == '<') {
      size_t e = s.find('>', i + 1);
      if (e != std::string::npos) {
        i = e + 1;
        continue;
      }
    }
    no_tags += s[i++];
  }
  // Collapse whitespace, then unescape the common entities.
  std::string collapsed;
  bool space = false;
  for (size_t i = 0; i < no_tags.size();) {
    size_t st = i;
    uint32_t cp = py::decode_utf8(no_tags, i);
    if (py::is_space_cp(cp)) {
      space = true;
      continue;
    }
    if (space && !collapsed.empty()) collapsed += ' ';
    space = false;
    collapsed.append(no_tags, st, i - st);
  }
  static const std::pair<const char*, const char*> kEntities[] = {{"&lt;", "<"},    {"&gt;", ">"},
                                                                  {"&quot;", "\""}, {"&#34;", "\""},
                                                                  {"&#39;", "'"},   {"&amp;", "&"}};
  std::string out;
  for (size_t i = 0; i < collapsed.size();) {
    bool matched = false;
    for (const auto& [ent, rep] : kEntities) {
      size_t n = std::strlen(ent);
      if (collapsed.compare(i, n, ent) == 0) {
        out += rep;
        i += n;
        matched = true;
        break;
      }
    }
    if (!matched) out += collapsed[i++];
  }
  return Value(std::move(out));
}

std::string url_quote(const std::string& s, bool for_qs) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-' || c == '~' || (!for_qs && c == '/');
    if (safe) {
      out += static_cast<char>(c);
    } else if (for_qs && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Value f_urlencode(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_urlencode", args, {});
  if (v.is_str() || !(v.is_sequence() || v.is_mapping())) return Value(url_quote(v.str(), false));
  std::string out;
  auto add = [&](const Value& k, const Value& val) {
    if (!out.empty()) out += '&';
    out += url_quote(k.str(), true) + "=" + url_quote(val.str(), true);
  };
  if (v.is_mapping()) {
    for (const Value& k : in.to_list(v)) add(k, in.getitem(v, k));
  } else {
    in.iterate(v, [&](const Value& pair) {
      List kv = in.to_list(pair);
      if (kv.size() != 2) err::raise(err::kValue, "too many values to unpack (expected 2)");
      add(kv[0], kv[1]);
    });
  }
  return Value(std::move(out));
}

Value f_pprint(Interpreter&, Value v, CallArgs& args) {
  Params p("do_pprint", args, {});
  return Value(v.repr());
}

Value f_tojson(Interpreter&, Value v, CallArgs& args) {
  Params p("do_tojson", args, {"indent"});
  int indent = -1;
  if (p.at(0) && !p.at(0)->is_none())
    indent = static_cast<int>(std::clamp<int64_t>(p.integer(0, 0), 0, 64));
  std::string s = json_dumps(v, true, indent);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '\'':
        out += "\\u0027";
        break;
      default:
        out += c;
    }
  }
  return Value(std::move(out));
}

Value f_attr(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_attr", args, {"name"}, 1);
  if (!p.at(0)) err::raise(err::kType, "do_attr() missing 1 required positional argument: 'name'");
  std::string name = p.at(0)->str();
  // Attributes only: no fallback to items.
  if (v.is_object()) {
    Value out;
    if (v.as_object().get_attr(name, out)) return out;
    return Value::undefined_attr(v, name);
  }
  if (v.is_undefined()) raise_undefined(v);
  Value out;
  if (builtin_attribute(v, name, out)) return out;
  if (has_method(v, name)) return in.getattr(v, name);
  return Value::undefined_attr(v, name);
}

}  // namespace

}  // namespace kpp::tmpl::filters

namespace kpp::tmpl {

FilterFn find_filter(std::string_view name) {
  using namespace filters;
  static const std::unordered_map<std::string_view, FilterFn> registry = [] {
    std::unordered_map<std::string_view, FilterFn> m = {
        {"float", f_float},
        {"int", f_int},
        {"round", f_round},
        {"abs", f_abs},
        {"default", f_default},
        {"d", f_default},
        {"lower", f_lower},
        {"upper", f_upper},
        {"capitalize", f_capitalize},
        {"title", f_title},
        {"string", f_string},
        {"replace", f_replace},
        {"trim", f_trim},
        {"center", f_center},
        {"format", f_format},
        {"wordcount", f_wordcount},
        {"indent", f_indent},
        {"truncate", f_truncate},
        {"filesizeformat", f_filesizeformat},
        {"escape", f_escape},
        {"e", f_escape},
        {"forceescape", f_escape},
        {"safe", f_safe},
        {"striptags", f_striptags},
        {"urlencode", f_urlencode},
        {"pprint", f_pprint},
        {"tojson", f_tojson},
        {"attr", f_attr},
    };
    for (const auto& [n, fn] : sequence_filters()) m.emplace(n, fn);
    return m;
  }();
  auto it = registry.find(name);
  return it == registry.end() ? nullptr : it->second;
}

}  // namespace kpp::tmpl
