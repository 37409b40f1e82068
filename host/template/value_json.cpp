// Between the value model and JSON: zero-copy views of status documents, conversion back to Json
// for the host, and Python's json.dumps for the |tojson filter.
#include <algorithm>
#include <cmath>

#include "core/json.h"
#include "template/errors.h"
#include "template/pystr.h"
#include "template/value.h"

namespace kpp::tmpl {

Value Value::json_node(const std::shared_ptr<const void>& owner, const Json* node) {
  switch (node->type()) {
    case Json::value_t::null:
      return Value::none();
    case Json::value_t::boolean:
      return Value(node->get<bool>());
    case Json::value_t::number_integer:
      return Value(static_cast<int64_t>(node->get<int64_t>()));
    case Json::value_t::number_unsigned:
      return Value(static_cast<int64_t>(node->get<uint64_t>()));
    case Json::value_t::number_float:
      return Value(node->get<double>());
    case Json::value_t::string:
      return Value(node->get_ref<const std::string&>());
    case Json::value_t::array:
    case Json::value_t::object: {
      if (!owner) return from_json_copy(*node);
      Value v;
      v.kind_ = Kind::kJson;
      v.j_ = node;
      v.ptr_ = owner;
      return v;
    }
    default:
      return Value::none();
  }
}

Value Value::from_json(std::shared_ptr<const Json> root) {
  const Json* node = root.get();
  return json_node(std::static_pointer_cast<const void>(root), node);
}

Value Value::from_json_copy(const Json& j) {
  if (j.is_array()) {
    List items;
    items.reserve(j.size());
    for (const auto& e : j) items.push_back(from_json_copy(e));
    return list(std::move(items));
  }
  if (j.is_object()) {
    Dict d;
    for (auto it = j.begin(); it != j.end(); ++it) d.set(it.key(), from_json_copy(it.value()));
    return dict(std::move(d));
  }
  return json_node(nullptr, &j);
}

static std::string json_key(const Value& k) {
  switch (k.kind()) {
    case Kind::kStr:
      return k.as_str();
    case Kind::kNone:
      return "null";
    case Kind::kBool:
      return k.as_bool() ? "true" : "false";
    case Kind::kInt:
    case Kind::kFloat:
      return k.str();
    default:
      err::raise(err::kType, "keys must be str, int, float, bool or None, not " + k.type_name());
  }
}

Json Value::to_json() const {
  switch (kind_) {
    case Kind::kNone:
      return nullptr;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_;
    case Kind::kFloat:
      return f_;
    case Kind::kStr:
      return as_str();
    case Kind::kList:
    case Kind::kTuple: {
      Json j = Json::array();
      for (const Value& e : items()) j.push_back(e.to_json());
      return j;
    }
    case Kind::kDict: {
      Json j = Json::object();
      for (const auto& [k, v] : as_dict().entries()) j[json_key(k)] = v.to_json();
      return j;
    }
    case Kind::kJson:
      return *j_;
    case Kind::kObject:
      return as_object().to_json();
    default:
      err::raise(err::kType, "Object of type " + type_name() + " is not JSON serializable");
  }
}

namespace {

void dump_string(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out += '"';
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = py::decode_utf8(s, i);
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (cp >= 0x20 && cp < 0x7f) {
      out += static_cast<char>(cp);
      continue;
    }
    auto put = [&](uint32_t u) {
      out += "\\u";
      for (int sh = 12; sh >= 0; sh -= 4) out += kHex[(u >> sh) & 15];
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(0xd800 + (cp >> 10));
      put(0xdc00 + (cp & 0x3ff));
    } else {
      put(cp);
    }
  }
  out += '"';
}

void dump_float(std::string& out, double d) {
  if (std::isnan(d)) {
    out += "NaN";
  } else if (std::isinf(d)) {
    out += d < 0 ? "-Infinity" : "Infinity";
  } else {
    py::append_float_repr(out, d);
  }
}

struct Dumper {
  bool sort_keys;
  int indent;
  std::string out;

  void newline(int level) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent) * level, ' ');
  }

  void dump_json(const Json& j, int level) {
    switch (j.type()) {
      case Json::value_t::array: {
        if (j.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        bool first = true;
        for (const auto& e : j) {
          if (!first) out += indent >= 0 ? "," : ", ";
          first = false;
          newline(level + 1);
          dump_json(e, level + 1);
        }
        newline(level);
        out += ']';
        return;
      }
      case Json::value_t::object: {
        if (j.empty()) {
          out += "{}";
          return;
        }
        std::vector<std::pair<const std::string*, const Json*>> items;
        for (auto it = j.begin(); it != j.end(); ++it) items.emplace_back(&it.key(), &it.value());
        if (sort_keys) {
          std::sort(items.begin(), items.end(),
                    [](const auto& a, const auto& b) { return *a.first < *b.first; });
        }
        out += '{';
        bool first = true;
        for (const auto& [k, v] : items) {
          if (!first) out += indent >= 0 ? "," : ", ";
          first = false;
          newline(level + 1);
          dump_string(out, *k);
          out += ": ";
          dump_json(*v, level + 1);
        }
        newline(level);
        out += '}';
        return;
      }
      case Json::value_t::number_float:
        dump_float(out, j.get<double>());
        return;
      case Json::value_t::string:
        dump_string(out, j.get_ref<const std::string&>());
        return;
      default:
        out += j.dump();
    }
  }

  void dump(const Value& v, int level) {
    if (level > 200) err::raise(err::kValue, "Circular reference detected");
    switch (v.kind()) {
      case Kind::kNone:
        out += "null";
        return;
      case Kind::kBool:
        out += v.as_bool() ? "true" : "false";
        return;
      case Kind::kInt:
        out += std::to_string(v.as_int());
        return;
      case Kind::kFloat:
        dump_float(out, v.as_float());
        return;
      case Kind::kStr:
        dump_string(out, v.as_str());
        return;
      case Kind::kList:
      case Kind::kTuple: {
        const List& items = v.items();
        if (items.empty()) {
          out += "[]";
          return;
        }
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += indent >= 0 ? "," : ", ";
          newline(level + 1);
          dump(items[i], level + 1);
        }
        newline(level);
        out += ']';
        return;
      }
      case Kind::kDict: {
        const auto& entries = v.as_dict().entries();
        if (entries.empty()) {
          out += "{}";
          return;
        }
        std::vector<std::pair<std::string, const Value*>> items;
        for (const auto& [k, val] : entries) items.emplace_back(json_key(k), &val);
        if (sort_keys) {
          bool all_str = std::all_of(entries.begin(), entries.end(),
                                     [](const auto& e) { return e.first.is_str(); });
          bool all_num = std::all_of(entries.begin(), entries.end(),
                                     [](const auto& e) { return e.first.is_number(); });
          if (!all_str && !all_num) {
            err::raise(err::kType, "'<' not supported between instances of '" +
                                       entries[1].first.type_name() + "' and '" +
                                       entries[0].first.type_name() + "'");
          }
          if (all_num) {
            std::vector<size_t> order(entries.size());
            for (size_t i = 0; i < order.size(); ++i) order[i] = i;
            std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
              return entries[a].first.to_double() < entries[b].first.to_double();
            });
            std::vector<std::pair<std::string, const Value*>> sorted;
            for (size_t i : order) sorted.push_back(items[i]);
            items.swap(sorted);
          } else {
            std::stable_sort(items.begin(), items.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
          }
        }
        out += '{';
        bool first = true;
        for (const auto& [k, val] : items) {
          if (!first) out += indent >= 0 ? "," : ", ";
          first = false;
          newline(level + 1);
          dump_string(out, k);
          out += ": ";
          dump(*val, level + 1);
        }
        newline(level);
        out += '}';
        return;
      }
      case Kind::kJson:
        dump_json(v.as_json(), level);
        return;
      case Kind::kObject: {
        Value copy = Value::from_json_copy(v.as_object().to_json());
        dump(copy, level);
        return;
      }
      default:
        err::raise(err::kType, "Object of type " + v.type_name() + " is not JSON serializable");
    }
  }
};

}  // namespace

std::string json_dumps(const Value& v, bool sort_keys, int indent) {
  Dumper d{sort_keys, indent, {}};
  d.dump(v, 0);
  return std::move(d.out);
}

}  // namespace kpp::tmpl
