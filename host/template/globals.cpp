// The objects of Jinja2's runtime: the global functions (range, dict, namespace, cycler, joiner),
// namespaces, macros and the `loop` variable of for loops.
#include <cmath>

#include "template/errors.h"
#include "template/interpreter.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

thread_local Interpreter* g_current = nullptr;

int64_t range_arg(const Value& v) {
  if (v.is_int() || v.is_bool()) return v.to_int();
  if (v.is_undefined()) raise_undefined(v);
  err::raise(err::kType, "'" + v.type_name() + "' object cannot be interpreted as an integer");
}

Value fn_range(CallArgs& args) {
  if (!args.kwargs.empty()) err::raise(err::kType, "range() takes no keyword arguments");
  size_t n = args.args.size();
  if (n == 0) err::raise(err::kType, "range expected at least 1 argument, got 0");
  if (n > 3) err::raise(err::kType, "range expected at most 3 arguments, got " + std::to_string(n));
  Range r;
  if (n == 1) {
    r.stop = range_arg(args.args[0]);
  } else {
    r.start = range_arg(args.args[0]);
    r.stop = range_arg(args.args[1]);
    if (n == 3) r.step = range_arg(args.args[2]);
  }
  if (r.step == 0) err::raise(err::kValue, "range() arg 3 must not be zero");
  return Value::range(r);
}

// dict(*args, **kwargs) as Python builds it.
Dict build_dict(CallArgs& args, const char* fn) {
  Interpreter* in = current_interpreter();
  Dict d;
  if (args.args.size() > 1) {
    err::raise(err::kType, std::string(fn) + " expected at most 1 argument, got " +
                               std::to_string(args.args.size()));
  }
  if (!args.args.empty() && in) {
    const Value& src = args.args[0];
    if (src.is_mapping()) {
      for (const Value& k : in->to_list(src)) d.set(k, in->getitem(src, k));
    } else {
      size_t idx = 0;
      in->iterate(src, [&](const Value& pair) {
        if (!(pair.is_sequence() || pair.is_str())) {
          err::raise(err::kType, "cannot convert dictionary update sequence element #" +
                                     std::to_string(idx) + " to a sequence");
        }
        List kv = in->to_list(pair);
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
  for (auto& [k, v] : args.kwargs) d.set(k, v);
  return d;
}

class Namespace : public Object {
 public:
  explicit Namespace(Dict attrs) : attrs_(std::move(attrs)) {}
  [[nodiscard]] std::string type_name() const override { return "Namespace"; }
  [[nodiscard]] std::string type_repr() const override { return "jinja2.utils.Namespace object"; }
  bool get_attr(std::string_view name, Value& out) override {
    const Value* v = attrs_.find(name);
    if (!v) return false;
    out = *v;
    return true;
  }
  bool set_attr(std::string_view name, Value value) override {
    attrs_.set(name, std::move(value));
    return true;
  }
  void append_repr(std::string& out) override {
    out += "<Namespace ";
    Value::dict(attrs_).append_repr(out);
    out += '>';
  }

 private:
  Dict attrs_;
};

Value fn_namespace(CallArgs& args) {
  return Value::object(std::make_shared<Namespace>(build_dict(args, "Namespace")));
}

Value fn_dict(CallArgs& args) {
  return Value::dict(build_dict(args, "dict"));
}

class Cycler : public Object, public std::enable_shared_from_this<Cycler> {
 public:
  explicit Cycler(List items) : items_(std::move(items)) {}
  [[nodiscard]] std::string type_name() const override { return "Cycler"; }
  [[nodiscard]] std::string type_repr() const override { return "jinja2.utils.Cycler object"; }
  bool get_attr(std::string_view name, Value& out) override {
    auto self = shared_from_this();
    if (name == "current") {
      out = items_[pos_];
    } else if (name == "next" || name == "__next__") {
      out = Value::function("next", [self](CallArgs&) {
        Value v = self->items_[self->pos_];
        self->pos_ = (self->pos_ + 1) % self->items_.size();
        return v;
      });
    } else if (name == "reset") {
      out = Value::function("reset", [self](CallArgs&) {
        self->pos_ = 0;
        return Value::none();
      });
    } else if (name == "items") {
      out = Value::tuple(items_);
    } else {
      return false;
    }
    return true;
  }

 private:
  List items_;
  size_t pos_ = 0;
};

Value fn_cycler(CallArgs& args) {
  if (args.args.empty()) err::raise(err::kRuntime, "at least one item has to be provided");
  return Value::object(std::make_shared<Cycler>(args.args));
}

class Joiner : public Object {
 public:
  explicit Joiner(std::string sep) : sep_(std::move(sep)) {}
  [[nodiscard]] std::string type_name() const override { return "Joiner"; }
  [[nodiscard]] std::string type_repr() const override { return "jinja2.utils.Joiner object"; }
  [[nodiscard]] bool is_callable() const override { return true; }
  Value call(CallArgs&) override {
    if (!used_) {
      used_ = true;
      return Value("");
    }
    return Value(sep_);
  }

 private:
  std::string sep_;
  bool used_ = false;
};

Value fn_joiner(CallArgs& args) {
  Value sep = args.get(0, "sep", Value(", "));
  return Value::object(std::make_shared<Joiner>(sep.str()));
}

class Macro : public Object {
 public:
  Macro(std::shared_ptr<const MacroDef> def, int scope, uint64_t serial,
        std::weak_ptr<Interpreter*> owner)
      : def_(std::move(def)), scope_(scope), serial_(serial), owner_(std::move(owner)) {}
  [[nodiscard]] std::string type_name() const override { return "Macro"; }
  [[nodiscard]] std::string type_repr() const override { return "jinja2.runtime.Macro object"; }
  [[nodiscard]] bool is_callable() const override { return true; }
  Value call(CallArgs& args) override {
    auto owner = owner_.lock();
    if (!owner || !*owner) err::raise(err::kRuntime, "macro called after its template finished");
    return (*owner)->call_macro(def_, scope_, serial_, args, Value());
  }
  bool get_attr(std::string_view name, Value& out) override {
    if (name == "name") {
      out = Value(def_->name);
    } else if (name == "arguments") {
      List names;
      for (const auto& p : def_->params) names.emplace_back(p);
      out = Value::tuple(std::move(names));
    } else if (name == "catch_kwargs") {
      out = Value(def_->uses_kwargs);
    } else if (name == "catch_varargs") {
      out = Value(def_->uses_varargs);
    } else if (name == "caller") {
      out = Value(def_->uses_caller);
    } else {
      return false;
    }
    return true;
  }
  void append_repr(std::string& out) override {
    out += "<Macro ";
    py::append_str_repr(out, def_->name);
    out += '>';
  }

 private:
  std::shared_ptr<const MacroDef> def_;
  int scope_;
  uint64_t serial_;
  std::weak_ptr<Interpreter*> owner_;
};

class Loop : public Object, public std::enable_shared_from_this<Loop> {
 public:
  Loop(const ForStmt* stmt, std::weak_ptr<Interpreter*> owner, int64_t length, int depth)
      : stmt_(stmt), owner_(std::move(owner)), length_(length), depth_(depth) {}
  [[nodiscard]] std::string type_name() const override { return "LoopContext"; }
  [[nodiscard]] std::string type_repr() const override {
    return "jinja2.runtime.LoopContext object";
  }
  [[nodiscard]] bool is_callable() const override { return true; }
  Value call(CallArgs& args) override {
    if (!stmt_->recursive) {
      err::raise(err::kType, "The loop must have the 'recursive' marker to be called recursively.");
    }
    auto owner = owner_.lock();
    if (!owner || !*owner) err::raise(err::kRuntime, "loop called after its template finished");
    return (*owner)->call_loop(*stmt_, args.need(0, "iterable", "loop"), depth_ + 1);
  }
  int64_t length() override { return length_; }
  bool get_attr(std::string_view name, Value& out) override {
    if (name == "index") {
      out = Value(index_ + 1);
    } else if (name == "index0") {
      out = Value(index_);
    } else if (name == "revindex") {
      out = Value(length_ - index_);
    } else if (name == "revindex0") {
      out = Value(length_ - index_ - 1);
    } else if (name == "first") {
      out = Value(index_ == 0);
    } else if (name == "last") {
      out = Value(!has_next_);
    } else if (name == "length") {
      out = Value(length_);
    } else if (name == "depth") {
      out = Value(static_cast<int64_t>(depth_ + 1));
    } else if (name == "depth0") {
      out = Value(static_cast<int64_t>(depth_));
    } else if (name == "previtem") {
      out = index_ == 0 ? Value::undefined("there is no previous item") : prev_;
    } else if (name == "nextitem") {
      out = has_next_ ? next_ : Value::undefined("there is no next item");
    } else if (name == "cycle") {
      int64_t index = index_;
      out = Value::function("cycle", [index](CallArgs& args) {
        if (args.args.empty()) err::raise(err::kType, "no items for cycling given");
        return args.args[static_cast<size_t>(index) % args.args.size()];
      });
    } else if (name == "changed") {
      auto self = shared_from_this();
      out = Value::function("changed", [self](CallArgs& args) {
        Value now = Value::tuple(args.args);
        if (self->has_changed_value_ && equals(self->last_changed_, now)) return Value(false);
        self->has_changed_value_ = true;
        self->last_changed_ = now;
        return Value(true);
      });
    } else {
      return false;
    }
    return true;
  }
  void append_repr(std::string& out) override {
    out += "<LoopContext " + std::to_string(index_ + 1) + "/" + std::to_string(length_) + ">";
  }
  void advance(int64_t index, const Value& prev, const Value* next) {
    index_ = index;
    prev_ = prev;
    has_next_ = next != nullptr;
    next_ = next ? *next : Value();
  }

 private:
  const ForStmt* stmt_;
  std::weak_ptr<Interpreter*> owner_;
  int64_t length_;
  int depth_;
  int64_t index_ = 0;
  Value prev_;
  Value next_;
  bool has_next_ = false;
  bool has_changed_value_ = false;
  Value last_changed_;
};

struct Globals {
  Value range = Value::function("range", fn_range);
  Value dict = Value::function("dict", fn_dict);
  Value ns = Value::function("namespace", fn_namespace);
  Value cycler = Value::function("cycler", fn_cycler);
  Value joiner = Value::function("joiner", fn_joiner);
};

const Globals& globals() {
  static const Globals g;
  return g;
}

}  // namespace

Interpreter* current_interpreter() {
  return g_current;
}

void set_current_interpreter(Interpreter* in) {
  g_current = in;
}

const Value* find_global(std::string_view name) {
  const Globals& g = globals();
  if (name == "range") return &g.range;
  if (name == "dict") return &g.dict;
  if (name == "namespace") return &g.ns;
  if (name == "cycler") return &g.cycler;
  if (name == "joiner") return &g.joiner;
  return nullptr;
}

bool namespace_set(const Value& ns, std::string_view attr, Value value) {
  if (!ns.is_object()) return false;
  auto* n = dynamic_cast<Namespace*>(&ns.as_object());
  return n && n->set_attr(attr, std::move(value));
}

Value make_macro(Interpreter&, std::shared_ptr<const MacroDef> def, int scope, uint64_t serial,
                 const std::shared_ptr<Interpreter*>& owner) {
  return Value::object(std::make_shared<Macro>(std::move(def), scope, serial, owner));
}

Value make_loop(const ForStmt* stmt, const std::shared_ptr<Interpreter*>& owner, int64_t length,
                int depth) {
  return Value::object(std::make_shared<Loop>(stmt, owner, length, depth));
}

void loop_advance(const Value& loop, int64_t index, const Value& item, const Value& prev,
                  const Value* next) {
  (void)item;
  static_cast<Loop&>(loop.as_object()).advance(index, prev, next);
}

}  // namespace kpp::tmpl
