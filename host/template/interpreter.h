// The tree-walking interpreter that renders a compiled template, plus the Jinja2 runtime rules it
// shares with filters, tests and methods (attribute and item lookup, calls, iteration, limits).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "template/ast.h"
#include "template/parser.h"
#include "template/template.h"
#include "template/value.h"

namespace kpp::tmpl {

class Interpreter {
 public:
  Interpreter(const Program& program, const Context& ctx, std::string& out);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  void run();

  // ---- the runtime rules, for filters, tests and methods ----------------------------------
  // Jinja2's environment.getattr (attribute first, then item) and getitem (item first).
  Value getattr(const Value& obj, std::string_view name);
  Value getitem(const Value& obj, const Value& key);
  Value call(const Value& callee, CallArgs& args);
  // Every element of an iterable (dict keys, string characters, ...), or a TypeError.
  void iterate(const Value& v, const std::function<void(const Value&)>& fn);
  [[nodiscard]] List to_list(const Value& v);
  // Charges `n` steps against the limit.
  void charge(uint64_t n = 1);
  void check_size(size_t n);
  [[nodiscard]] const Limits& limits() const { return limits_; }
  // Calls a filter or test by name (map('upper'), select('odd')).
  Value apply_filter(std::string_view name, Value value, CallArgs& args);
  bool apply_test(std::string_view name, const Value& value, CallArgs& args);

  // Renders a macro body or recursive loop into a string (used by the macro and loop objects).
  Value call_macro(const std::shared_ptr<const MacroDef>& def, int scope, uint64_t serial,
                   CallArgs& args, const Value& caller);
  Value call_loop(const ForStmt& stmt, const Value& iterable, int depth);

 private:
  struct Var {
    uint32_t id;
    Value value;
  };
  struct Scope {
    size_t begin;
    int parent;
    uint64_t serial;
  };
  struct Guard;

  void exec(const Body& body);
  void exec_stmt(const Stmt& s);
  void exec_output(const OutputStmt& s);
  void exec_for(const ForStmt& s, const Value& iterable, int depth);
  void exec_assign(const Expr& target, const Value& value);
  void exec_call_block(const CallBlockStmt& s);
  std::string render_body(const Body& body, bool scoped);
  Value apply_filter_chain(const Expr& chain, Value input);

  Value eval(const Expr& e);
  Value eval_name(const NameExpr& e);
  Value eval_call(const CallExpr& e);
  void eval_args(const Args& a, CallArgs& out);
  Value eval_filter(const FilterExpr& e, Value input);
  bool eval_test(const TestExpr& e);
  Value eval_compare(const CompareExpr& e);
  Value eval_slice(const Value& obj, const SliceExpr& s);

  const Value* lookup(uint32_t id);
  void set_var(uint32_t id, Value v);
  int push_scope(int parent);
  void pop_scope(int index);
  void append_output(const Value& v);
  void check_output();

  const Program& program_;
  const Context& ctx_;
  Limits limits_;
  std::string* out_;
  std::vector<Var> vars_;
  std::vector<Scope> scopes_;
  std::vector<const Value*> ctx_cache_;
  uint64_t steps_ = 0;
  uint64_t next_serial_ = 1;
  int depth_ = 0;
  int call_depth_ = 0;
  const char* stack_base_ = nullptr;
  std::shared_ptr<Interpreter*> self_;  // macros and loops hold it weakly
};

// ---- operators (operators.cpp) ------------------------------------------------------------
Value binary_op(BinOp op, const Value& a, const Value& b, Interpreter& in);
bool compare_op(CmpOp op, const Value& a, const Value& b);
// Python's a < b, with TypeError for unorderable types.
bool less_than(const Value& a, const Value& b);
bool contains(const Value& container, const Value& item);
Value negate(const Value& v);
Value positive(const Value& v);
// len(v), or a TypeError.
int64_t length_of(const Value& v);
// Python's int() index of a sequence item, or a TypeError / false if not an integer.
[[noreturn]] void raise_undefined(const Value& v);

// ---- formatting (format.cpp) ---------------------------------------------------------------
// Python's `fmt % args`.
Value percent_format(const std::string& fmt, const Value& args);
// Python's str.format(*args, **kwargs).
std::string str_format(Interpreter& in, std::string_view fmt, const CallArgs& args);
// Python's format(value, spec).
std::string format_value(const Value& v, std::string_view spec);

// ---- methods of the built-in types (methods.cpp) -------------------------------------------
// True if `self` has a method `name` (str.upper, dict.items, list.append, ...).
bool has_method(const Value& self, std::string_view name);
// Calls it; false if there is no such method.
bool call_method(Interpreter& in, const Value& self, std::string_view name, CallArgs& args,
                 Value& out);
// A bound method value for `self.name` used without a call.
Value bound_method(const Value& self, std::string_view name);
// Python attributes that are not methods (named tuple fields, float.real, ...).
bool builtin_attribute(const Value& self, std::string_view name, Value& out);

// The interpreter rendering on this thread (bound methods and dict() need it), or null.
Interpreter* current_interpreter();
void set_current_interpreter(Interpreter* in);

// ---- global functions (globals.cpp) --------------------------------------------------------
// range, dict, namespace, cycler, joiner; null if `name` is none of them.
const Value* find_global(std::string_view name);
// The Namespace object type, for {% set ns.attr = value %}.
bool namespace_set(const Value& ns, std::string_view attr, Value value);

// Makes the object behind {% macro %} and loop.
Value make_macro(Interpreter& in, std::shared_ptr<const MacroDef> def, int scope, uint64_t serial,
                 const std::shared_ptr<Interpreter*>& owner);
Value make_loop(const ForStmt* stmt, const std::shared_ptr<Interpreter*>& owner, int64_t length,
                int depth);
// Advances the loop object to item `index` (0-based).
void loop_advance(const Value& loop, int64_t index, const Value& item, const Value& prev,
                  const Value* next);

}  // namespace kpp::tmpl
