// Jinja2's built-in tests, used as `x is defined`, `n is divisibleby 3`, select('odd'), ...
#include <cmath>
#include <unordered_map>

#include "template/errors.h"
#include "template/filters.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

using filters::Params;

const Value& one_arg(CallArgs& args, const char* fn) {
  if (args.args.size() + args.kwargs.size() != 1) {
    err::raise(err::kType, std::string(fn) + "() takes exactly 2 arguments");
  }
  return args.args.empty() ? args.kwargs[0].second : args.args[0];
}

void no_args(CallArgs& args, const char* fn) {
  if (!args.args.empty() || !args.kwargs.empty()) {
    err::raise(err::kType, std::string(fn) + "() takes 1 positional argument but " +
                               std::to_string(args.args.size() + args.kwargs.size() + 1) +
                               " were given");
  }
}

bool mod_equals(Interpreter& in, const Value& v, const Value& n, int64_t want) {
  Value m = binary_op(BinOp::kMod, v, n, in);
  return equals(m, Value(want));
}

bool t_odd(Interpreter& in, const Value& v, CallArgs& a) {
  no_args(a, "test_odd");
  return mod_equals(in, v, Value(2), 1);
}
bool t_even(Interpreter& in, const Value& v, CallArgs& a) {
  no_args(a, "test_even");
  return mod_equals(in, v, Value(2), 0);
}
bool t_divisibleby(Interpreter& in, const Value& v, CallArgs& a) {
  return mod_equals(in, v, one_arg(a, "test_divisibleby"), 0);
}
bool t_defined(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_defined");
  return !v.is_undefined();
}
bool t_undefined(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_undefined");
  return v.is_undefined();
}
bool t_filter(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_filter");
  return v.is_str() && find_filter(v.as_str()) != nullptr;
}
bool t_test(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_test");
  return v.is_str() && find_test(v.as_str()) != nullptr;
}
bool t_none(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_none");
  return v.is_none();
}
bool t_boolean(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_boolean");
  return v.is_bool();
}
bool t_false(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_false");
  return v.is_bool() && !v.as_bool();
}
bool t_true(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_true");
  return v.is_bool() && v.as_bool();
}
bool t_integer(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_integer");
  return v.is_int();
}
bool t_float(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_float");
  return v.is_float();
}
bool t_lower(Interpreter& in, const Value& v, CallArgs& a) {
  no_args(a, "test_lower");
  Value out;
  CallArgs none;
  call_method(in, Value(v.str()), "islower", none, out);
  return out.as_bool();
}
bool t_upper(Interpreter& in, const Value& v, CallArgs& a) {
  no_args(a, "test_upper");
  Value out;
  CallArgs none;
  call_method(in, Value(v.str()), "isupper", none, out);
  return out.as_bool();
}
bool t_string(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_string");
  return v.is_str();
}
bool t_mapping(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_mapping");
  return v.is_mapping();
}
bool t_number(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_number");
  return v.is_number();
}
bool t_sequence(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_sequence");
  // len() and __getitem__: strings, lists, tuples, ranges, dicts (and Undefined).
  if (v.is_object()) return v.as_object().length() >= 0;
  return v.is_str() || v.is_sequence() || v.is_dict() || v.is_json() || v.is_undefined();
}
bool t_iterable(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "test_iterable");
  if (v.is_object()) {
    std::vector<Value> keys;
    return v.as_object().keys(keys);
  }
  return v.is_str() || v.is_sequence() || v.is_dict() || v.is_json() || v.is_undefined();
}
bool t_callable(Interpreter&, const Value& v, CallArgs& a) {
  no_args(a, "callable");
  return v.is_callable() || v.is_undefined();
}
bool t_sameas(Interpreter&, const Value& v, CallArgs& a) {
  const Value& o = one_arg(a, "test_sameas");
  if (v.kind() != o.kind()) return false;
  switch (v.kind()) {
    case Kind::kNone:
      return true;
    case Kind::kBool:
      return v.as_bool() == o.as_bool();
    case Kind::kInt:
      // CPython shares the small integers.
      return v.as_int() == o.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case Kind::kStr:
      return v.identity() == o.identity();
    default:
      return v.identity() != nullptr && v.identity() == o.identity();
  }
}
bool t_escaped(Interpreter&, const Value&, CallArgs& a) {
  no_args(a, "test_escaped");
  return false;
}
bool t_in(Interpreter&, const Value& v, CallArgs& a) {
  return contains(one_arg(a, "test_in"), v);
}
bool t_eq(Interpreter&, const Value& v, CallArgs& a) {
  return compare_op(CmpOp::kEq, v, one_arg(a, "eq"));
}
bool t_ne(Interpreter&, const Value& v, CallArgs& a) {
  return compare_op(CmpOp::kNe, v, one_arg(a, "ne"));
}
bool t_gt(Interpreter&, const Value& v, CallArgs& a) {
  return compare_op(CmpOp::kGt, v, one_arg(a, "gt"));
}
bool t_ge(Interpreter&, const Value& v, CallArgs& a) {
  return compare_op(CmpOp::kGtEq, v, one_arg(a, "ge"));
}
bool t_lt(Interpreter&, const Value& v, CallArgs& a) {
  return compare_op(CmpOp::kLt, v, one_arg(a, "lt"));
}
bool t_le(Interpreter&, const Value& v, CallArgs& a) {
  return compare_op(CmpOp::kLtEq, v, one_arg(a, "le"));
}

}  // namespace

TestFn find_test(std::string_view name) {
  static const std::unordered_map<std::string_view, TestFn> registry = {
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"defined", t_defined},
      {"undefined", t_undefined},
      {"filter", t_filter},
      {"test", t_test},
      {"none", t_none},
      {"boolean", t_boolean},
      {"false", t_false},
      {"true", t_true},
      {"integer", t_integer},
      {"float", t_float},
      {"lower", t_lower},
      {"upper", t_upper},
      {"string", t_string},
      {"mapping", t_mapping},
      {"number", t_number},
      {"sequence", t_sequence},
      {"iterable", t_iterable},
      {"callable", t_callable},
      {"sameas", t_sameas},
      {"escaped", t_escaped},
      {"in", t_in},
      {"==", t_eq},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"!=", t_ne},
      {"ne", t_ne},
      {">", t_gt},
      {"gt", t_gt},
      {"greaterthan", t_gt},
      {"ge", t_ge},
      {">=", t_ge},
      {"<", t_lt},
      {"lt", t_lt},
      {"lessthan", t_lt},
      {"<=", t_le},
      {"le", t_le},
  };
  auto it = registry.find(name);
  return it == registry.end() ? nullptr : it->second;
}

}  // namespace kpp::tmpl
