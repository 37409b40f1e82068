// The syntax tree of a compiled template: expressions and statements, mirroring Jinja2's nodes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "template/value.h"

namespace kpp::tmpl {

class Interpreter;

enum class ExprKind : uint8_t {
  kConst,
  kName,
  kGetattr,
  kGetitem,
  kSlice,
  kCall,
  kFilter,
  kTest,
  kNeg,
  kPos,
  kNot,
  kBinary,
  kAnd,
  kOr,
  kConcat,
  kCompare,
  kCondExpr,
  kList,
  kTuple,
  kDict,
  kNsRef,
};

enum class BinOp : uint8_t { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
enum class CmpOp : uint8_t { kEq, kNe, kLt, kLtEq, kGt, kGtEq, kIn, kNotIn };

struct Expr {
  explicit Expr(ExprKind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  ExprKind kind;
  int line;
  int depth = 1;  // of the tree below, bounded by the parser
};
using ExprPtr = std::unique_ptr<Expr>;

struct ConstExpr : Expr {
  ConstExpr(Value v, int l) : Expr(ExprKind::kConst, l), value(std::move(v)) {}
  Value value;
};

// A variable; `id` indexes the template's name table.
struct NameExpr : Expr {
  NameExpr(std::string n, uint32_t i, int l)
      : Expr(ExprKind::kName, l), name(std::move(n)), id(i) {}
  std::string name;
  uint32_t id;
};

struct GetattrExpr : Expr {
  GetattrExpr(ExprPtr o, std::string a, int l)
      : Expr(ExprKind::kGetattr, l), obj(std::move(o)), attr(std::move(a)) {}
  ExprPtr obj;
  std::string attr;
};

struct GetitemExpr : Expr {
  GetitemExpr(ExprPtr o, ExprPtr k, int l)
      : Expr(ExprKind::kGetitem, l), obj(std::move(o)), key(std::move(k)) {}
  ExprPtr obj;
  ExprPtr key;  // a SliceExpr for obj[a:b:c]
};

struct SliceExpr : Expr {
  explicit SliceExpr(int l) : Expr(ExprKind::kSlice, l) {}
  ExprPtr start, stop, step;  // each may be null
};

struct Keyword {
  std::string name;
  ExprPtr value;
};

// Arguments of a call, filter or test.
struct Args {
  std::vector<ExprPtr> args;
  std::vector<Keyword> kwargs;
  ExprPtr dyn_args;    // *args
  ExprPtr dyn_kwargs;  // **kwargs
};

struct CallExpr : Expr {
  CallExpr(ExprPtr c, int l) : Expr(ExprKind::kCall, l), callee(std::move(c)) {}
  ExprPtr callee;
  Args args;
};

using FilterFn = Value (*)(Interpreter&, Value, CallArgs&);
using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);

struct FilterExpr : Expr {
  FilterExpr(ExprPtr v, std::string n, int l)
      : Expr(ExprKind::kFilter, l), value(std::move(v)), name(std::move(n)) {}
  ExprPtr value;  // null in {% filter %} blocks and {% set x | f %}
  std::string name;
  FilterFn fn = nullptr;
  Args args;
};

struct TestExpr : Expr {
  TestExpr(ExprPtr v, std::string n, int l)
      : Expr(ExprKind::kTest, l), value(std::move(v)), name(std::move(n)) {}
  ExprPtr value;
  std::string name;
  TestFn fn = nullptr;
  Args args;
};

struct UnaryExpr : Expr {
  UnaryExpr(ExprKind k, ExprPtr o, int l) : Expr(k, l), operand(std::move(o)) {}
  ExprPtr operand;
};

struct BinaryExpr : Expr {
  BinaryExpr(ExprKind k, BinOp o, ExprPtr a, ExprPtr b, int l)
      : Expr(k, l), op(o), left(std::move(a)), right(std::move(b)) {}
  BinOp op;  // for kBinary
  ExprPtr left, right;
};

struct ConcatExpr : Expr {
  explicit ConcatExpr(int l) : Expr(ExprKind::kConcat, l) {}
  std::vector<ExprPtr> parts;
};

struct CompareExpr : Expr {
  CompareExpr(ExprPtr e, int l) : Expr(ExprKind::kCompare, l), first(std::move(e)) {}
  ExprPtr first;
  std::vector<std::pair<CmpOp, ExprPtr>> ops;
};

struct CondExpr : Expr {
  explicit CondExpr(int l) : Expr(ExprKind::kCondExpr, l) {}
  ExprPtr test, then, otherwise;  // otherwise may be null (undefined)
};

// List, tuple (items) and dict (items as key, value pairs).
struct SeqExpr : Expr {
  SeqExpr(ExprKind k, int l) : Expr(k, l) {}
  std::vector<ExprPtr> items;
  std::vector<ExprPtr> values;  // dict only
};

// `ns.attr` as an assignment target.
struct NsRefExpr : Expr {
  NsRefExpr(std::string n, uint32_t i, std::string a, int l)
      : Expr(ExprKind::kNsRef, l), name(std::move(n)), id(i), attr(std::move(a)) {}
  std::string name;
  uint32_t id;
  std::string attr;
};

enum class StmtKind : uint8_t {
  kOutput,
  kIf,
  kFor,
  kAssign,
  kAssignBlock,
  kMacro,
  kCallBlock,
  kFilterBlock,
  kWith,
  kScope,
  kUnsupported,
};

struct Stmt {
  explicit Stmt(StmtKind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  int line;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Template text and { expressions }, in order.
struct OutputStmt : Stmt {
  explicit OutputStmt(int l) : Stmt(StmtKind::kOutput, l) {}
  struct Part {
    std::string text;  // used when expr is null
    ExprPtr expr;
  };
  std::vector<Part> parts;
};

struct IfStmt : Stmt {
  explicit IfStmt(int l) : Stmt(StmtKind::kIf, l) {}
  ExprPtr test;
  Body body;
  Body otherwise;  // elif chains are nested IfStmts here
};

struct ForStmt : Stmt {
  explicit ForStmt(int l) : Stmt(StmtKind::kFor, l) {}
  ExprPtr target;  // a name or a tuple of names
  ExprPtr iter;
  ExprPtr filter;  // {% for x in y if cond %}
  bool recursive = false;
  Body body;
  Body otherwise;
  uint32_t loop_id = 0;  // the name id of `loop`
};

struct AssignStmt : Stmt {
  explicit AssignStmt(int l) : Stmt(StmtKind::kAssign, l) {}
  ExprPtr target;
  ExprPtr value;
};

// {% set x %}...{% endset %}, optionally through filters.
struct AssignBlockStmt : Stmt {
  explicit AssignBlockStmt(int l) : Stmt(StmtKind::kAssignBlock, l) {}
  ExprPtr target;
  ExprPtr filter;  // a FilterExpr chain whose innermost value is null, or null
  Body body;
};

struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<uint32_t> param_ids;
  std::vector<ExprPtr> defaults;  // for the last params
  Body body;
  bool uses_varargs = false;
  bool uses_kwargs = false;
  bool uses_caller = false;
  uint32_t varargs_id = 0, kwargs_id = 0, caller_id = 0;
};

struct MacroStmt : Stmt {
  explicit MacroStmt(int l) : Stmt(StmtKind::kMacro, l) {}
  uint32_t name_id = 0;
  std::shared_ptr<MacroDef> def;
};

// {% call(args) macro(...) %}body{% endcall %}: the body becomes `caller`.
struct CallBlockStmt : Stmt {
  explicit CallBlockStmt(int l) : Stmt(StmtKind::kCallBlock, l) {}
  ExprPtr call;  // a CallExpr
  std::shared_ptr<MacroDef> caller;
};

struct FilterBlockStmt : Stmt {
  explicit FilterBlockStmt(int l) : Stmt(StmtKind::kFilterBlock, l) {}
  ExprPtr filter;  // a FilterExpr chain whose innermost value is null
  Body body;
};

struct WithStmt : Stmt {
  explicit WithStmt(int l) : Stmt(StmtKind::kWith, l) {}
  std::vector<ExprPtr> targets;
  std::vector<ExprPtr> values;
  Body body;
};

// A body rendered in its own scope ({% block %}).
struct ScopeStmt : Stmt {
  explicit ScopeStmt(int l) : Stmt(StmtKind::kScope, l) {}
  Body body;
};

// A statement that parses but cannot run without a template loader ({% include %}, ...).
struct UnsupportedStmt : Stmt {
  UnsupportedStmt(std::string t, std::string m, int l)
      : Stmt(StmtKind::kUnsupported, l), type(std::move(t)), message(std::move(m)) {}
  std::string type;
  std::string message;
};

}  // namespace kpp::tmpl
