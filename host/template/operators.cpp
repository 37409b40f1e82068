// Python's operators on template values: arithmetic with int/float promotion, sequence
// concatenation and repetition, string formatting with %, ordering, membership and len().
#include <cmath>
#include <limits>

#include "core/json.h"
#include "template/errors.h"
#include "template/interpreter.h"
#include "template/pystr.h"

namespace kpp::tmpl {

void raise_undefined(const Value& v) {
  err::raise(err::kUndefined, v.undefined_message());
}

namespace {

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::kAdd:
      return "+";
    case BinOp::kSub:
      return "-";
    case BinOp::kMul:
      return "*";
    case BinOp::kDiv:
      return "/";
    case BinOp::kFloorDiv:
      return "//";
    case BinOp::kMod:
      return "%";
    case BinOp::kPow:
      return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
  err::raise(err::kType, std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" +
                             a.type_name() + "' and '" + b.type_name() + "'");
}

[[noreturn]] void int_overflow() {
  err::raise(err::kOverflow, "integer result does not fit in 64 bits");
}

double float_mod(double a, double b) {
  if (b == 0) err::raise(err::kZeroDivision, "float modulo");
  double m = std::fmod(a, b);
  if (m != 0) {
    if ((b < 0) != (m < 0)) m += b;
  } else {
    m = std::copysign(0.0, b);
  }
  return m;
}

double float_floordiv(double a, double b) {
  if (b == 0) err::raise(err::kZeroDivision, "float floor division by zero");
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div != 0) {
    double f = std::floor(div);
    if (div - f > 0.5) f += 1.0;
    return f;
  }
  return std::copysign(0.0, a / b);
}

int64_t int_floordiv(int64_t a, int64_t b) {
  if (b == 0) err::raise(err::kZeroDivision, "integer division or modulo by zero");
  if (a == std::numeric_limits<int64_t>::min() && b == -1) int_overflow();
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t int_mod(int64_t a, int64_t b) {
  if (b == 0) err::raise(err::kZeroDivision, "integer modulo by zero");
  if (b == -1) return 0;
  int64_t m = a % b;
  if (m != 0 && ((m < 0) != (b < 0))) m += b;
  return m;
}

Value int_pow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 0) err::raise(err::kZeroDivision, "0.0 cannot be raised to a negative power");
    return Value(std::pow(static_cast<double>(base), static_cast<double>(exp)));
  }
  int64_t result = 1;
  int64_t b = base;
  while (exp > 0) {
    if (exp & 1) {
      if (__builtin_mul_overflow(result, b, &result)) int_overflow();
    }
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(b, b, &b)) int_overflow();
  }
  return Value(result);
}

Value float_pow(double a, double b) {
  if (a == 0 && b < 0) err::raise(err::kZeroDivision, "0.0 cannot be raised to a negative power");
  if (a < 0 && b != std::floor(b) && std::isfinite(b)) {
    err::raise(err::kValue,
               "complex numbers are not supported (negative number raised to a "
               "fractional power)");
  }
  double r = std::pow(a, b);
  if (std::isinf(r) && std::isfinite(a) && std::isfinite(b)) {
    err::raise(err::kOverflow, "(34, 'Numerical result out of range')");
  }
  return Value(r);
}

Value arith(BinOp op, const Value& a, const Value& b) {
  if (!a.is_float() && !b.is_float()) {
    int64_t x = a.to_int();
    int64_t y = b.to_int();
    int64_t r;
    switch (op) {
      case BinOp::kAdd:
        if (__builtin_add_overflow(x, y, &r)) int_overflow();
        return Value(r);
      case BinOp::kSub:
        if (__builtin_sub_overflow(x, y, &r)) int_overflow();
        return Value(r);
      case BinOp::kMul:
        if (__builtin_mul_overflow(x, y, &r)) int_overflow();
        return Value(r);
      case BinOp::kDiv:
        if (y == 0) err::raise(err::kZeroDivision, "division by zero");
        return Value(
            static_cast<double>(static_cast<long double>(x) / static_cast<long double>(y)));
      case BinOp::kFloorDiv:
        return Value(int_floordiv(x, y));
      case BinOp::kMod:
        return Value(int_mod(x, y));
      case BinOp::kPow:
        return int_pow(x, y);
    }
  }
  double x = a.to_double();
  double y = b.to_double();
  switch (op) {
    case BinOp::kAdd:
      return Value(x + y);
    case BinOp::kSub:
      return Value(x - y);
    case BinOp::kMul:
      return Value(x * y);
    case BinOp::kDiv:
      if (y == 0) err::raise(err::kZeroDivision, "float division by zero");
      return Value(x / y);
    case BinOp::kFloorDiv:
      return Value(float_floordiv(x, y));
    case BinOp::kMod:
      return Value(float_mod(x, y));
    case BinOp::kPow:
      return float_pow(x, y);
  }
  return Value();
}

bool is_seq_for_concat(const Value& v) {
  return v.is_list() || v.is_tuple() || v.is_json_array();
}

List seq_items(const Value& v, Interpreter& in) {
  return in.to_list(v);
}

// Rejects a repetition whose result would exceed the container limit.
void check_repeat(Interpreter& in, size_t unit, int64_t n) {
  if (unit != 0 && static_cast<uint64_t>(n) > in.limits().max_container / unit) {
    err::raise(err::kMemory, "repeated sequence exceeds the limit of " +
                                 std::to_string(in.limits().max_container) + " elements");
  }
}

Value repeat(const Value& seq, int64_t n, Interpreter& in) {
  if (n < 0) n = 0;
  if (seq.is_str()) {
    const std::string& s = seq.as_str();
    check_repeat(in, s.size(), n);
    std::string out;
    out.reserve(s.size() * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += s;
    return Value(std::move(out));
  }
  List items = seq_items(seq, in);
  check_repeat(in, items.size(), n);
  List out;
  out.reserve(items.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  in.charge(out.size());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

}  // namespace

Value binary_op(BinOp op, const Value& a, const Value& b, Interpreter& in) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) return arith(op, a, b);
  switch (op) {
    case BinOp::kAdd:
      if (a.is_str()) {
        if (!b.is_str()) {
          err::raise(err::kType, "can only concatenate str (not \"" + b.type_name() + "\") to str");
        }
        in.check_size(a.as_str().size() + b.as_str().size());
        return Value(a.as_str() + b.as_str());
      }
      if (is_seq_for_concat(a)) {
        bool a_list = !a.is_tuple();
        bool b_ok = a_list ? (b.is_list() || b.is_json_array()) : b.is_tuple();
        if (!b_ok) {
          if (!is_seq_for_concat(b) && !b.is_str()) unsupported(op, a, b);
          err::raise(err::kType, "can only concatenate " + a.type_name() + " (not \"" +
                                     b.type_name() + "\") to " + a.type_name());
        }
        List items = seq_items(a, in);
        List more = seq_items(b, in);
        in.check_size(items.size() + more.size());
        items.insert(items.end(), more.begin(), more.end());
        return a_list ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      unsupported(op, a, b);
    case BinOp::kMul: {
      const Value* seq = nullptr;
      const Value* count = nullptr;
      if (a.is_str() || is_seq_for_concat(a)) {
        seq = &a;
        count = &b;
      } else if (b.is_str() || is_seq_for_concat(b)) {
        seq = &b;
        count = &a;
      }
      if (!seq) unsupported(op, a, b);
      if (!(count->is_int() || count->is_bool())) {
        err::raise(err::kType,
                   "can't multiply sequence by non-int of type '" + count->type_name() + "'");
      }
      return repeat(*seq, count->to_int(), in);
    }
    case BinOp::kMod:
      if (a.is_str()) return percent_format(a.as_str(), b);
      unsupported(op, a, b);
    default:
      unsupported(op, a, b);
  }
}

Value negate(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      raise_undefined(v);
    case Kind::kBool:
    case Kind::kInt:
      if (v.to_int() == std::numeric_limits<int64_t>::min()) int_overflow();
      return Value(-v.to_int());
    case Kind::kFloat:
      return Value(-v.as_float());
    default:
      err::raise(err::kType, "bad operand type for unary -: '" + v.type_name() + "'");
  }
}

Value positive(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      raise_undefined(v);
    case Kind::kBool:
    case Kind::kInt:
      return Value(v.to_int());
    case Kind::kFloat:
      return v;
    default:
      err::raise(err::kType, "bad operand type for unary +: '" + v.type_name() + "'");
  }
}

namespace {

// -1, 0, 1 for a < b, a == b, a > b; TypeError if Python cannot order them.
int order(const Value& a, const Value& b, const char* op);

[[noreturn]] void unorderable(const Value& a, const Value& b, const char* op) {
  err::raise(err::kType, std::string("'") + op + "' not supported between instances of '" +
                             a.type_name() + "' and '" + b.type_name() + "'");
}

int order_num(const Value& a, const Value& b) {
  if (!a.is_float() && !b.is_float()) {
    int64_t x = a.to_int();
    int64_t y = b.to_int();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  double x = a.to_double();
  double y = b.to_double();
  if (std::isnan(x) || std::isnan(y)) return 2;  // unordered: every comparison is false
  return x < y ? -1 : x > y ? 1 : 0;
}

int order_seq(const Value& a, const Value& b, const char* op) {
  List x = a.is_json() ? Value::from_json_copy(a.as_json()).items() : a.items();
  List y = b.is_json() ? Value::from_json_copy(b.as_json()).items() : b.items();
  size_t n = std::min(x.size(), y.size());
  for (size_t i = 0; i < n; ++i) {
    if (equals(x[i], y[i])) continue;
    return order(x[i], y[i], op);
  }
  return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
}

int order(const Value& a, const Value& b, const char* op) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) return order_num(a, b);
  if (a.is_str() && b.is_str()) {
    int c = a.as_str().compare(b.as_str());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  bool a_list = a.is_list() || a.is_json_array();
  bool b_list = b.is_list() || b.is_json_array();
  if ((a_list && b_list) || (a.is_tuple() && b.is_tuple())) return order_seq(a, b, op);
  unorderable(a, b, op);
}

}  // namespace

bool less_than(const Value& a, const Value& b) {
  return order(a, b, "<") == -1;
}

bool compare_op(CmpOp op, const Value& a, const Value& b) {
  switch (op) {
    case CmpOp::kEq:
      return equals(a, b);
    case CmpOp::kNe:
      return !equals(a, b);
    case CmpOp::kLt:
      return order(a, b, "<") == -1;
    case CmpOp::kLtEq: {
      int o = order(a, b, "<=");
      return o == -1 || o == 0;
    }
    case CmpOp::kGt:
      return order(a, b, ">") == 1;
    case CmpOp::kGtEq: {
      int o = order(a, b, ">=");
      return o == 1 || o == 0;
    }
    case CmpOp::kIn:
      return contains(b, a);
    case CmpOp::kNotIn:
      return !contains(b, a);
  }
  return false;
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Kind::kUndefined:
      return false;
    case Kind::kStr:
      if (!item.is_str()) {
        err::raise(err::kType,
                   "'in <string>' requires string as left operand, not " + item.type_name());
      }
      return container.as_str().find(item.as_str()) != std::string::npos;
    case Kind::kList:
    case Kind::kTuple:
      for (const Value& v : container.items()) {
        if (equals(v, item)) return true;
      }
      return false;
    case Kind::kRange: {
      const Range& r = container.as_range();
      int64_t x;
      if (item.is_int() || item.is_bool()) {
        x = item.to_int();
      } else if (item.is_float() && item.as_float() == std::floor(item.as_float()) &&
                 std::fabs(item.as_float()) < 9.2e18) {
        x = static_cast<int64_t>(item.as_float());
      } else {
        return false;
      }
      if (r.step > 0 ? (x < r.start || x >= r.stop) : (x > r.start || x <= r.stop)) return false;
      return (x - r.start) % r.step == 0;
    }
    case Kind::kDict:
      (void)hash_value(item);
      return container.as_dict().find(item) != nullptr;
    case Kind::kJson: {
      const Json& j = container.as_json();
      if (j.is_object()) {
        (void)hash_value(item);
        return item.is_str() && j.contains(item.as_str());
      }
      for (const auto& e : j) {
        if (equals(Value::json_node(nullptr, &e), item)) return true;
      }
      return false;
    }
    case Kind::kObject:
      return container.as_object().contains(item);
    default:
      err::raise(err::kType, "argument of type '" + container.type_name() + "' is not iterable");
  }
}

int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return 0;
    case Kind::kStr:
      return static_cast<int64_t>(py::cp_length(v.as_str()));
    case Kind::kList:
    case Kind::kTuple:
      return static_cast<int64_t>(v.items().size());
    case Kind::kDict:
      return static_cast<int64_t>(v.as_dict().size());
    case Kind::kRange:
      return v.as_range().size();
    case Kind::kJson:
      return static_cast<int64_t>(v.as_json().size());
    case Kind::kObject: {
      int64_t n = v.as_object().length();
      if (n >= 0) return n;
      std::vector<Value> keys;
      if (v.as_object().keys(keys)) return static_cast<int64_t>(keys.size());
      break;
    }
    default:
      break;
  }
  err::raise(err::kType, "object of type '" + v.type_name() + "' has no len()");
}

}  // namespace kpp::tmpl
