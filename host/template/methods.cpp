// Methods of the built-in types that macros call: str.split/upper/format/..., list.append/...,
// dict.get/items/update/..., plus bound-method values and named-tuple fields.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/json.h"
#include "template/errors.h"
#include "template/interpreter.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

constexpr const char* kStrMethods[] = {
    "upper",       "lower",        "capitalize",   "title",      "swapcase",     "casefold",
    "strip",       "lstrip",       "rstrip",       "split",      "rsplit",       "splitlines",
    "join",        "replace",      "startswith",   "endswith",   "find",         "rfind",
    "index",       "rindex",       "count",        "format",     "isdigit",      "isdecimal",
    "isnumeric",   "isalpha",      "isalnum",      "isspace",    "islower",      "isupper",
    "istitle",     "zfill",        "ljust",        "rjust",      "center",       "partition",
    "rpartition",  "removeprefix", "removesuffix", "format_map", "isidentifier", "isascii",
    "isprintable", "expandtabs",   "encode",
};
constexpr const char* kListMethods[] = {"append", "extend",  "insert", "pop",   "remove", "index",
                                        "count",  "reverse", "sort",   "clear", "copy"};
constexpr const char* kTupleMethods[] = {"count", "index"};
constexpr const char* kDictMethods[] = {"get",  "items", "keys",       "values",  "update",  "pop",
                                        "copy", "clear", "setdefault", "popitem", "fromkeys"};
constexpr const char* kFloatMethods[] = {"is_integer", "conjugate", "hex", "as_integer_ratio"};
constexpr const char* kIntMethods[] = {"bit_length", "conjugate", "bit_count", "to_bytes",
                                       "as_integer_ratio"};

template <size_t N>
bool in_list(const char* const (&list)[N], std::string_view name) {
  return std::any_of(std::begin(list), std::end(list), [&](const char* m) { return name == m; });
}

// A method of a built-in value used without calling it (`d.items`).
class BoundMethod : public Object {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  [[nodiscard]] std::string type_name() const override { return "builtin_function_or_method"; }
  [[nodiscard]] bool is_callable() const override { return true; }
  Value call(CallArgs& args) override {
    Interpreter* in = current_interpreter();
    if (!in) err::raise(err::kRuntime, "method called outside of a render");
    Value out;
    call_method(*in, self_, name_, args, out);
    return out;
  }
  void append_repr(std::string& out) override {
    out += "<built-in method " + name_ + " of " + self_.type_name() + " object>";
  }

 private:
  Value self_;
  std::string name_;
};

std::string str_arg(const CallArgs& args, size_t pos, std::string_view name, std::string_view fn) {
  const Value& v = args.need(pos, name, fn);
  if (!v.is_str()) {
    err::raise(err::kType, std::string(fn) + "() argument must be str, not " + v.type_name());
  }
  return v.as_str();
}

int64_t int_arg(const CallArgs& args, size_t pos, std::string_view name, int64_t dflt) {
  const Value* v = args.find(pos, name);
  if (!v || v->is_none()) return dflt;
  if (!v->is_int() && !v->is_bool()) {
    err::raise(err::kType, "'" + v->type_name() + "' object cannot be interpreted as an integer");
  }
  return v->to_int();
}

// Code-point helpers for non-ASCII strings.
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> cps;
  for (size_t i = 0; i < s.size();) {
    size_t j = i;
    py::decode_utf8(s, j);
    cps.push_back(s.substr(i, j - i));
    i = j;
  }
  return cps;
}

// Resolves Python's optional start/end arguments of find/count into a byte range.
void byte_range(const std::string& s, const CallArgs& args, size_t first, size_t& b, size_t& e) {
  int64_t len = static_cast<int64_t>(py::cp_length(s));
  auto norm = [&](int64_t i) {
    if (i < 0) i += len;
    return std::clamp<int64_t>(i, 0, len);
  };
  int64_t start = norm(int_arg(args, first, "start", 0));
  int64_t end = norm(int_arg(args, first + 1, "end", len));
  b = py::cp_offset(s, static_cast<size_t>(start));
  e = end < start ? b : py::cp_offset(s, static_cast<size_t>(end));
}

Value split(const std::string& s, const CallArgs& args, bool from_right) {
  const Value* sepv = args.find(0, "sep");
  int64_t maxsplit = int_arg(args, 1, "maxsplit", -1);
  List out;
  if (!sepv || sepv->is_none()) {
    // Runs of whitespace; leading and trailing whitespace ignored.
    std::vector<std::pair<size_t, size_t>> words;
    size_t i = 0;
    if (!from_right) {
      while (i < s.size()) {
        size_t j = i;
        while (j < s.size()) {
          size_t k = j;
          if (!py::is_space_cp(py::decode_utf8(s, k))) break;
          j = k;
        }
        if (j >= s.size()) break;
        if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
          std::string_view rest = py::strip(std::string_view(s).substr(j), nullptr, false, true);
          out.emplace_back(std::string(rest));
          return Value::list(std::move(out));
        }
        size_t w = j;
        while (w < s.size()) {
          size_t k = w;
          if (py::is_space_cp(py::decode_utf8(s, k))) break;
          w = k;
        }
        out.emplace_back(s.substr(j, w - j));
        i = w;
      }
      return Value::list(std::move(out));
    }
    // rsplit(None, n): split from the right.
    std::vector<std::string_view> cps = code_points(s);
    std::vector<std::string> rev;
    int64_t end = static_cast<int64_t>(cps.size());
    auto space = [&](int64_t k) {
      size_t z = 0;
      return py::is_space_cp(py::decode_utf8(cps[k], z));
    };
    while (end > 0) {
      while (end > 0 && space(end - 1)) --end;
      if (end == 0) break;
      if (maxsplit >= 0 && static_cast<int64_t>(rev.size()) == maxsplit) {
        std::string rest;
        int64_t b = 0;
        while (b < end && space(b)) ++b;
        for (int64_t k = b; k < end; ++k) rest += cps[k];
        rev.push_back(rest);
        break;
      }
      int64_t b = end;
      while (b > 0 && !space(b - 1)) --b;
      std::string w;
      for (int64_t k = b; k < end; ++k) w += cps[k];
      rev.push_back(w);
      end = b;
    }
    for (auto it = rev.rbegin(); it != rev.rend(); ++it) out.emplace_back(*it);
    return Value::list(std::move(out));
  }
  if (!sepv->is_str()) err::raise(err::kType, "must be str or None, not " + sepv->type_name());
  const std::string& sep = sepv->as_str();
  if (sep.empty()) err::raise(err::kValue, "empty separator");
  if (!from_right) {
    size_t pos = 0;
    while (true) {
      size_t hit = s.find(sep, pos);
      if (hit == std::string::npos ||
          (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit)) {
        out.emplace_back(s.substr(pos));
        break;
      }
      out.emplace_back(s.substr(pos, hit - pos));
      pos = hit + sep.size();
    }
    return Value::list(std::move(out));
  }
  std::vector<std::string> rev;
  size_t end = s.size();
  while (true) {
    size_t hit = end >= sep.size() ? s.rfind(sep, end - sep.size()) : std::string::npos;
    if (hit == std::string::npos ||
        (maxsplit >= 0 && static_cast<int64_t>(rev.size()) == maxsplit)) {
      rev.push_back(s.substr(0, end));
      break;
    }
    rev.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
    end = hit;
  }
  for (auto it = rev.rbegin(); it != rev.rend(); ++it) out.emplace_back(*it);
  return Value::list(std::move(out));
}

std::string pad(const std::string& s, int64_t width, uint32_t fill, char how) {
  int64_t len = static_cast<int64_t>(py::cp_length(s));
  if (width <= len) return s;
  int64_t marg = width - len;
  int64_t left = how == '<' ? 0 : how == '>' ? marg : marg / 2 + (marg & width & 1);
  std::string out;
  for (int64_t k = 0; k < left; ++k) py::append_utf8(out, fill);
  out += s;
  for (int64_t k = 0; k < marg - left; ++k) py::append_utf8(out, fill);
  return out;
}

uint32_t fill_arg(const CallArgs& args, size_t pos, std::string_view fn) {
  const Value* f = args.find(pos, "fillchar");
  if (!f) return ' ';
  if (!f->is_str() || py::cp_length(f->as_str()) != 1) {
    err::raise(err::kType, std::string("The fill character must be exactly one character long"));
  }
  (void)fn;
  size_t i = 0;
  return py::decode_utf8(f->as_str(), i);
}

bool all_cps(const std::string& s, bool (*pred)(uint32_t)) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    if (!pred(py::decode_utf8(s, i))) return false;
  }
  return true;
}

bool str_method(Interpreter& in, const std::string& s, std::string_view name, CallArgs& args,
                Value& out) {
  auto fixes = [&](bool start) {
    const Value& arg = args.need(0, "prefix", name);
    size_t b, e;
    byte_range(s, args, 1, b, e);
    std::string_view part = std::string_view(s).substr(b, e - b);
    auto test = [&](const Value& p) {
      if (!p.is_str()) {
        err::raise(
            err::kType,
            std::string(name) + " first arg must be str or a tuple of str, not " + p.type_name());
      }
      const std::string& x = p.as_str();
      if (x.size() > part.size()) return false;
      return start ? part.compare(0, x.size(), x) == 0
                   : part.compare(part.size() - x.size(), x.size(), x) == 0;
    };
    if (arg.is_tuple()) {
      for (const Value& p : arg.items()) {
        if (test(p)) return true;
      }
      return false;
    }
    return test(arg);
  };
  if (name == "upper") {
    out = Value(py::upper(s));
  } else if (name == "lower" || name == "casefold") {
    out = Value(py::lower(s));
  } else if (name == "capitalize") {
    out = Value(py::capitalize(s));
  } else if (name == "swapcase") {
    out = Value(py::swapcase(s));
  } else if (name == "title") {
    std::string r;
    bool prev_cased = false;
    for (size_t i = 0; i < s.size();) {
      uint32_t cp = py::decode_utf8(s, i);
      bool cased = py::is_alpha_cp(cp);
      py::append_utf8(r, cased ? (prev_cased ? py::to_lower_cp(cp) : py::to_upper_cp(cp)) : cp);
      prev_cased = cased;
    }
    out = Value(std::move(r));
  } else if (name == "strip" || name == "lstrip" || name == "rstrip") {
    const Value* chars = args.find(0, "chars");
    std::string_view set;
    const std::string_view* setp = nullptr;
    if (chars && !chars->is_none()) {
      if (!chars->is_str()) {
        err::raise(err::kType, std::string(name) + " arg must be None or str");
      }
      set = chars->as_str();
      setp = &set;
    }
    out = Value(std::string(py::strip(s, setp, name != "rstrip", name != "lstrip")));
  } else if (name == "split" || name == "rsplit") {
    out = split(s, args, name == "rsplit");
  } else if (name == "splitlines") {
    bool keep = args.get(0, "keepends", Value(false)).truthy();
    List lines;
    size_t start = 0;
    for (size_t i = 0; i < s.size();) {
      size_t j = i;
      uint32_t cp = py::decode_utf8(s, j);
      bool nl = cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x1c || cp == 0x1d ||
                cp == 0x1e || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
      if (nl) {
        size_t end = j;
        if (cp == '\r' && j < s.size() && s[j] == '\n') end = j + 1;
        lines.emplace_back(s.substr(start, (keep ? end : i) - start));
        start = end;
        j = end;
      }
      i = j;
    }
    if (start < s.size()) lines.emplace_back(s.substr(start));
    out = Value::list(std::move(lines));
  } else if (name == "join") {
    std::string r;
    size_t n = 0;
    in.iterate(args.need(0, "iterable", "join"), [&](const Value& v) {
      if (!v.is_str()) {
        err::raise(err::kType, "sequence item " + std::to_string(n) + ": expected str instance, " +
                                   v.type_name() + " found");
      }
      if (n++) r += s;
      r += v.as_str();
      in.check_size(r.size());
    });
    out = Value(std::move(r));
  } else if (name == "replace") {
    std::string old = str_arg(args, 0, "old", "replace");
    std::string repl = str_arg(args, 1, "new", "replace");
    int64_t count = int_arg(args, 2, "count", -1);
    std::string r;
    if (old.empty()) {
      std::vector<std::string_view> cps = code_points(s);
      int64_t done = 0;
      for (size_t k = 0; k <= cps.size(); ++k) {
        if (count < 0 || done < count) {
          r += repl;
          ++done;
        }
        if (k < cps.size()) r += cps[k];
        in.check_size(r.size());
      }
    } else {
      size_t pos = 0;
      int64_t done = 0;
      while (count < 0 || done < count) {
        size_t hit = s.find(old, pos);
        if (hit == std::string::npos) break;
        r.append(s, pos, hit - pos);
        r += repl;
        in.check_size(r.size());
        pos = hit + old.size();
        ++done;
      }
      r.append(s, pos, std::string::npos);
    }
    out = Value(std::move(r));
  } else if (name == "startswith") {
    out = Value(fixes(true));
  } else if (name == "endswith") {
    out = Value(fixes(false));
  } else if (name == "find" || name == "rfind" || name == "index" || name == "rindex" ||
             name == "count") {
    std::string sub = str_arg(args, 0, "sub", name);
    size_t b, e;
    byte_range(s, args, 1, b, e);
    std::string_view part = std::string_view(s).substr(b, e - b);
    if (name == "count") {
      int64_t n = 0;
      if (sub.empty()) {
        n = static_cast<int64_t>(py::cp_length(part)) + 1;
      } else {
        for (size_t pos = part.find(sub); pos != std::string_view::npos;
             pos = part.find(sub, pos + sub.size())) {
          ++n;
        }
      }
      out = Value(n);
    } else {
      bool right = name[0] == 'r';
      size_t hit = right ? part.rfind(sub) : part.find(sub);
      if (hit == std::string_view::npos) {
        if (name == "index" || name == "rindex") err::raise(err::kValue, "substring not found");
        out = Value(-1);
      } else {
        out = Value(static_cast<int64_t>(py::cp_index(s, b + hit)));
      }
    }
  } else if (name == "format") {
    out = Value(str_format(in, s, args));
  } else if (name == "format_map") {
    const Value& m = args.need(0, "mapping", "format_map");
    CallArgs kw;
    for (const Value& k : in.to_list(m)) {
      if (k.is_str()) kw.kwargs.emplace_back(k.as_str(), in.getitem(m, k));
    }
    out = Value(str_format(in, s, kw));
  } else if (name == "isdigit" || name == "isdecimal" || name == "isnumeric") {
    out = Value(all_cps(s, [](uint32_t cp) { return cp >= '0' && cp <= '9'; }));
  } else if (name == "isalpha") {
    out = Value(all_cps(s, py::is_alpha_cp));
  } else if (name == "isalnum") {
    out = Value(
        all_cps(s, [](uint32_t cp) { return py::is_alpha_cp(cp) || (cp >= '0' && cp <= '9'); }));
  } else if (name == "isspace") {
    out = Value(all_cps(s, py::is_space_cp));
  } else if (name == "isascii") {
    out = Value(py::is_ascii(s));
  } else if (name == "isprintable") {
    out = Value(s.empty() || all_cps(s, [](uint32_t cp) { return cp >= 0x20 && cp != 0x7f; }));
  } else if (name == "isidentifier") {
    bool ok = !s.empty() && !(s[0] >= '0' && s[0] <= '9') && all_cps(s, [](uint32_t cp) {
      return cp == '_' || py::is_alpha_cp(cp) || (cp >= '0' && cp <= '9');
    });
    out = Value(ok);
  } else if (name == "islower" || name == "isupper") {
    bool want_lower = name == "islower";
    bool cased = false;
    bool ok = true;
    for (size_t i = 0; i < s.size();) {
      uint32_t cp = py::decode_utf8(s, i);
      if (py::is_upper_cp(cp)) {
        cased = true;
        if (want_lower) ok = false;
      } else if (py::is_lower_cp(cp)) {
        cased = true;
        if (!want_lower) ok = false;
      }
    }
    out = Value(ok && cased);
  } else if (name == "istitle") {
    bool cased = false;
    bool prev_cased = false;
    bool ok = true;
    for (size_t i = 0; i < s.size();) {
      uint32_t cp = py::decode_utf8(s, i);
      if (py::is_upper_cp(cp)) {
        if (prev_cased) ok = false;
        prev_cased = cased = true;
      } else if (py::is_lower_cp(cp)) {
        if (!prev_cased) ok = false;
        prev_cased = cased = true;
      } else {
        prev_cased = false;
      }
    }
    out = Value(ok && cased);
  } else if (name == "zfill") {
    int64_t width = int_arg(args, 0, "width", 0);
    int64_t len = static_cast<int64_t>(py::cp_length(s));
    if (width <= len) {
      out = Value(s);
    } else {
      in.check_size(static_cast<size_t>(width));
      std::string r = s;
      size_t at = !r.empty() && (r[0] == '+' || r[0] == '-') ? 1 : 0;
      r.insert(at, static_cast<size_t>(width - len), '0');
      out = Value(std::move(r));
    }
  } else if (name == "ljust" || name == "rjust" || name == "center") {
    int64_t width = int_arg(args, 0, "width", 0);
    in.check_size(static_cast<size_t>(std::max<int64_t>(width, 0)));
    char how = name == "ljust" ? '<' : name == "rjust" ? '>' : '^';
    out = Value(pad(s, width, fill_arg(args, 1, name), how));
  } else if (name == "partition" || name == "rpartition") {
    std::string sep = str_arg(args, 0, "sep", name);
    if (sep.empty()) err::raise(err::kValue, "empty separator");
    size_t hit = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (hit == std::string::npos) {
      out = name == "partition" ? Value::tuple({Value(s), Value(""), Value("")})
                                : Value::tuple({Value(""), Value(""), Value(s)});
    } else {
      out = Value::tuple({Value(s.substr(0, hit)), Value(sep), Value(s.substr(hit + sep.size()))});
    }
  } else if (name == "removeprefix") {
    std::string p = str_arg(args, 0, "prefix", name);
    out = Value(s.compare(0, p.size(), p) == 0 ? s.substr(p.size()) : s);
  } else if (name == "removesuffix") {
    std::string p = str_arg(args, 0, "suffix", name);
    bool has =
        !p.empty() && s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
    out = Value(has ? s.substr(0, s.size() - p.size()) : s);
  } else if (name == "expandtabs") {
    int64_t tab = int_arg(args, 0, "tabsize", 8);
    std::string r;
    int64_t col = 0;
    for (size_t i = 0; i < s.size();) {
      size_t st = i;
      uint32_t cp = py::decode_utf8(s, i);
      if (cp == '\t') {
        int64_t n = tab > 0 ? tab - col % tab : 0;
        r.append(static_cast<size_t>(n), ' ');
        col += n;
      } else {
        r.append(s, st, i - st);
        col = (cp == '\n' || cp == '\r') ? 0 : col + 1;
      }
    }
    out = Value(std::move(r));
  } else if (name == "encode") {
    err::raise(err::kType, "bytes are not supported in templates");
  } else {
    return false;
  }
  return true;
}

[[noreturn]] void read_only(const Value& self, std::string_view name) {
  err::raise(err::kType, "'" + self.type_name() +
                             "' object from the printer status is read-only ('" +
                             std::string(name) + "' is not allowed; copy it first with |list or " +
                             "dict(...))");
}

bool list_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args,
                 Value& out) {
  if (self.is_json()) {
    if (name == "copy") {
      out = Value::from_json_copy(self.as_json());
      return true;
    }
    if (name != "count" && name != "index") read_only(self, name);
    Value copy = Value::from_json_copy(self.as_json());
    return list_method(in, copy, name, args, out);
  }
  List& items = self.items();
  bool is_list = self.is_list();
  out = Value::none();
  if (name == "count") {
    const Value& x = args.need(0, "value", "count");
    int64_t n = 0;
    for (const Value& v : items) n += equals(v, x) ? 1 : 0;
    out = Value(n);
  } else if (name == "index") {
    const Value& x = args.need(0, "value", "index");
    for (size_t i = 0; i < items.size(); ++i) {
      if (equals(items[i], x)) {
        out = Value(static_cast<int64_t>(i));
        return true;
      }
    }
    err::raise(err::kValue,
               is_list ? x.repr() + " is not in list" : "tuple.index(x): x not in tuple");
  } else if (!is_list) {
    return false;
  } else if (name == "append") {
    args.check("list.append", 1, {});
    in.check_size(items.size() + 1);
    items.push_back(args.need(0, "object", "append"));
  } else if (name == "extend") {
    List more = in.to_list(args.need(0, "iterable", "extend"));
    in.check_size(items.size() + more.size());
    items.insert(items.end(), more.begin(), more.end());
  } else if (name == "insert") {
    int64_t i = int_arg(args, 0, "index", 0);
    const Value& x = args.need(1, "object", "insert");
    int64_t n = static_cast<int64_t>(items.size());
    if (i < 0) i = std::max<int64_t>(0, i + n);
    i = std::min(i, n);
    in.check_size(items.size() + 1);
    items.insert(items.begin() + i, x);
  } else if (name == "pop") {
    if (items.empty()) err::raise(err::kIndex, "pop from empty list");
    int64_t n = static_cast<int64_t>(items.size());
    int64_t i = int_arg(args, 0, "index", -1);
    if (i < 0) i += n;
    if (i < 0 || i >= n) err::raise(err::kIndex, "pop index out of range");
    out = items[i];
    items.erase(items.begin() + i);
  } else if (name == "remove") {
    const Value& x = args.need(0, "value", "remove");
    auto it =
        std::find_if(items.begin(), items.end(), [&](const Value& v) { return equals(v, x); });
    if (it == items.end()) err::raise(err::kValue, "list.remove(x): x not in list");
    items.erase(it);
  } else if (name == "reverse") {
    std::reverse(items.begin(), items.end());
  } else if (name == "sort") {
    if (args.find(0, "key") && !args.find(0, "key")->is_none()) {
      err::raise(err::kType, "sort() key functions are not supported in templates");
    }
    bool rev = args.get(1, "reverse", Value(false)).truthy();
    List sorted = items;
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Value& a, const Value& b) {
      return rev ? less_than(b, a) : less_than(a, b);
    });
    items.swap(sorted);
  } else if (name == "clear") {
    items.clear();
  } else if (name == "copy") {
    out = Value::list(items);
  } else {
    return false;
  }
  return true;
}

// dict.keys()/values()/items(): listed now, printed as Python prints the views.
Value dict_view(std::string_view name, List items) {
  static const auto keys =
      std::make_shared<const TupleType>(TupleType{"dict_keys", {}, false, true});
  static const auto values =
      std::make_shared<const TupleType>(TupleType{"dict_values", {}, false, true});
  static const auto pairs =
      std::make_shared<const TupleType>(TupleType{"dict_items", {}, false, true});
  const auto& type = name == "keys" ? keys : name == "values" ? values : pairs;
  return Value::named_tuple(type, std::move(items));
}

bool dict_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args,
                 Value& out) {
  if (self.is_json()) {
    const Json& j = self.as_json();
    if (name == "get") {
      const Value& k = args.need(0, "key", "get");
      Value dflt = args.get(1, "default", Value::none());
      auto it = k.is_str() ? j.find(k.as_str()) : j.end();
      out = it == j.end() ? dflt : Value::json_node(self.json_owner(), &*it);
      return true;
    }
    if (name == "keys" || name == "values" || name == "items") {
      List r;
      for (auto it = j.begin(); it != j.end(); ++it) {
        in.charge();
        Value v = name == "keys" ? Value(it.key()) : Value::json_node(self.json_owner(), &*it);
        if (name == "items") v = Value::tuple({Value(it.key()), v});
        r.push_back(std::move(v));
      }
      out = dict_view(name, std::move(r));
      return true;
    }
    if (name == "copy") {
      out = Value::from_json_copy(j);
      return true;
    }
    read_only(self, name);
  }
  Dict& d = self.as_dict();
  out = Value::none();
  if (name == "get") {
    const Value& k = args.need(0, "key", "get");
    const Value* v = d.find(k);
    out = v ? *v : args.get(1, "default", Value::none());
  } else if (name == "keys" || name == "values" || name == "items") {
    List r;
    r.reserve(d.size());
    for (const auto& [k, v] : d.entries()) {
      in.charge();
      r.push_back(name == "keys" ? k : name == "values" ? v : Value::tuple({k, v}));
    }
    out = dict_view(name, std::move(r));
  } else if (name == "update") {
    if (args.size() > 1)
      err::raise(err::kType,
                 "update expected at most 1 argument, got " + std::to_string(args.size()));
    if (args.size() == 1) {
      const Value& other = args.args[0];
      if (other.is_mapping()) {
        for (const Value& k : in.to_list(other)) d.set(k, in.getitem(other, k));
      } else {
        size_t idx = 0;
        in.iterate(other, [&](const Value& pair) {
          List kv = in.to_list(pair);
          if (kv.size() != 2) {
            err::raise(err::kValue, "dictionary update sequence element #" + std::to_string(idx) +
                                        " has length " + std::to_string(kv.size()) +
                                        "; 2 is required");
          }
          d.set(kv[0], kv[1]);
          ++idx;
        });
      }
    }
    for (const auto& [k, v] : args.kwargs) d.set(k, v);
    in.check_size(d.size());
  } else if (name == "pop") {
    const Value& k = args.need(0, "key", "pop");
    const Value* v = d.find(k);
    if (v) {
      out = *v;
      d.erase(k);
    } else if (args.size() > 1) {
      out = args.args[1];
    } else {
      err::raise(err::kKey, k.repr());
    }
  } else if (name == "setdefault") {
    const Value& k = args.need(0, "key", "setdefault");
    const Value* v = d.find(k);
    if (v) {
      out = *v;
    } else {
      out = args.get(1, "default", Value::none());
      d.set(k, out);
    }
  } else if (name == "popitem") {
    if (d.empty()) err::raise(err::kKey, "'popitem(): dictionary is empty'");
    auto last = d.entries().back();
    d.erase(last.first);
    out = Value::tuple({last.first, last.second});
  } else if (name == "copy") {
    out = Value::dict(d);
  } else if (name == "clear") {
    d.clear();
  } else if (name == "fromkeys") {
    Dict r;
    Value v = args.get(1, "value", Value::none());
    in.iterate(args.need(0, "iterable", "fromkeys"), [&](const Value& k) { r.set(k, v); });
    out = Value::dict(std::move(r));
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool has_method(const Value& self, std::string_view name) {
  switch (self.kind()) {
    case Kind::kStr:
      return in_list(kStrMethods, name);
    case Kind::kList:
      return in_list(kListMethods, name);
    case Kind::kTuple:
    case Kind::kRange:
      return in_list(kTupleMethods, name);
    case Kind::kDict:
      return in_list(kDictMethods, name);
    case Kind::kJson:
      return self.as_json().is_object() ? in_list(kDictMethods, name) : in_list(kListMethods, name);
    case Kind::kFloat:
      return in_list(kFloatMethods, name);
    case Kind::kInt:
    case Kind::kBool:
      return in_list(kIntMethods, name);
    default:
      return false;
  }
}

Value bound_method(const Value& self, std::string_view name) {
  return Value::object(std::make_shared<BoundMethod>(self, std::string(name)));
}

bool builtin_attribute(const Value& self, std::string_view name, Value& out) {
  if (const TupleType* tt = self.tuple_type()) {
    for (size_t i = 0; i < tt->fields.size() && i < self.items().size(); ++i) {
      if (tt->fields[i] == name) {
        out = self.items()[i];
        return true;
      }
    }
  }
  if (self.is_number() && (name == "real" || name == "imag")) {
    out = name == "imag" ? (self.is_float() ? Value(0.0) : Value(0))
                         : (self.is_float() ? self : Value(self.to_int()));
    return true;
  }
  if (self.is_range() && (name == "start" || name == "stop" || name == "step")) {
    const Range& r = self.as_range();
    out = Value(name == "start" ? r.start : name == "stop" ? r.stop : r.step);
    return true;
  }
  return false;
}

bool call_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args,
                 Value& out) {
  switch (self.kind()) {
    case Kind::kStr:
      return str_method(in, self.as_str(), name, args, out);
    case Kind::kList:
    case Kind::kTuple:
      return list_method(in, self, name, args, out);
    case Kind::kRange: {
      Value items = Value::tuple(in.to_list(self));
      return list_method(in, items, name, args, out);
    }
    case Kind::kDict:
      return dict_method(in, self, name, args, out);
    case Kind::kJson:
      return self.as_json().is_object() ? dict_method(in, self, name, args, out)
                                        : list_method(in, self, name, args, out);
    case Kind::kFloat: {
      double d = self.as_float();
      if (name == "is_integer") {
        out = Value(std::isfinite(d) && d == std::floor(d));
      } else if (name == "conjugate") {
        out = self;
      } else {
        err::raise(err::kType, "float." + std::string(name) + "() is not supported in templates");
      }
      return true;
    }
    case Kind::kInt:
    case Kind::kBool: {
      int64_t i = self.to_int();
      if (name == "bit_length" || name == "bit_count") {
        uint64_t m = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
        out = Value(static_cast<int64_t>(name == "bit_length" ? (m ? 64 - __builtin_clzll(m) : 0)
                                                              : __builtin_popcountll(m)));
      } else if (name == "conjugate") {
        out = Value(i);
      } else {
        err::raise(err::kType, "int." + std::string(name) + "() is not supported in templates");
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace kpp::tmpl
