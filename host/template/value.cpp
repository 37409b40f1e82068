// The value model: construction, truthiness, str()/repr(), equality and hashing, the ordered dict,
// call arguments and the default behaviour of host objects.
#include "template/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/json.h"
#include "template/errors.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

// The payload of lists and tuples.
struct SeqObj {
  List items;
  std::shared_ptr<const TupleType> type;
};

// Why a value is undefined, for the error raised when it is used.
struct UndefinedInfo {
  std::string hint;
};

// A host function.
class Function : public Object {
 public:
  Function(std::string name, std::function<Value(CallArgs&)> fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  [[nodiscard]] std::string type_name() const override { return "function"; }
  [[nodiscard]] bool is_callable() const override { return true; }
  Value call(CallArgs& args) override { return fn_(args); }
  void append_repr(std::string& out) override { out += "<function " + name_ + ">"; }

 private:
  std::string name_;
  std::function<Value(CallArgs&)> fn_;
};

constexpr int kMaxReprDepth = 200;

void repr_impl(std::string& out, const Value& v, std::vector<const void*>& active);

void repr_json(std::string& out, const Json& j, int depth) {
  if (depth > kMaxReprDepth) {
    out += "...";
    return;
  }
  switch (j.type()) {
    case Json::value_t::null:
      out += "None";
      break;
    case Json::value_t::boolean:
      out += j.get<bool>() ? "True" : "False";
      break;
    case Json::value_t::number_integer:
      out += std::to_string(j.get<int64_t>());
      break;
    case Json::value_t::number_unsigned:
      out += std::to_string(j.get<uint64_t>());
      break;
    case Json::value_t::number_float:
      py::append_float_repr(out, j.get<double>());
      break;
    case Json::value_t::string:
      py::append_str_repr(out, j.get_ref<const std::string&>());
      break;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ", ";
        first = false;
        repr_json(out, e, depth + 1);
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (!first) out += ", ";
        first = false;
        py::append_str_repr(out, it.key());
        out += ": ";
        repr_json(out, it.value(), depth + 1);
      }
      out += '}';
      break;
    }
    default:
      out += "None";
  }
}

void repr_impl(std::string& out, const Value& v, std::vector<const void*>& active) {
  switch (v.kind()) {
    case Kind::kStr:
      py::append_str_repr(out, v.as_str());
      return;
    case Kind::kList:
    case Kind::kTuple:
    case Kind::kDict: {
      const void* id = v.identity();
      bool is_list = v.is_list();
      if (std::find(active.begin(), active.end(), id) != active.end() ||
          active.size() > kMaxReprDepth) {
        out += v.is_dict() ? "{...}" : is_list ? "[...]" : "(...)";
        return;
      }
      active.push_back(id);
      if (v.is_dict()) {
        out += '{';
        bool first = true;
        for (const auto& [k, val] : v.as_dict().entries()) {
          if (!first) out += ", ";
          first = false;
          repr_impl(out, k, active);
          out += ": ";
          repr_impl(out, val, active);
        }
        out += '}';
      } else {
        const List& items = v.items();
        const TupleType* tt = v.tuple_type();
        if (tt && tt->plain_repr) tt = nullptr;
        bool view = tt && tt->list_view;
        if (tt) out += tt->name;
        if (view) out += '(';
        if (view) is_list = true;
        out += is_list ? '[' : '(';
        for (size_t i = 0; i < items.size(); ++i) {
          if (i) out += ", ";
          if (tt && !view && i < tt->fields.size()) {
            out += tt->fields[i];
            out += '=';
          }
          repr_impl(out, items[i], active);
        }
        if (!is_list && !tt && items.size() == 1) out += ',';
        out += is_list ? ']' : ')';
        if (view) out += ')';
      }
      active.pop_back();
      return;
    }
    default:
      v.append_str(out);
  }
}

bool json_equals(const Json& a, const Value& b);

}  // namespace

int64_t Range::size() const {
  if (step > 0 && start < stop) return (stop - start - 1) / step + 1;
  if (step < 0 && start > stop) return (start - stop - 1) / (-step) + 1;
  return 0;
}

Value::Value(std::string s) : kind_(Kind::kStr), i_(0) {
  ptr_ = std::make_shared<const std::string>(std::move(s));
}

Value Value::undefined(std::string hint) {
  Value v;
  v.ptr_ = std::make_shared<const UndefinedInfo>(UndefinedInfo{std::move(hint)});
  return v;
}

Value Value::undefined_name(std::string_view name) {
  std::string hint;
  py::append_str_repr(hint, name);
  hint += " is undefined";
  return undefined(std::move(hint));
}

Value Value::undefined_attr(const Value& owner, std::string_view attr) {
  std::string hint;
  py::append_str_repr(hint, owner.type_repr());
  hint += " has no attribute ";
  py::append_str_repr(hint, attr);
  return undefined(std::move(hint));
}

Value Value::undefined_item(const Value& owner, const Value& key) {
  if (key.is_str()) return undefined_attr(owner, key.as_str());
  std::string hint = owner.type_repr();
  hint += " has no element ";
  hint += key.repr();
  return undefined(std::move(hint));
}

Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::kList;
  v.ptr_ = std::make_shared<SeqObj>(SeqObj{std::move(items), nullptr});
  return v;
}

Value Value::tuple(List items) {
  Value v;
  v.kind_ = Kind::kTuple;
  v.ptr_ = std::make_shared<SeqObj>(SeqObj{std::move(items), nullptr});
  return v;
}

Value Value::named_tuple(std::shared_ptr<const TupleType> type, List items) {
  Value v;
  v.kind_ = Kind::kTuple;
  v.ptr_ = std::make_shared<SeqObj>(SeqObj{std::move(items), std::move(type)});
  return v;
}

Value Value::dict(Dict d) {
  Value v;
  v.kind_ = Kind::kDict;
  v.ptr_ = std::make_shared<Dict>(std::move(d));
  return v;
}

Value Value::dict() {
  return dict(Dict());
}

Value Value::range(Range r) {
  Value v;
  v.kind_ = Kind::kRange;
  v.ptr_ = std::make_shared<const Range>(r);
  return v;
}

Value Value::object(std::shared_ptr<Object> obj) {
  Value v;
  v.kind_ = Kind::kObject;
  v.ptr_ = std::move(obj);
  return v;
}

std::shared_ptr<Object> Value::object_ptr() const {
  return std::const_pointer_cast<Object>(std::static_pointer_cast<const Object>(ptr_));
}

Value Value::function(std::string name, std::function<Value(CallArgs&)> fn) {
  return object(std::make_shared<Function>(std::move(name), std::move(fn)));
}

List& Value::items() const {
  return static_cast<SeqObj*>(const_cast<void*>(ptr_.get()))->items;
}

const TupleType* Value::tuple_type() const {
  return kind_ == Kind::kTuple ? static_cast<const SeqObj*>(ptr_.get())->type.get() : nullptr;
}

bool Value::is_json_array() const {
  return kind_ == Kind::kJson && j_->is_array();
}
bool Value::is_json_object() const {
  return kind_ == Kind::kJson && j_->is_object();
}

bool Value::is_mapping() const {
  return kind_ == Kind::kDict || is_json_object() ||
         (kind_ == Kind::kObject && as_object().is_mapping());
}

bool Value::is_sequence() const {
  return kind_ == Kind::kList || kind_ == Kind::kTuple || kind_ == Kind::kRange || is_json_array();
}

bool Value::is_callable() const {
  return kind_ == Kind::kObject && as_object().is_callable();
}

std::string Value::undefined_message() const {
  if (ptr_) return static_cast<const UndefinedInfo*>(ptr_.get())->hint;
  return "None is undefined";
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return b_;
    case Kind::kInt:
      return i_ != 0;
    case Kind::kFloat:
      return f_ != 0.0;
    case Kind::kStr:
      return !as_str().empty();
    case Kind::kList:
    case Kind::kTuple:
      return !items().empty();
    case Kind::kDict:
      return !as_dict().empty();
    case Kind::kRange:
      return as_range().size() > 0;
    case Kind::kJson:
      return !j_->empty();
    case Kind::kObject: {
      int64_t n = as_object().length();
      return n != 0;
    }
  }
  return false;
}

void Value::append_str(std::string& out) const {
  switch (kind_) {
    case Kind::kUndefined:
      return;
    case Kind::kNone:
      out += "None";
      return;
    case Kind::kBool:
      out += b_ ? "True" : "False";
      return;
    case Kind::kInt: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, i_);
      out.append(buf, r.ptr - buf);
      return;
    }
    case Kind::kFloat:
      py::append_float_repr(out, f_);
      return;
    case Kind::kStr:
      out += as_str();
      return;
    case Kind::kList:
    case Kind::kTuple:
    case Kind::kDict: {
      std::vector<const void*> active;
      repr_impl(out, *this, active);
      return;
    }
    case Kind::kRange: {
      const Range& r = as_range();
      out += "range(" + std::to_string(r.start) + ", " + std::to_string(r.stop);
      if (r.step != 1) out += ", " + std::to_string(r.step);
      out += ')';
      return;
    }
    case Kind::kJson:
      repr_json(out, *j_, 0);
      return;
    case Kind::kObject:
      as_object().append_repr(out);
      return;
  }
}

void Value::append_repr(std::string& out) const {
  if (kind_ == Kind::kUndefined) {
    out += "Undefined";
  } else {
    std::vector<const void*> active;
    repr_impl(out, *this, active);
  }
}

std::string Value::str() const {
  if (kind_ == Kind::kStr) return as_str();
  std::string s;
  append_str(s);
  return s;
}

std::string Value::repr() const {
  std::string s;
  append_repr(s);
  return s;
}

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined:
      return "Undefined";
    case Kind::kNone:
      return "NoneType";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kStr:
      return "str";
    case Kind::kList:
      return "list";
    case Kind::kTuple: {
      const TupleType* tt = tuple_type();
      return tt ? tt->name : "tuple";
    }
    case Kind::kDict:
      return "dict";
    case Kind::kRange:
      return "range";
    case Kind::kJson:
      return j_->is_object() ? "dict" : "list";
    case Kind::kObject:
      return as_object().type_name();
  }
  return "object";
}

std::string Value::type_repr() const {
  switch (kind_) {
    case Kind::kNone:
      return "None";
    case Kind::kUndefined:
      return "jinja2.runtime.Undefined object";
    case Kind::kObject:
      return as_object().type_repr();
    default:
      return type_name() + " object";
  }
}

// ---- equality and hashing ------------------------------------------------------------------

namespace {

bool num_equals(const Value& a, const Value& b) {
  if (a.is_float() || b.is_float()) {
    if (a.is_float() && b.is_float()) return a.as_float() == b.as_float();
    const Value& f = a.is_float() ? a : b;
    const Value& i = a.is_float() ? b : a;
    double d = f.as_float();
    if (d != std::floor(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
      return false;
    return static_cast<int64_t>(d) == i.to_int();
  }
  return a.to_int() == b.to_int();
}

bool json_equals(const Json& a, const Value& b) {
  if (a.is_array()) {
    if (b.is_json_array()) return a == b.as_json();
    if (!b.is_list()) return false;
    const List& items = b.items();
    if (items.size() != a.size()) return false;
    for (size_t i = 0; i < items.size(); ++i) {
      if (!json_equals(a[i], items[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (b.is_json_object()) return a == b.as_json();
    if (!b.is_dict()) return false;
    const Dict& d = b.as_dict();
    if (d.size() != a.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const Value* v = d.find(std::string_view(it.key()));
      if (!v || !json_equals(it.value(), *v)) return false;
    }
    return true;
  }
  return equals(Value::json_node(nullptr, &a), b);
}

}  // namespace

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return num_equals(a, b);
  if (a.is_json()) return json_equals(a.as_json(), b);
  if (b.is_json()) return json_equals(b.as_json(), a);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kStr:
      return a.as_str() == b.as_str();
    case Kind::kList:
    case Kind::kTuple: {
      if (a.identity() == b.identity()) return true;
      const List& x = a.items();
      const List& y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Kind::kDict: {
      if (a.identity() == b.identity()) return true;
      const Dict& x = a.as_dict();
      const Dict& y = b.as_dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries()) {
        const Value* o = y.find(k);
        if (!o || !equals(v, *o)) return false;
      }
      return true;
    }
    case Kind::kRange: {
      const Range& x = a.as_range();
      const Range& y = b.as_range();
      int64_t n = x.size();
      if (n != y.size()) return false;
      if (n == 0) return true;
      if (x.start != y.start) return false;
      return n == 1 || x.step == y.step;
    }
    case Kind::kObject:
      return a.identity() == b.identity();
    default:
      return false;
  }
}

size_t hash_str(std::string_view s) {
  return std::hash<std::string_view>()(s);
}

static size_t hash_int(int64_t i) {
  uint64_t x = static_cast<uint64_t>(i);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return static_cast<size_t>(x);
}

size_t hash_value(const Value& v) {
  switch (v.kind()) {
    case Kind::kNone:
      return 0x5bd1e995;
    case Kind::kUndefined:
      return 0x1b873593;
    case Kind::kBool:
    case Kind::kInt:
      return hash_int(v.to_int());
    case Kind::kFloat: {
      double d = v.as_float();
      if (d == std::floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        return hash_int(static_cast<int64_t>(d));
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return hash_int(static_cast<int64_t>(bits));
    }
    case Kind::kStr:
      return hash_str(v.as_str());
    case Kind::kTuple: {
      size_t h = 0x345678;
      for (const Value& e : v.items()) h = h * 1000003 ^ hash_value(e);
      return h;
    }
    case Kind::kRange:
      return hash_int(v.as_range().start) ^ hash_int(v.as_range().size());
    case Kind::kObject:
      return std::hash<const void*>()(v.identity());
    default:
      err::raise(err::kType, "unhashable type: '" + v.type_name() + "'");
  }
}

// ---- Dict --------------------------------------------------------------------------------------

static constexpr size_t kDictIndexFrom = 8;

int64_t Dict::index_of(const Value& key, size_t hash) const {
  if (key.is_str()) return index_of(std::string_view(key.as_str()), hash);
  if (table_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (hashes_[i] == hash && equals(entries_[i].first, key)) return static_cast<int64_t>(i);
    }
    return -1;
  }
  size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    int32_t idx = table_[slot];
    if (idx < 0) return -1;
    if (hashes_[idx] == hash && equals(entries_[idx].first, key)) return idx;
  }
}

int64_t Dict::index_of(std::string_view key, size_t hash) const {
  auto match = [&](size_t i) {
    const Value& k = entries_[i].first;
    return hashes_[i] == hash && k.is_str() && k.as_str() == key;
  };
  if (table_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (match(i)) return static_cast<int64_t>(i);
    }
    return -1;
  }
  size_t mask = table_.size() - 1;
  for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
    int32_t idx = table_[slot];
    if (idx < 0) return -1;
    if (match(idx)) return idx;
  }
}

void Dict::rebuild_index() {
  table_.clear();
  if (entries_.size() < kDictIndexFrom) return;
  size_t cap = 16;
  while (cap < entries_.size() * 2) cap <<= 1;
  table_.assign(cap, -1);
  for (size_t i = 0; i < entries_.size(); ++i) {
    size_t slot = hashes_[i] & (cap - 1);
    while (table_[slot] >= 0) slot = (slot + 1) & (cap - 1);
    table_[slot] = static_cast<int32_t>(i);
  }
}

const Value* Dict::find(const Value& key) const {
  int64_t i = index_of(key, hash_value(key));
  return i < 0 ? nullptr : &entries_[i].second;
}

const Value* Dict::find(std::string_view key) const {
  int64_t i = index_of(key, hash_str(key));
  return i < 0 ? nullptr : &entries_[i].second;
}

void Dict::set(const Value& key, Value value) {
  size_t h = hash_value(key);
  int64_t i = index_of(key, h);
  if (i >= 0) {
    entries_[i].second = std::move(value);
    return;
  }
  entries_.emplace_back(key, std::move(value));
  hashes_.push_back(h);
  if (entries_.size() >= kDictIndexFrom) {
    if (entries_.size() * 2 > table_.size()) {
      rebuild_index();
    } else {
      size_t mask = table_.size() - 1;
      size_t slot = h & mask;
      while (table_[slot] >= 0) slot = (slot + 1) & mask;
      table_[slot] = static_cast<int32_t>(entries_.size() - 1);
    }
  }
}

bool Dict::erase(const Value& key) {
  int64_t i = index_of(key, hash_value(key));
  if (i < 0) return false;
  entries_.erase(entries_.begin() + i);
  hashes_.erase(hashes_.begin() + i);
  rebuild_index();
  return true;
}

void Dict::clear() {
  entries_.clear();
  hashes_.clear();
  table_.clear();
}

// ---- CallArgs ------------------------------------------------------------------------------

const Value* CallArgs::find(size_t pos, std::string_view name) const {
  if (pos < args.size()) return &args[pos];
  for (const auto& [k, v] : kwargs) {
    if (k == name) return &v;
  }
  return nullptr;
}

Value CallArgs::get(size_t pos, std::string_view name, Value fallback) const {
  const Value* v = find(pos, name);
  return v ? *v : std::move(fallback);
}

const Value& CallArgs::need(size_t pos, std::string_view name, std::string_view fn) const {
  const Value* v = find(pos, name);
  if (!v) {
    err::raise(err::kType,
               std::string(fn) + "() missing required argument: '" + std::string(name) + "'");
  }
  return *v;
}

void CallArgs::check(std::string_view fn, size_t max_pos,
                     std::initializer_list<std::string_view> names) const {
  if (args.size() > max_pos) {
    err::raise(err::kType, std::string(fn) + "() takes at most " + std::to_string(max_pos) +
                               " argument" + (max_pos == 1 ? "" : "s") + " (" +
                               std::to_string(args.size()) + " given)");
  }
  for (const auto& [k, v] : kwargs) {
    size_t i = 0;
    bool ok = false;
    for (std::string_view n : names) {
      if (n == k) {
        if (i < args.size()) {
          err::raise(err::kType,
                     std::string(fn) + "() got multiple values for argument '" + k + "'");
        }
        ok = true;
      }
      ++i;
    }
    if (!ok) {
      err::raise(err::kType, std::string(fn) + "() got an unexpected keyword argument '" + k + "'");
    }
  }
}

// ---- Object and Mapping defaults -----------------------------------------------------------

bool Object::get_attr(std::string_view, Value&) {
  return false;
}
bool Object::get_item(const Value&, Value&) {
  return false;
}
bool Object::set_attr(std::string_view, Value) {
  return false;
}

Value Object::call(CallArgs&) {
  err::raise(err::kType, "'" + type_name() + "' object is not callable");
}

bool Object::keys(std::vector<Value>&) {
  return false;
}

bool Object::contains(const Value& key) {
  std::vector<Value> ks;
  if (!keys(ks)) err::raise(err::kType, "argument of type '" + type_name() + "' is not iterable");
  for (const Value& k : ks) {
    if (equals(k, key)) return true;
  }
  return false;
}

void Object::append_repr(std::string& out) {
  out += "<" + type_repr() + ">";
}

Json Object::to_json() {
  err::raise(err::kType, "Object of type " + type_name() + " is not JSON serializable");
}

bool Mapping::get_item(const Value& key, Value& out) {
  return lookup(key.str(), out);
}

bool Mapping::keys(std::vector<Value>& out) {
  for (std::string& k : key_list()) out.emplace_back(std::move(k));
  return true;
}

bool Mapping::contains(const Value& key) {
  Value ignored;
  return lookup(key.str(), ignored);
}

void Mapping::append_repr(std::string& out) {
  out += '{';
  bool first = true;
  for (const std::string& k : key_list()) {
    Value v;
    if (!lookup(k, v)) continue;
    if (!first) out += ", ";
    first = false;
    py::append_str_repr(out, k);
    out += ": ";
    v.append_repr(out);
  }
  out += '}';
}

Json Mapping::to_json() {
  Json j = Json::object();
  for (const std::string& k : key_list()) {
    Value v;
    if (lookup(k, v)) j[k] = v.to_json();
  }
  return j;
}

}  // namespace kpp::tmpl
