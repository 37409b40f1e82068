// The interpreter: executes statements, evaluates expressions, keeps Jinja2's scoping (each loop
// iteration, macro call and with-block gets its own scope) and enforces the render limits.
#include "template/interpreter.h"

#include <algorithm>
#include <cmath>

#include "core/json.h"
#include "template/errors.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {
const Value kNotLooked;  // marks a context name not yet looked up
}  // namespace

// Counts nesting and native stack use, so deep recursion fails cleanly instead of crashing.
struct Interpreter::Guard {
  explicit Guard(Interpreter& in) : in_(in) {
    auto* frame = static_cast<const char*>(__builtin_frame_address(0));
    if (++in_.depth_ > 4000 ||
        static_cast<size_t>(in_.stack_base_ - frame) > in_.limits_.max_stack_bytes) {
      --in_.depth_;
      err::raise(err::kRecursion, "maximum recursion depth exceeded");
    }
  }
  ~Guard() { --in_.depth_; }
  Interpreter& in_;
};

Interpreter::Interpreter(const Program& program, const Context& ctx, std::string& out)
    : program_(program),
      ctx_(ctx),
      limits_(ctx.limits),
      out_(&out),
      ctx_cache_(program.names.size(), &kNotLooked),
      self_(std::make_shared<Interpreter*>(this)) {
  vars_.reserve(16);
  scopes_.reserve(8);
}

Interpreter::~Interpreter() {
  *self_ = nullptr;
}

void Interpreter::run() {
  stack_base_ = static_cast<const char*>(__builtin_frame_address(0));
  push_scope(-1);
  exec(program_.body);
}

// ---- scopes ----------------------------------------------------------------------------------

int Interpreter::push_scope(int parent) {
  scopes_.push_back({vars_.size(), parent, next_serial_++});
  return static_cast<int>(scopes_.size()) - 1;
}

void Interpreter::pop_scope(int index) {
  vars_.resize(scopes_[index].begin);
  scopes_.resize(index);
}

const Value* Interpreter::lookup(uint32_t id) {
  for (int s = static_cast<int>(scopes_.size()) - 1; s >= 0;) {
    size_t end = static_cast<size_t>(s) + 1 < scopes_.size() ? scopes_[s + 1].begin : vars_.size();
    for (size_t i = end; i > scopes_[s].begin; --i) {
      if (vars_[i - 1].id == id) return &vars_[i - 1].value;
    }
    s = scopes_[s].parent;
  }
  const Value*& cached = ctx_cache_[id];
  if (cached == &kNotLooked) {
    cached = ctx_.find(program_.names[id]);
    if (!cached) cached = find_global(program_.names[id]);
  }
  return cached;
}

void Interpreter::set_var(uint32_t id, Value v) {
  size_t begin = scopes_.back().begin;
  for (size_t i = begin; i < vars_.size(); ++i) {
    if (vars_[i].id == id) {
      vars_[i].value = std::move(v);
      return;
    }
  }
  vars_.push_back({id, std::move(v)});
}

// ---- limits ----------------------------------------------------------------------------------

void Interpreter::charge(uint64_t n) {
  steps_ += n;
  if (steps_ > limits_.max_steps) {
    err::raise(err::kRuntime,
               "template exceeded " + std::to_string(limits_.max_steps) + " steps (runaway loop?)");
  }
}

void Interpreter::check_size(size_t n) {
  if (n > limits_.max_container) {
    err::raise(err::kMemory, "value of " + std::to_string(n) + " elements exceeds the limit of " +
                                 std::to_string(limits_.max_container));
  }
}

void Interpreter::check_output() {
  if (out_->size() > limits_.max_output) {
    err::raise(err::kRuntime,
               "template output exceeds " + std::to_string(limits_.max_output) + " bytes");
  }
}

void Interpreter::append_output(const Value& v) {
  v.append_str(*out_);
  check_output();
}

// ---- statements ------------------------------------------------------------------------------

void Interpreter::exec(const Body& body) {
  for (const StmtPtr& s : body) exec_stmt(*s);
}

void Interpreter::exec_stmt(const Stmt& s) {
  Guard guard(*this);
  switch (s.kind) {
    case StmtKind::kOutput:
      exec_output(static_cast<const OutputStmt&>(s));
      return;
    case StmtKind::kIf: {
      const auto& st = static_cast<const IfStmt&>(s);
      if (eval(*st.test).truthy()) {
        exec(st.body);
      } else {
        exec(st.otherwise);
      }
      return;
    }
    case StmtKind::kFor: {
      const auto& st = static_cast<const ForStmt&>(s);
      exec_for(st, eval(*st.iter), 0);
      return;
    }
    case StmtKind::kAssign: {
      const auto& st = static_cast<const AssignStmt&>(s);
      exec_assign(*st.target, eval(*st.value));
      return;
    }
    case StmtKind::kAssignBlock: {
      const auto& st = static_cast<const AssignBlockStmt&>(s);
      Value v(render_body(st.body, true));
      if (st.filter) v = apply_filter_chain(*st.filter, std::move(v));
      exec_assign(*st.target, v);
      return;
    }
    case StmtKind::kMacro: {
      const auto& st = static_cast<const MacroStmt&>(s);
      int scope = static_cast<int>(scopes_.size()) - 1;
      set_var(st.name_id, make_macro(*this, st.def, scope, scopes_[scope].serial, self_));
      return;
    }
    case StmtKind::kCallBlock:
      exec_call_block(static_cast<const CallBlockStmt&>(s));
      return;
    case StmtKind::kFilterBlock: {
      const auto& st = static_cast<const FilterBlockStmt&>(s);
      Value v(render_body(st.body, true));
      append_output(apply_filter_chain(*st.filter, std::move(v)));
      return;
    }
    case StmtKind::kWith: {
      const auto& st = static_cast<const WithStmt&>(s);
      std::vector<Value> values;
      for (const auto& v : st.values) values.push_back(eval(*v));
      int scope = push_scope(static_cast<int>(scopes_.size()) - 1);
      for (size_t i = 0; i < st.targets.size(); ++i) exec_assign(*st.targets[i], values[i]);
      exec(st.body);
      pop_scope(scope);
      return;
    }
    case StmtKind::kScope: {
      int scope = push_scope(static_cast<int>(scopes_.size()) - 1);
      exec(static_cast<const ScopeStmt&>(s).body);
      pop_scope(scope);
      return;
    }
    case StmtKind::kUnsupported: {
      const auto& st = static_cast<const UnsupportedStmt&>(s);
      throw TemplateError(st.type, st.message);
    }
  }
}

void Interpreter::exec_output(const OutputStmt& s) {
  for (const auto& part : s.parts) {
    if (!part.expr) {
      *out_ += part.text;
    } else {
      const Expr& e = *part.expr;
      if (e.kind == ExprKind::kConst) {
        static_cast<const ConstExpr&>(e).value.append_str(*out_);
      } else {
        eval(e).append_str(*out_);
      }
    }
  }
  check_output();
}

std::string Interpreter::render_body(const Body& body, bool scoped) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  int scope = scoped ? push_scope(static_cast<int>(scopes_.size()) - 1) : -1;
  try {
    exec(body);
  } catch (...) {
    out_ = saved;
    if (scope >= 0) pop_scope(scope);
    throw;
  }
  out_ = saved;
  if (scope >= 0) pop_scope(scope);
  return buf;
}

void Interpreter::exec_assign(const Expr& target, const Value& value) {
  switch (target.kind) {
    case ExprKind::kName:
      set_var(static_cast<const NameExpr&>(target).id, value);
      return;
    case ExprKind::kNsRef: {
      const auto& ref = static_cast<const NsRefExpr&>(target);
      const Value* ns = lookup(ref.id);
      if (!ns || !namespace_set(*ns, ref.attr, value)) {
        err::raise(err::kRuntime, "cannot assign attribute on non-namespace object");
      }
      return;
    }
    case ExprKind::kTuple: {
      const auto& targets = static_cast<const SeqExpr&>(target).items;
      if (!(value.is_sequence() || value.is_str() || value.is_mapping() || value.is_undefined())) {
        err::raise(err::kType, "cannot unpack non-iterable " + value.type_name() + " object");
      }
      List items = to_list(value);
      if (items.size() < targets.size()) {
        err::raise(err::kValue, "not enough values to unpack (expected " +
                                    std::to_string(targets.size()) + ", got " +
                                    std::to_string(items.size()) + ")");
      }
      if (items.size() > targets.size()) {
        err::raise(err::kValue,
                   "too many values to unpack (expected " + std::to_string(targets.size()) + ")");
      }
      for (size_t i = 0; i < targets.size(); ++i) exec_assign(*targets[i], items[i]);
      return;
    }
    default:
      err::raise(err::kRuntime, "invalid assignment target");
  }
}

void Interpreter::exec_for(const ForStmt& s, const Value& iterable, int depth) {
  // Lists, tuples and ranges are walked in place; everything else is listed first.
  List listed;
  const List* items = nullptr;
  const Range* range = nullptr;
  if (s.filter) {
    int scope = push_scope(static_cast<int>(scopes_.size()) - 1);
    iterate(iterable, [&](const Value& item) {
      charge();
      exec_assign(*s.target, item);
      if (eval(*s.filter).truthy()) listed.push_back(item);
    });
    pop_scope(scope);
    items = &listed;
  } else if (iterable.is_list() || iterable.is_tuple()) {
    items = &iterable.items();
  } else if (iterable.is_range()) {
    range = &iterable.as_range();
  } else {
    listed = to_list(iterable);
    items = &listed;
  }
  int64_t length = range ? range->size() : static_cast<int64_t>(items->size());
  if (length == 0 || (items && items->empty())) {
    exec(s.otherwise);
    return;
  }
  Value loop = make_loop(&s, self_, length, depth);
  Value prev;
  Value next_item;
  auto item_at = [&](int64_t i) { return range ? Value(range->at(i)) : (*items)[i]; };
  for (int64_t i = 0;; ++i) {
    int64_t size = range ? length : static_cast<int64_t>(items->size());
    if (i >= size) break;
    charge();
    Value item = item_at(i);
    bool has_next = i + 1 < size;
    if (has_next) next_item = item_at(i + 1);
    loop_advance(loop, i, item, prev, has_next ? &next_item : nullptr);
    int scope = push_scope(static_cast<int>(scopes_.size()) - 1);
    set_var(s.loop_id, loop);
    exec_assign(*s.target, item);
    exec(s.body);
    pop_scope(scope);
    prev = std::move(item);
  }
}

Value Interpreter::call_loop(const ForStmt& stmt, const Value& iterable, int depth) {
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec_for(stmt, iterable, depth);
  } catch (...) {
    out_ = saved;
    throw;
  }
  out_ = saved;
  return Value(std::move(buf));
}

void Interpreter::exec_call_block(const CallBlockStmt& s) {
  const auto& call = static_cast<const CallExpr&>(*s.call);
  int scope = static_cast<int>(scopes_.size()) - 1;
  Value caller = make_macro(*this, s.caller, scope, scopes_[scope].serial, self_);
  CallArgs args;
  eval_args(call.args, args);
  args.kwargs.emplace_back("caller", caller);
  append_output(this->call(eval(*call.callee), args));
}

Value Interpreter::call_macro(const std::shared_ptr<const MacroDef>& def, int scope,
                              uint64_t serial, CallArgs& args, const Value& caller) {
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    err::raise(err::kRecursion, "maximum recursion depth exceeded in macro '" + def->name + "'");
  }
  struct Depth {
    int& d;
    ~Depth() { --d; }
  } depth_guard{call_depth_};
  charge();
  const std::string& name = def->name;
  size_t nparams = def->params.size();
  if (args.args.size() > nparams && !def->uses_varargs) {
    err::raise(err::kType, "macro '" + name + "' takes not more than " + std::to_string(nparams) +
                               " argument(s)");
  }
  // The macro sees the scope it was defined in (if that is still running), not the caller's.
  int parent =
      scope < static_cast<int>(scopes_.size()) && scopes_[scope].serial == serial ? scope : 0;
  int frame = push_scope(parent);
  std::vector<bool> used_kw(args.kwargs.size(), false);
  Value caller_value = caller.is_undefined() ? Value::undefined("No caller defined") : caller;
  for (size_t k = 0; k < args.kwargs.size(); ++k) {
    if (args.kwargs[k].first == "caller" && def->uses_caller) {
      caller_value = args.kwargs[k].second;
      used_kw[k] = true;
    }
  }
  size_t ndefaults = def->defaults.size();
  for (size_t i = 0; i < nparams; ++i) {
    const std::string& pname = def->params[i];
    const Value* given = i < args.args.size() ? &args.args[i] : nullptr;
    for (size_t k = 0; k < args.kwargs.size() && !given; ++k) {
      if (args.kwargs[k].first == pname && !used_kw[k]) {
        given = &args.kwargs[k].second;
        used_kw[k] = true;
      }
    }
    if (given) {
      set_var(def->param_ids[i], *given);
    } else if (i >= nparams - ndefaults) {
      set_var(def->param_ids[i], eval(*def->defaults[i - (nparams - ndefaults)]));
    } else {
      set_var(def->param_ids[i], Value::undefined("parameter '" + pname + "' was not provided"));
    }
  }
  if (def->uses_varargs) {
    List extra;
    for (size_t i = nparams; i < args.args.size(); ++i) extra.push_back(args.args[i]);
    set_var(def->varargs_id, Value::tuple(std::move(extra)));
  }
  Dict extra_kw;
  for (size_t k = 0; k < args.kwargs.size(); ++k) {
    if (used_kw[k]) continue;
    if (!def->uses_kwargs) {
      pop_scope(frame);
      err::raise(err::kType,
                 "macro '" + name + "' takes no keyword argument '" + args.kwargs[k].first + "'");
    }
    extra_kw.set(args.kwargs[k].first, args.kwargs[k].second);
  }
  if (def->uses_kwargs) set_var(def->kwargs_id, Value::dict(std::move(extra_kw)));
  if (def->uses_caller) {
    set_var(def->caller_id, caller_value);
  }
  std::string buf;
  std::string* saved = out_;
  out_ = &buf;
  try {
    exec(def->body);
  } catch (...) {
    out_ = saved;
    pop_scope(frame);
    throw;
  }
  out_ = saved;
  pop_scope(frame);
  return Value(std::move(buf));
}

// ---- expressions -----------------------------------------------------------------------------

Value Interpreter::eval_name(const NameExpr& e) {
  const Value* v = lookup(e.id);
  if (v) return *v;
  return Value::undefined_name(e.name);
}

Value Interpreter::eval(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kConst:
      return static_cast<const ConstExpr&>(e).value;
    case ExprKind::kName:
      return eval_name(static_cast<const NameExpr&>(e));
    default:
      break;
  }
  Guard guard(*this);
  switch (e.kind) {
    case ExprKind::kGetattr: {
      const auto& g = static_cast<const GetattrExpr&>(e);
      if (g.obj->kind == ExprKind::kName) {
        const Value* obj = lookup(static_cast<const NameExpr&>(*g.obj).id);
        if (obj) return getattr(*obj, g.attr);
      }
      return getattr(eval(*g.obj), g.attr);
    }
    case ExprKind::kGetitem: {
      const auto& g = static_cast<const GetitemExpr&>(e);
      Value obj = eval(*g.obj);
      if (g.key->kind == ExprKind::kSlice) {
        return eval_slice(obj, static_cast<const SliceExpr&>(*g.key));
      }
      return getitem(obj, eval(*g.key));
    }
    case ExprKind::kCall:
      return eval_call(static_cast<const CallExpr&>(e));
    case ExprKind::kFilter: {
      const auto& f = static_cast<const FilterExpr&>(e);
      return eval_filter(f, f.value ? eval(*f.value) : Value());
    }
    case ExprKind::kTest:
      return Value(eval_test(static_cast<const TestExpr&>(e)));
    case ExprKind::kNeg:
      return negate(eval(*static_cast<const UnaryExpr&>(e).operand));
    case ExprKind::kPos:
      return positive(eval(*static_cast<const UnaryExpr&>(e).operand));
    case ExprKind::kNot:
      return Value(!eval(*static_cast<const UnaryExpr&>(e).operand).truthy());
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value left = eval(*b.left);
      return binary_op(b.op, left, eval(*b.right), *this);
    }
    case ExprKind::kAnd: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value left = eval(*b.left);
      if (!left.truthy()) return left;
      return eval(*b.right);
    }
    case ExprKind::kOr: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value left = eval(*b.left);
      if (left.truthy()) return left;
      return eval(*b.right);
    }
    case ExprKind::kConcat: {
      std::string s;
      for (const auto& part : static_cast<const ConcatExpr&>(e).parts) {
        eval(*part).append_str(s);
        check_size(s.size());
      }
      return Value(std::move(s));
    }
    case ExprKind::kCompare:
      return eval_compare(static_cast<const CompareExpr&>(e));
    case ExprKind::kCondExpr: {
      const auto& c = static_cast<const CondExpr&>(e);
      if (eval(*c.test).truthy()) return eval(*c.then);
      if (c.otherwise) return eval(*c.otherwise);
      return Value::undefined("the inline if-expression on line " + std::to_string(c.line) +
                              " evaluated to false and no else section was defined.");
    }
    case ExprKind::kList:
    case ExprKind::kTuple: {
      const auto& s = static_cast<const SeqExpr&>(e);
      List items;
      items.reserve(s.items.size());
      for (const auto& item : s.items) items.push_back(eval(*item));
      return e.kind == ExprKind::kList ? Value::list(std::move(items))
                                       : Value::tuple(std::move(items));
    }
    case ExprKind::kDict: {
      const auto& s = static_cast<const SeqExpr&>(e);
      Dict d;
      for (size_t i = 0; i < s.items.size(); ++i) {
        Value k = eval(*s.items[i]);
        d.set(k, eval(*s.values[i]));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::kNsRef: {
      const auto& r = static_cast<const NsRefExpr&>(e);
      const Value* v = lookup(r.id);
      return getattr(v ? *v : Value::undefined_name(r.name), r.attr);
    }
    case ExprKind::kSlice:
      err::raise(err::kRuntime, "slice outside of a subscript");
    default:
      err::raise(err::kRuntime, "cannot evaluate expression");
  }
}

void Interpreter::eval_args(const Args& a, CallArgs& out) {
  out.args.reserve(a.args.size());
  for (const auto& x : a.args) out.args.push_back(eval(*x));
  for (const auto& k : a.kwargs) out.kwargs.emplace_back(k.name, eval(*k.value));
  if (a.dyn_args) {
    Value extra = eval(*a.dyn_args);
    iterate(extra, [&](const Value& v) { out.args.push_back(v); });
  }
  if (a.dyn_kwargs) {
    Value extra = eval(*a.dyn_kwargs);
    if (!extra.is_mapping()) {
      err::raise(err::kType, "argument after ** must be a mapping, not " + extra.type_name());
    }
    for (const Value& k : to_list(extra)) {
      if (!k.is_str()) err::raise(err::kType, "keywords must be strings");
      out.kwargs.emplace_back(k.as_str(), getitem(extra, k));
    }
  }
}

Value Interpreter::eval_call(const CallExpr& e) {
  CallArgs args;
  if (e.callee->kind == ExprKind::kGetattr) {
    // obj.method(...) without making a bound method first.
    const auto& g = static_cast<const GetattrExpr&>(*e.callee);
    Value obj = eval(*g.obj);
    if (!obj.is_object() && !obj.is_undefined() && has_method(obj, g.attr)) {
      eval_args(e.args, args);
      Value out;
      call_method(*this, obj, g.attr, args, out);
      return out;
    }
    Value fn = getattr(obj, g.attr);
    eval_args(e.args, args);
    return call(fn, args);
  }
  Value fn = eval(*e.callee);
  eval_args(e.args, args);
  return call(fn, args);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_object()) {
    Object& obj = callee.as_object();
    if (obj.is_callable()) return obj.call(args);
  }
  if (callee.is_undefined()) raise_undefined(callee);
  err::raise(err::kType, "'" + callee.type_name() + "' object is not callable");
}

Value Interpreter::eval_filter(const FilterExpr& f, Value input) {
  if (!f.fn) err::raise(err::kRuntime, "No filter named '" + f.name + "' found.");
  CallArgs args;
  eval_args(f.args, args);
  return f.fn(*this, std::move(input), args);
}

Value Interpreter::apply_filter_chain(const Expr& chain, Value input) {
  const auto& f = static_cast<const FilterExpr&>(chain);
  Value inner = f.value ? apply_filter_chain(*f.value, std::move(input)) : std::move(input);
  return eval_filter(f, std::move(inner));
}

bool Interpreter::eval_test(const TestExpr& t) {
  if (!t.fn) err::raise(err::kRuntime, "No test named '" + t.name + "' found.");
  Value v = eval(*t.value);
  CallArgs args;
  eval_args(t.args, args);
  return t.fn(*this, v, args);
}

Value Interpreter::apply_filter(std::string_view name, Value value, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn) err::raise(err::kRuntime, "No filter named '" + std::string(name) + "'.");
  return fn(*this, std::move(value), args);
}

bool Interpreter::apply_test(std::string_view name, const Value& value, CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) err::raise(err::kRuntime, "No test named '" + std::string(name) + "'.");
  return fn(*this, value, args);
}

Value Interpreter::eval_compare(const CompareExpr& e) {
  Value left = eval(*e.first);
  for (const auto& [op, rhs] : e.ops) {
    Value right = eval(*rhs);
    if (!compare_op(op, left, right)) return Value(false);
    left = std::move(right);
  }
  return Value(true);
}

// ---- lookup ----------------------------------------------------------------------------------

Value Interpreter::getattr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case Kind::kUndefined:
      raise_undefined(obj);
    case Kind::kObject: {
      Value out;
      Object& o = obj.as_object();
      if (o.get_attr(name, out)) return out;
      if (o.get_item(Value(name), out)) return out;
      return Value::undefined_attr(obj, name);
    }
    case Kind::kDict: {
      if (has_method(obj, name)) return bound_method(obj, name);
      const Value* v = obj.as_dict().find(name);
      if (v) return *v;
      return Value::undefined_attr(obj, name);
    }
    case Kind::kJson: {
      if (has_method(obj, name)) return bound_method(obj, name);
      const Json& j = obj.as_json();
      if (j.is_object()) {
        auto it = j.find(name);
        if (it != j.end()) return Value::json_node(obj.json_owner(), &*it);
      }
      return Value::undefined_attr(obj, name);
    }
    default: {
      Value out;
      if (builtin_attribute(obj, name, out)) return out;
      if (has_method(obj, name)) return bound_method(obj, name);
      return Value::undefined_attr(obj, name);
    }
  }
}

namespace {

// Python's index normalisation; false when out of range.
bool normalize_index(int64_t& i, int64_t size) {
  if (i < 0) i += size;
  return i >= 0 && i < size;
}

}  // namespace

Value Interpreter::getitem(const Value& obj, const Value& key) {
  bool int_key = key.is_int() || key.is_bool();
  switch (obj.kind()) {
    case Kind::kUndefined:
      raise_undefined(obj);
    case Kind::kList:
    case Kind::kTuple:
      if (int_key) {
        int64_t i = key.to_int();
        const List& items = obj.items();
        if (normalize_index(i, static_cast<int64_t>(items.size()))) return items[i];
      }
      break;
    case Kind::kRange:
      if (int_key) {
        int64_t i = key.to_int();
        const Range& r = obj.as_range();
        if (normalize_index(i, r.size())) return Value(r.at(i));
      }
      break;
    case Kind::kStr:
      if (int_key) {
        int64_t i = key.to_int();
        const std::string& s = obj.as_str();
        if (py::is_ascii(s)) {
          if (normalize_index(i, static_cast<int64_t>(s.size())))
            return Value(std::string(1, s[i]));
        } else if (normalize_index(i, static_cast<int64_t>(py::cp_length(s)))) {
          size_t b = py::cp_offset(s, i);
          size_t e = b;
          py::decode_utf8(s, e);
          return Value(s.substr(b, e - b));
        }
      }
      break;
    case Kind::kDict: {
      if (key.is_str() || key.is_number() || key.is_none() || key.is_tuple()) {
        const Value* v = obj.as_dict().find(key);
        if (v) return *v;
      }
      break;
    }
    case Kind::kJson: {
      const Json& j = obj.as_json();
      if (j.is_array() && int_key) {
        int64_t i = key.to_int();
        if (normalize_index(i, static_cast<int64_t>(j.size()))) {
          return Value::json_node(obj.json_owner(), &j[static_cast<size_t>(i)]);
        }
      } else if (j.is_object() && key.is_str()) {
        auto it = j.find(key.as_str());
        if (it != j.end()) return Value::json_node(obj.json_owner(), &*it);
      }
      break;
    }
    case Kind::kObject: {
      Value out;
      if (obj.as_object().get_item(key, out)) return out;
      if (key.is_str() && obj.as_object().get_attr(key.as_str(), out)) return out;
      return Value::undefined_item(obj, key);
    }
    default:
      break;
  }
  if (key.is_str()) {
    Value out;
    if (builtin_attribute(obj, key.as_str(), out)) return out;
    if (has_method(obj, key.as_str())) return bound_method(obj, key.as_str());
  }
  return Value::undefined_item(obj, key);
}

namespace {

// Python's slice.indices(): clamps start/stop for a sequence of `len` items.
void slice_indices(const Value& start, const Value& stop, const Value& step_v, int64_t len,
                   int64_t& b, int64_t& e, int64_t& step) {
  auto as_index = [](const Value& v) {
    if (!(v.is_int() || v.is_bool())) {
      err::raise(err::kType, "slice indices must be integers or None or have an __index__ method");
    }
    return v.to_int();
  };
  step = step_v.is_none() || step_v.is_undefined() ? 1 : as_index(step_v);
  if (step == 0) err::raise(err::kValue, "slice step cannot be zero");
  auto clamp = [&](const Value& v, int64_t dflt) {
    if (v.is_none() || v.is_undefined()) return dflt;
    int64_t i = as_index(v);
    if (i < 0) {
      i += len;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= len) {
      i = step < 0 ? len - 1 : len;
    }
    return i;
  };
  b = clamp(start, step < 0 ? len - 1 : 0);
  e = clamp(stop, step < 0 ? -1 : len);
}

int64_t slice_count(int64_t b, int64_t e, int64_t step) {
  if (step > 0) return b < e ? (e - b - 1) / step + 1 : 0;
  return b > e ? (b - e - 1) / (-step) + 1 : 0;
}

}  // namespace

Value Interpreter::eval_slice(const Value& obj, const SliceExpr& s) {
  Value start = s.start ? eval(*s.start) : Value::none();
  Value stop = s.stop ? eval(*s.stop) : Value::none();
  Value step_v = s.step ? eval(*s.step) : Value::none();
  int64_t b, e, step;
  switch (obj.kind()) {
    case Kind::kList:
    case Kind::kTuple: {
      const List& items = obj.items();
      slice_indices(start, stop, step_v, static_cast<int64_t>(items.size()), b, e, step);
      List out;
      int64_t n = slice_count(b, e, step);
      out.reserve(static_cast<size_t>(n));
      for (int64_t k = 0; k < n; ++k) out.push_back(items[b + k * step]);
      return obj.is_list() ? Value::list(std::move(out)) : Value::tuple(std::move(out));
    }
    case Kind::kJson:
      if (obj.as_json().is_array()) {
        List items = to_list(obj);
        return eval_slice(Value::list(std::move(items)), s);
      }
      break;
    case Kind::kStr: {
      const std::string& str = obj.as_str();
      if (py::is_ascii(str)) {
        slice_indices(start, stop, step_v, static_cast<int64_t>(str.size()), b, e, step);
        int64_t n = slice_count(b, e, step);
        std::string out;
        out.reserve(static_cast<size_t>(n));
        for (int64_t k = 0; k < n; ++k) out += str[b + k * step];
        return Value(std::move(out));
      }
      std::vector<std::string_view> cps;
      for (size_t i = 0; i < str.size();) {
        size_t j = i;
        py::decode_utf8(str, j);
        cps.push_back(std::string_view(str).substr(i, j - i));
        i = j;
      }
      slice_indices(start, stop, step_v, static_cast<int64_t>(cps.size()), b, e, step);
      int64_t n = slice_count(b, e, step);
      std::string out;
      for (int64_t k = 0; k < n; ++k) out += cps[b + k * step];
      return Value(std::move(out));
    }
    case Kind::kRange: {
      const Range& r = obj.as_range();
      slice_indices(start, stop, step_v, r.size(), b, e, step);
      return Value::range(Range{r.at(b), r.at(e), r.step * step});
    }
    case Kind::kUndefined:
      raise_undefined(obj);
    default:
      break;
  }
  // Python raises TypeError for unsliceable objects; Jinja turns that into undefined.
  return Value::undefined(obj.type_repr() + " has no element slice(" + start.repr() + ", " +
                          stop.repr() + ", " + step_v.repr() + ")");
}

// ---- iteration -------------------------------------------------------------------------------

void Interpreter::iterate(const Value& v, const std::function<void(const Value&)>& fn) {
  switch (v.kind()) {
    case Kind::kUndefined:
      return;
    case Kind::kList:
    case Kind::kTuple: {
      const List& items = v.items();
      for (size_t i = 0; i < items.size(); ++i) {
        charge();
        Value item = items[i];
        fn(item);
      }
      return;
    }
    case Kind::kRange: {
      const Range& r = v.as_range();
      int64_t n = r.size();
      for (int64_t i = 0; i < n; ++i) {
        charge();
        fn(Value(r.at(i)));
      }
      return;
    }
    case Kind::kStr: {
      const std::string& s = v.as_str();
      for (size_t i = 0; i < s.size();) {
        charge();
        size_t j = i;
        py::decode_utf8(s, j);
        fn(Value(s.substr(i, j - i)));
        i = j;
      }
      return;
    }
    case Kind::kDict: {
      std::vector<Value> keys;
      for (const auto& [k, val] : v.as_dict().entries()) keys.push_back(k);
      for (const Value& k : keys) {
        charge();
        fn(k);
      }
      return;
    }
    case Kind::kJson: {
      const Json& j = v.as_json();
      if (j.is_array()) {
        for (const auto& e : j) {
          charge();
          fn(Value::json_node(v.json_owner(), &e));
        }
      } else {
        for (auto it = j.begin(); it != j.end(); ++it) {
          charge();
          fn(Value(it.key()));
        }
      }
      return;
    }
    case Kind::kObject: {
      std::vector<Value> keys;
      if (!v.as_object().keys(keys)) {
        err::raise(err::kType, "'" + v.type_name() + "' object is not iterable");
      }
      for (const Value& k : keys) {
        charge();
        fn(k);
      }
      return;
    }
    default:
      err::raise(err::kType, "'" + v.type_name() + "' object is not iterable");
  }
}

List Interpreter::to_list(const Value& v) {
  if (v.is_list() || v.is_tuple()) {
    charge(v.items().size());
    return v.items();
  }
  List out;
  iterate(v, [&](const Value& item) {
    out.push_back(item);
    check_size(out.size());
  });
  return out;
}

}  // namespace kpp::tmpl
