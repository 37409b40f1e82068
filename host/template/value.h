// The value model of the macro language: Python's None/bool/int/float/str/list/tuple/dict plus
// Jinja2's Undefined, lazy host mappings, host callables and zero-copy views of JSON documents.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace kpp {
using Json = nlohmann::json;  // as host/core/json.h; the full header is only needed by users
}  // namespace kpp

namespace kpp::tmpl {

class Value;
class Dict;
class Object;
struct CallArgs;

using List = std::vector<Value>;

// What a Value holds. Json views are JSON arrays and objects shared with their owner; JSON scalars
// are converted to the native kinds when they are read.
enum class Kind : uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kStr,
  kList,
  kTuple,
  kDict,
  kRange,
  kJson,
  kObject,
};

// Python's range(start, stop, step), kept lazy.
struct Range {
  int64_t start = 0;
  int64_t stop = 0;
  int64_t step = 1;
  [[nodiscard]] int64_t size() const;
  [[nodiscard]] int64_t at(int64_t i) const { return start + i * step; }
};

// A tuple whose items are also reachable by name, like Python's collections.namedtuple (Klipper's
// Coord: printer.toolhead.position.x).
struct TupleType {
  std::string name;
  std::vector<std::string> fields;
  bool plain_repr = false;  // print as a plain tuple, like Jinja2's _GroupTuple
  bool list_view = false;   // print as name([...]), like dict.keys()'s dict_keys
};

// One dynamically typed value. Copies are cheap: heap payloads are shared, like Python references,
// so a list appended to through one copy changes for every holder.
class Value {
 public:
  Value() noexcept : kind_(Kind::kUndefined), i_(0) {}
  Value(std::nullptr_t) noexcept : kind_(Kind::kNone), i_(0) {}
  Value(bool b) noexcept : kind_(Kind::kBool), b_(b) {}
  Value(int i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(long i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(long long i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(unsigned i) noexcept : kind_(Kind::kInt), i_(i) {}
  Value(double f) noexcept : kind_(Kind::kFloat), f_(f) {}
  Value(std::string s);
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}

  static Value none() { return Value(nullptr); }
  // An undefined value; `hint` is the message raised when it is used ("'x' is undefined").
  static Value undefined(std::string hint);
  static Value undefined_name(std::string_view name);
  static Value undefined_attr(const Value& owner, std::string_view attr);
  static Value undefined_item(const Value& owner, const Value& key);
  static Value list(List items = {});
  static Value tuple(List items);
  static Value named_tuple(std::shared_ptr<const TupleType> type, List items);
  static Value dict(Dict d);
  static Value dict();
  static Value range(Range r);
  static Value object(std::shared_ptr<Object> obj);
  // A host function: `fn` gets the positional and keyword arguments of the call.
  static Value function(std::string name, std::function<Value(CallArgs&)> fn);
  // A read-only view of `root` (an array or object), without copying it; scalars are converted.
  static Value from_json(std::shared_ptr<const Json> root);
  // A copy of `j` as native values (lists and dicts), which templates may modify.
  static Value from_json_copy(const Json& j);
  // A view of `node`, a part of the document owned by `owner`.
  static Value json_node(const std::shared_ptr<const void>& owner, const Json* node);

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] bool is_undefined() const { return kind_ == Kind::kUndefined; }
  [[nodiscard]] bool is_none() const { return kind_ == Kind::kNone; }
  [[nodiscard]] bool is_bool() const { return kind_ == Kind::kBool; }
  [[nodiscard]] bool is_int() const { return kind_ == Kind::kInt; }
  [[nodiscard]] bool is_float() const { return kind_ == Kind::kFloat; }
  // bool, int or float (Python's numbers.Number, bool included).
  [[nodiscard]] bool is_number() const {
    return kind_ == Kind::kBool || kind_ == Kind::kInt || kind_ == Kind::kFloat;
  }
  [[nodiscard]] bool is_str() const { return kind_ == Kind::kStr; }
  [[nodiscard]] bool is_list() const { return kind_ == Kind::kList; }
  [[nodiscard]] bool is_tuple() const { return kind_ == Kind::kTuple; }
  [[nodiscard]] bool is_dict() const { return kind_ == Kind::kDict; }
  [[nodiscard]] bool is_range() const { return kind_ == Kind::kRange; }
  [[nodiscard]] bool is_json() const { return kind_ == Kind::kJson; }
  [[nodiscard]] bool is_json_array() const;
  [[nodiscard]] bool is_json_object() const;
  [[nodiscard]] bool is_object() const { return kind_ == Kind::kObject; }
  // dict, JSON object or a host mapping: something with keys.
  [[nodiscard]] bool is_mapping() const;
  // list, tuple, range or JSON array (not str).
  [[nodiscard]] bool is_sequence() const;
  [[nodiscard]] bool is_callable() const;

  [[nodiscard]] bool as_bool() const { return b_; }
  [[nodiscard]] int64_t as_int() const { return i_; }
  [[nodiscard]] double as_float() const { return f_; }
  // The number as a double (bool, int or float).
  [[nodiscard]] double to_double() const {
    return kind_ == Kind::kFloat ? f_ : kind_ == Kind::kInt ? static_cast<double>(i_) : b_ ? 1 : 0;
  }
  // bool or int as int64.
  [[nodiscard]] int64_t to_int() const { return kind_ == Kind::kInt ? i_ : b_ ? 1 : 0; }
  [[nodiscard]] const std::string& as_str() const {
    return *static_cast<const std::string*>(ptr_.get());
  }
  // The items of a list or tuple.
  [[nodiscard]] List& items() const;
  [[nodiscard]] Dict& as_dict() const { return *static_cast<Dict*>(const_cast<void*>(ptr_.get())); }
  [[nodiscard]] const Range& as_range() const { return *static_cast<const Range*>(ptr_.get()); }
  [[nodiscard]] const Json& as_json() const { return *j_; }
  // What keeps a JSON view's document alive (for views of its children).
  [[nodiscard]] const std::shared_ptr<const void>& json_owner() const { return ptr_; }
  [[nodiscard]] Object& as_object() const {
    return *static_cast<Object*>(const_cast<void*>(ptr_.get()));
  }
  [[nodiscard]] std::shared_ptr<Object> object_ptr() const;
  // The field names of a named tuple, or null.
  [[nodiscard]] const TupleType* tuple_type() const;
  // The message raised when an undefined value is used.
  [[nodiscard]] std::string undefined_message() const;
  // Identity of the shared payload (Python's `is` for containers).
  [[nodiscard]] const void* identity() const { return ptr_.get(); }

  // Python truthiness.
  [[nodiscard]] bool truthy() const;
  // Python str() and repr().
  [[nodiscard]] std::string str() const;
  [[nodiscard]] std::string repr() const;
  void append_str(std::string& out) const;
  void append_repr(std::string& out) const;
  // Python's type name ("int", "str", "dict", ...), as in TypeError messages.
  [[nodiscard]] std::string type_name() const;
  // Jinja2's object_type_repr ("dict object", "None"), as in undefined messages.
  [[nodiscard]] std::string type_repr() const;

  // Conversion for SET_GCODE_VARIABLE, save_variables and the API; throws TemplateError
  // (TypeError) for values JSON cannot hold.
  [[nodiscard]] Json to_json() const;

 private:
  friend class Dict;
  Kind kind_;
  union {
    bool b_;
    int64_t i_;
    double f_;
    const Json* j_;
  };
  std::shared_ptr<const void> ptr_;
};

// Python equality (1 == 1.0 == True, containers element-wise).
[[nodiscard]] bool equals(const Value& a, const Value& b);
// Hash consistent with equals() for hashable values; throws TemplateError for unhashable ones.
[[nodiscard]] size_t hash_value(const Value& v);
[[nodiscard]] size_t hash_str(std::string_view s);
// Python's json.dumps(v, sort_keys=...) with the default separators (ensure_ascii, NaN allowed);
// indent >= 0 pretty-prints as json.dumps(indent=...) does.
[[nodiscard]] std::string json_dumps(const Value& v, bool sort_keys, int indent = -1);

// An insertion-ordered dict keyed by hashable values.
class Dict {
 public:
  Dict() = default;
  [[nodiscard]] size_t size() const { return entries_.size(); }
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  // The value for `key`, or null.
  [[nodiscard]] const Value* find(const Value& key) const;
  [[nodiscard]] const Value* find(std::string_view key) const;
  [[nodiscard]] const Value* find(const char* key) const { return find(std::string_view(key)); }
  [[nodiscard]] const Value* find(const std::string& key) const {
    return find(std::string_view(key));
  }
  void set(const Value& key, Value value);
  void set(std::string_view key, Value value) { set(Value(key), std::move(value)); }
  void set(const std::string& key, Value value) { set(Value(key), std::move(value)); }
  void set(const char* key, Value value) { set(Value(key), std::move(value)); }
  bool erase(const Value& key);
  void clear();
  [[nodiscard]] const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  [[nodiscard]] Value& value_at(size_t i) { return entries_[i].second; }

 private:
  [[nodiscard]] int64_t index_of(const Value& key, size_t hash) const;
  [[nodiscard]] int64_t index_of(std::string_view key, size_t hash) const;
  void rebuild_index();
  std::vector<std::pair<Value, Value>> entries_;
  std::vector<size_t> hashes_;
  std::vector<int32_t> table_;  // open addressing over entries_, built once the dict grows
};

// The arguments of a call: positional, then keyword.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;

  [[nodiscard]] size_t size() const { return args.size(); }
  // The argument at `pos` or named `name`, or null.
  [[nodiscard]] const Value* find(size_t pos, std::string_view name) const;
  // Like find(), or `fallback`.
  [[nodiscard]] Value get(size_t pos, std::string_view name, Value fallback = Value()) const;
  // Like find(), or a TypeError naming `fn`.
  [[nodiscard]] const Value& need(size_t pos, std::string_view name, std::string_view fn) const;
  // TypeError unless the call has at most `max_pos` positional arguments and only the keywords
  // listed in `names` (which also name the positional parameters in order).
  void check(std::string_view fn, size_t max_pos,
             std::initializer_list<std::string_view> names) const;
};

// A host object: a lazy mapping, a callable, a namespace, a loop context, a macro. Every hook
// has a default that behaves like a plain Python object without that feature.
class Object {
 public:
  virtual ~Object() = default;
  // Python's type name, as in TypeError messages.
  [[nodiscard]] virtual std::string type_name() const { return "object"; }
  // Jinja2's object_type_repr: "<module>.<type> object".
  [[nodiscard]] virtual std::string type_repr() const { return type_name() + " object"; }
  // obj.name: true and `out` set if it exists.
  virtual bool get_attr(std::string_view name, Value& out);
  // obj[key]: true and `out` set if it exists.
  virtual bool get_item(const Value& key, Value& out);
  // {% set obj.name = value %}: false if not supported.
  virtual bool set_attr(std::string_view name, Value value);
  [[nodiscard]] virtual bool is_mapping() const { return false; }
  [[nodiscard]] virtual bool is_callable() const { return false; }
  virtual Value call(CallArgs& args);
  // Keys for iteration, `in` and |list; false if the object is not iterable.
  virtual bool keys(std::vector<Value>& out);
  virtual bool contains(const Value& key);
  // len(obj), or -1 if it has none.
  virtual int64_t length() { return -1; }
  virtual void append_repr(std::string& out);
  virtual Json to_json();
};

// A mapping computed on access, such as Klipper's `printer` object: attribute and item access
// both look a key up.
class Mapping : public Object {
 public:
  // The value for `key`, or false if there is none.
  virtual bool lookup(std::string_view key, Value& out) = 0;
  // All keys, for iteration and `in` (may be expensive; called rarely).
  virtual std::vector<std::string> key_list() = 0;

  [[nodiscard]] std::string type_name() const override { return "dict"; }
  bool get_attr(std::string_view name, Value& out) override { return lookup(name, out); }
  bool get_item(const Value& key, Value& out) override;
  [[nodiscard]] bool is_mapping() const override { return true; }
  bool keys(std::vector<Value>& out) override;
  bool contains(const Value& key) override;
  void append_repr(std::string& out) override;
  Json to_json() override;
};

}  // namespace kpp::tmpl
