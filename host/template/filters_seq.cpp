// Jinja2's built-in filters on sequences and mappings: length, join, sort, map, select, sum, ...
// Where Jinja2 returns a generator, these return a list (printing one shows the items rather
// than "<generator object ...>").
#include <algorithm>
#include <random>

#include "template/errors.h"
#include "template/filters.h"
#include "template/pystr.h"

namespace kpp::tmpl::filters {

namespace {

Value f_length(Interpreter&, Value v, CallArgs& args) {
  Params p("length", args, {});
  return Value(length_of(v));
}

Value f_list(Interpreter& in, Value v, CallArgs& args) {
  Params p("list", args, {});
  return Value::list(in.to_list(v));
}

Value f_first(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_first", args, {});
  if (v.is_list() || v.is_tuple()) {
    if (!v.items().empty()) return v.items().front();
  } else {
    Value first;
    bool found = false;
    struct Stop {};
    try {
      in.iterate(v, [&](const Value& item) {
        first = item;
        found = true;
        throw Stop{};
      });
    } catch (const Stop&) {
    }
    if (found) return first;
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_last", args, {});
  if (!(v.is_sequence() || v.is_str() || v.is_dict() || v.is_json() || v.is_undefined())) {
    err::raise(err::kType, "'" + v.type_name() + "' object is not reversible");
  }
  List items = in.to_list(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_join(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_join", args, {"d", "attribute"});
  std::string sep = p.get(0, Value("")).str();
  const Value* attr = p.at(1);
  std::string out;
  bool first = true;
  in.iterate(v, [&](const Value& item) {
    if (!first) out += sep;
    first = false;
    if (attr && !attr->is_none()) {
      get_attribute_path(in, item, *attr).append_str(out);
    } else {
      item.append_str(out);
    }
    in.check_size(out.size());
  });
  return Value(std::move(out));
}

// The key of an item for sort/min/max/unique: its attribute (if any), lower-cased unless
// case-sensitive.
Value sort_key(Interpreter& in, const Value& item, const Value* attr, bool case_sensitive) {
  Value k = attr && !attr->is_none() ? get_attribute_path(in, item, *attr) : item;
  return case_sensitive ? k : ignore_case(k);
}

Value min_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max, const char* fn) {
  Params p(fn, args, {"case_sensitive", "attribute"});
  bool cs = p.flag(0, false);
  const Value* attr = p.at(1);
  List items = in.to_list(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  Value best_key = sort_key(in, items[0], attr, cs);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = sort_key(in, items[i], attr, cs);
    bool better = want_max ? less_than(best_key, k) : less_than(k, best_key);
    if (better) {
      best = i;
      best_key = k;
    }
  }
  return items[best];
}

Value f_min(Interpreter& in, Value v, CallArgs& args) {
  return min_max(in, v, args, false, "do_min");
}
Value f_max(Interpreter& in, Value v, CallArgs& args) {
  return min_max(in, v, args, true, "do_max");
}

Value f_sum(Interpreter& in, Value v, CallArgs& args) {
  Params p("sync_do_sum", args, {"attribute", "start"});
  const Value* attr = p.at(0);
  Value total = p.get(1, Value(0));
  if (total.is_str()) err::raise(err::kType, "sum() can't sum strings [use ''.join(seq) instead]");
  in.iterate(v, [&](const Value& item) {
    Value x = attr && !attr->is_none() ? get_attribute_path(in, item, *attr) : item;
    total = binary_op(BinOp::kAdd, total, x, in);
  });
  return total;
}

Value f_sort(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_sort", args, {"reverse", "case_sensitive", "attribute"});
  bool rev = p.flag(0, false);
  bool cs = p.flag(1, false);
  const Value* attr = p.at(2);
  List items = in.to_list(v);
  // Jinja2 sorts by a list of keys (one per comma-separated attribute).
  std::vector<std::string> attrs;
  if (attr && attr->is_str()) {
    std::string a = attr->as_str();
    size_t start = 0;
    while (true) {
      size_t c = a.find(',', start);
      attrs.push_back(a.substr(start, c == std::string::npos ? std::string::npos : c - start));
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  std::vector<std::pair<Value, size_t>> keyed;
  keyed.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    List parts;
    if (!attrs.empty()) {
      for (const auto& a : attrs) {
        Value k = get_attribute_path(in, items[i], Value(a));
        parts.push_back(cs ? k : ignore_case(k));
      }
    } else {
      parts.push_back(sort_key(in, items[i], attr, cs));
    }
    keyed.emplace_back(Value::list(std::move(parts)), i);
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return rev ? less_than(b.first, a.first) : less_than(a.first, b.first);
  });
  List out;
  out.reserve(items.size());
  for (const auto& [k, i] : keyed) out.push_back(items[i]);
  return Value::list(std::move(out));
}

Value f_unique(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_unique", args, {"case_sensitive", "attribute"});
  bool cs = p.flag(0, false);
  const Value* attr = p.at(1);
  List out;
  Dict seen;
  in.iterate(v, [&](const Value& item) {
    Value k = sort_key(in, item, attr, cs);
    if (!seen.find(k)) {
      seen.set(k, Value(true));
      out.push_back(item);
    }
  });
  return Value::list(std::move(out));
}

Value f_map(Interpreter& in, Value v, CallArgs& args) {
  List out;
  const Value* attr = nullptr;
  for (const auto& [k, val] : args.kwargs) {
    if (k == "attribute") attr = &val;
  }
  if (args.args.empty() && attr) {
    Value dflt;
    for (const auto& [k, val] : args.kwargs) {
      if (k == "default") {
        dflt = val;
      } else if (k != "attribute") {
        err::raise(err::kFilterArgument, "Unexpected keyword argument '" + k + "'");
      }
    }
    in.iterate(v, [&](const Value& item) {
      Value x = get_attribute_path(in, item, *attr);
      if (x.is_undefined() && !dflt.is_undefined() && !dflt.is_none()) x = dflt;
      out.push_back(x);
    });
    return Value::list(std::move(out));
  }
  if (args.args.empty()) err::raise(err::kFilterArgument, "map requires a filter argument");
  std::string name = args.args[0].str();
  CallArgs rest;
  rest.args.assign(args.args.begin() + 1, args.args.end());
  rest.kwargs = args.kwargs;
  in.iterate(v, [&](const Value& item) {
    CallArgs each = rest;
    out.push_back(in.apply_filter(name, item, each));
  });
  return Value::list(std::move(out));
}

Value select_reject(Interpreter& in, const Value& v, CallArgs& args, bool select, bool by_attr) {
  List out;
  if (!v.truthy()) return Value::list(std::move(out));
  size_t off = 0;
  Value attr;
  if (by_attr) {
    if (args.args.empty()) err::raise(err::kFilterArgument, "Missing parameter for attribute name");
    attr = args.args[0];
    off = 1;
  }
  bool has_test = args.args.size() > off;
  std::string test = has_test ? args.args[off].str() : std::string();
  CallArgs rest;
  if (has_test) rest.args.assign(args.args.begin() + static_cast<long>(off) + 1, args.args.end());
  rest.kwargs = args.kwargs;
  in.iterate(v, [&](const Value& item) {
    Value x = by_attr ? get_attribute_path(in, item, attr) : item;
    bool ok;
    if (has_test) {
      CallArgs each = rest;
      ok = in.apply_test(test, x, each);
    } else {
      ok = x.truthy();
    }
    if (ok == select) out.push_back(item);
  });
  return Value::list(std::move(out));
}

Value f_select(Interpreter& in, Value v, CallArgs& args) {
  return select_reject(in, v, args, true, false);
}
Value f_reject(Interpreter& in, Value v, CallArgs& args) {
  return select_reject(in, v, args, false, false);
}
Value f_selectattr(Interpreter& in, Value v, CallArgs& args) {
  return select_reject(in, v, args, true, true);
}
Value f_rejectattr(Interpreter& in, Value v, CallArgs& args) {
  return select_reject(in, v, args, false, true);
}

Value f_batch(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_batch", args, {"linecount", "fill_with"}, 1);
  int64_t n = p.integer(0, 0);
  if (!p.at(0))
    err::raise(err::kType, "do_batch() missing 1 required positional argument: 'linecount'");
  const Value* fill = p.at(1);
  List out;
  List tmp;
  in.iterate(v, [&](const Value& item) {
    if (static_cast<int64_t>(tmp.size()) == n) {
      out.push_back(Value::list(std::move(tmp)));
      tmp.clear();
    }
    tmp.push_back(item);
  });
  if (!tmp.empty()) {
    if (fill && !fill->is_none()) {
      in.check_size(static_cast<size_t>(std::max<int64_t>(n, 0)));
      while (static_cast<int64_t>(tmp.size()) < n) tmp.push_back(*fill);
    }
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::list(std::move(out));
}

Value f_slice(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_slice", args, {"slices", "fill_with"}, 1);
  if (!p.at(0))
    err::raise(err::kType, "do_slice() missing 1 required positional argument: 'slices'");
  int64_t slices = p.integer(0, 1);
  if (slices == 0) err::raise(err::kZeroDivision, "integer division or modulo by zero");
  in.check_size(static_cast<size_t>(std::max<int64_t>(slices, 0)));
  const Value* fill = p.at(1);
  List seq = in.to_list(v);
  int64_t length = static_cast<int64_t>(seq.size());
  int64_t per = length / slices;
  int64_t with_extra = length % slices;
  int64_t offset = 0;
  List out;
  for (int64_t s = 0; s < slices; ++s) {
    int64_t start = offset + s * per;
    if (s < with_extra) ++offset;
    int64_t end = offset + (s + 1) * per;
    List tmp;
    for (int64_t i = std::max<int64_t>(start, 0); i < std::min(end, length); ++i)
      tmp.push_back(seq[i]);
    if (fill && !fill->is_none() && s >= with_extra) tmp.push_back(*fill);
    out.push_back(Value::list(std::move(tmp)));
  }
  return Value::list(std::move(out));
}

Value f_reverse(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_reverse", args, {});
  if (v.is_str()) {
    const std::string& s = v.as_str();
    std::vector<std::string_view> cps;
    for (size_t i = 0; i < s.size();) {
      size_t j = i;
      py::decode_utf8(s, j);
      cps.push_back(std::string_view(s).substr(i, j - i));
      i = j;
    }
    std::string out;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  List items = in.to_list(v);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value f_dictsort(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_dictsort", args, {"case_sensitive", "by", "reverse"});
  bool cs = p.flag(0, false);
  std::string by = p.get(1, Value("key")).str();
  bool rev = p.flag(2, false);
  size_t pos;
  if (by == "key") {
    pos = 0;
  } else if (by == "value") {
    pos = 1;
  } else {
    err::raise(err::kFilterArgument, "You can only sort by either \"key\" or \"value\"");
  }
  if (!v.is_mapping())
    err::raise(err::kAttribute, "'" + v.type_name() + "' object has no attribute 'items'");
  List pairs;
  for (const Value& k : in.to_list(v)) pairs.push_back(Value::tuple({k, in.getitem(v, k)}));
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    Value ka = a.items()[pos];
    Value kb = b.items()[pos];
    if (!cs) {
      ka = ignore_case(ka);
      kb = ignore_case(kb);
    }
    return rev ? less_than(kb, ka) : less_than(ka, kb);
  });
  return Value::list(std::move(pairs));
}

Value f_items(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_items", args, {});
  if (v.is_undefined()) return Value::list();
  if (!v.is_mapping()) err::raise(err::kType, "Can only get item pairs from a mapping.");
  List pairs;
  for (const Value& k : in.to_list(v)) pairs.push_back(Value::tuple({k, in.getitem(v, k)}));
  return Value::list(std::move(pairs));
}

Value f_groupby(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_groupby", args, {"attribute", "default", "case_sensitive"}, 1);
  if (!p.at(0))
    err::raise(err::kType, "do_groupby() missing 1 required positional argument: 'attribute'");
  Value attr = *p.at(0);
  Value dflt = p.get(1, Value::none());
  bool cs = p.flag(2, false);
  List items = in.to_list(v);
  auto key_of = [&](const Value& item, bool fold) {
    Value k = get_attribute_path(in, item, attr);
    if (k.is_undefined() && !dflt.is_none()) k = dflt;
    return fold && !cs ? ignore_case(k) : k;
  };
  std::vector<std::pair<Value, size_t>> keyed;
  for (size_t i = 0; i < items.size(); ++i) keyed.emplace_back(key_of(items[i], true), i);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return less_than(a.first, b.first); });
  static const auto type =
      std::make_shared<const TupleType>(TupleType{"_GroupTuple", {"grouper", "list"}, true});
  List out;
  for (size_t i = 0; i < keyed.size();) {
    size_t j = i;
    List group;
    while (j < keyed.size() && equals(keyed[j].first, keyed[i].first))
      group.push_back(items[keyed[j++].second]);
    Value grouper = key_of(group.front(), false);
    out.push_back(Value::named_tuple(type, {grouper, Value::list(std::move(group))}));
    i = j;
  }
  return Value::list(std::move(out));
}

Value f_random(Interpreter& in, Value v, CallArgs& args) {
  Params p("do_random", args, {});
  List items = in.to_list(v);
  if (items.empty()) return Value::undefined("No random item, sequence was empty.");
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return items[std::uniform_int_distribution<size_t>(0, items.size() - 1)(rng)];
}

}  // namespace

const std::vector<Entry>& sequence_filters() {
  static const std::vector<Entry> entries = {
      {"length", f_length},
      {"count", f_length},
      {"list", f_list},
      {"first", f_first},
      {"last", f_last},
      {"join", f_join},
      {"min", f_min},
      {"max", f_max},
      {"sum", f_sum},
      {"sort", f_sort},
      {"unique", f_unique},
      {"map", f_map},
      {"select", f_select},
      {"reject", f_reject},
      {"selectattr", f_selectattr},
      {"rejectattr", f_rejectattr},
      {"batch", f_batch},
      {"slice", f_slice},
      {"reverse", f_reverse},
      {"dictsort", f_dictsort},
      {"items", f_items},
      {"groupby", f_groupby},
      {"random", f_random},
  };
  return entries;
}

}  // namespace kpp::tmpl::filters
