// The parser: Jinja2's recursive-descent grammar over the token list, with its error messages,
// compile-time filter/test lookup and limits on nesting so hostile input cannot exhaust the stack.
#include "template/parser.h"

#include <algorithm>
#include <unordered_map>

#include "template/errors.h"
#include "template/lexer.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

constexpr int kMaxExprDepth = 200;
constexpr int kMaxBlockDepth = 100;

std::string pyrepr(std::string_view s) {
  std::string out;
  py::append_str_repr(out, s);
  return out;
}

class Parser {
 public:
  explicit Parser(std::string_view source) : toks_(tokenize(source)) {}

  Program run() {
    Program p;
    p.body = subparse(nullptr);
    // Unknown filters and tests outside conditional code fail compilation, as Jinja2's
    // compiler does once the template has parsed.
    if (!unknown_.empty()) {
      const Unknown& u = unknown_.front();
      throw TemplateSyntaxError("No " + u.what + " named " + pyrepr(u.name) + ".", u.line,
                                u.column);
    }
    p.names = std::move(names_);
    return p;
  }

 private:
  using EndTokens = std::vector<std::string>;

  // ---- token stream -----------------------------------------------------------------------
  const Token& cur() const { return toks_[pos_]; }
  const Token& look() const { return toks_[std::min(pos_ + 1, toks_.size() - 1)]; }
  const Token& next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool is(Tok t) const { return cur().type == t; }
  bool is_name(std::string_view n) const { return cur().type == Tok::kName && cur().text == n; }
  bool skip_if(Tok t) {
    if (!is(t)) return false;
    next();
    return true;
  }
  bool skip_if_name(std::string_view n) {
    if (!is_name(n)) return false;
    next();
    return true;
  }

  [[noreturn]] void fail(const std::string& msg, const Token& at) {
    throw TemplateSyntaxError(msg, at.line, at.column);
  }
  [[noreturn]] void fail(const std::string& msg) { fail(msg, cur()); }

  // Jinja2's expect(): the message names the expected and the found token.
  const Token& expect(Tok t) {
    if (!is(t)) fail_expected(describe_token_type(t));
    return next();
  }
  const Token& expect_name(std::string_view n) {
    if (!is_name(n)) fail_expected(std::string(n));
    return next();
  }
  [[noreturn]] void fail_expected(const std::string& what) {
    if (is(Tok::kEof)) fail("unexpected end of template, expected " + pyrepr(what) + ".");
    fail("expected token " + pyrepr(what) + ", got " + pyrepr(describe_token(cur())));
  }

  static bool token_matches(const Token& t, const std::string& expr) {
    return t.type == Tok::kName && t.text == expr;
  }

  // ---- names ------------------------------------------------------------------------------
  uint32_t intern(const std::string& name) {
    auto it = name_ids_.find(name);
    if (it != name_ids_.end()) return it->second;
    auto id = static_cast<uint32_t>(names_.size());
    names_.push_back(name);
    name_ids_.emplace(name, id);
    return id;
  }

  ExprPtr make_name(const std::string& name, int line) {
    if (name == "varargs" || name == "kwargs" || name == "caller") {
      for (MacroDef* m : macro_stack_) {
        if (name == "varargs") m->uses_varargs = true;
        if (name == "kwargs") m->uses_kwargs = true;
        if (name == "caller") m->uses_caller = true;
      }
    }
    return std::make_unique<NameExpr>(name, intern(name), line);
  }

  // ---- depth limits -----------------------------------------------------------------------
  struct DepthGuard {
    DepthGuard(Parser& p, int& counter, int limit) : c(counter) {
      if (++c > limit) {
        --c;
        p.fail("template nesting too deep (more than " + std::to_string(limit) + " levels)");
      }
    }
    ~DepthGuard() { --c; }
    int& c;
  };

  // Records the depth of a new composite node and rejects trees too deep to evaluate safely.
  ExprPtr sealed(ExprPtr e, std::initializer_list<const Expr*> children, int extra = 0) {
    int d = extra;
    for (const Expr* c : children) d = std::max(d, depth(c));
    d += 1;
    if (d > kMaxExprDepth) {
      fail("expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)");
    }
    e->depth = d;
    return e;
  }
  static int depth(const Expr* e) { return e ? e->depth : 0; }
  static int args_depth(const Args& a) {
    int d = 0;
    for (const auto& x : a.args) d = std::max(d, depth(x.get()));
    for (const auto& k : a.kwargs) d = std::max(d, depth(k.value.get()));
    d = std::max(d, depth(a.dyn_args.get()));
    d = std::max(d, depth(a.dyn_kwargs.get()));
    return d;
  }

  // ---- statements -------------------------------------------------------------------------
  [[noreturn]] void fail_unknown_tag(const std::string* name, const std::vector<EndTokens>& stack,
                                     const Token& at) {
    std::vector<std::string> expected;
    for (const auto& ends : stack) {
      for (const auto& e : ends) expected.push_back(e);
    }
    std::string currently;
    if (!stack.empty()) {
      for (const auto& e : stack.back()) {
        if (!currently.empty()) currently += " or ";
        currently += pyrepr(e);
      }
    }
    std::string msg = name ? "Encountered unknown tag " + pyrepr(*name) + "."
                           : std::string("Unexpected end of template.");
    if (!currently.empty()) {
      if (name && std::find(expected.begin(), expected.end(), *name) != expected.end()) {
        msg +=
            " You probably made a nesting mistake. Jinja is expecting this tag, but currently "
            "looking for " +
            currently + ".";
      } else {
        msg += " Jinja was looking for the following tags: " + currently + ".";
      }
    }
    if (!tag_stack_.empty()) {
      msg += " The innermost block that needs to be closed is " + pyrepr(tag_stack_.back()) + ".";
    }
    fail(msg, at);
  }

  [[noreturn]] void fail_eof(const EndTokens* end_tokens) {
    std::vector<EndTokens> stack = end_stack_;
    if (end_tokens) stack.push_back(*end_tokens);
    fail_unknown_tag(nullptr, stack, cur());
  }

  Body subparse(const EndTokens* end_tokens) {
    DepthGuard guard(*this, block_depth_, kMaxBlockDepth);
    Body body;
    if (end_tokens) end_stack_.push_back(*end_tokens);
    std::unique_ptr<OutputStmt> out;
    auto flush = [&]() {
      if (out) body.push_back(std::move(out));
      out.reset();
    };
    auto output = [&](int line) -> OutputStmt& {
      if (!out) out = std::make_unique<OutputStmt>(line);
      return *out;
    };
    while (!is(Tok::kEof)) {
      const Token& t = cur();
      if (t.type == Tok::kData) {
        output(t.line).parts.push_back({t.text, nullptr});
        next();
      } else if (t.type == Tok::kVariableBegin) {
        next();
        int line = cur().line;
        ExprPtr e = parse_tuple(false, true, nullptr, false);
        output(line).parts.push_back({std::string(), std::move(e)});
        expect(Tok::kVariableEnd);
      } else if (t.type == Tok::kBlockBegin) {
        flush();
        next();
        if (end_tokens) {
          for (const auto& e : *end_tokens) {
            if (token_matches(cur(), e)) {
              end_stack_.pop_back();
              return body;
            }
          }
        }
        parse_statement(body);
        expect(Tok::kBlockEnd);
      } else {
        fail("internal parsing error");
      }
    }
    flush();
    if (end_tokens) end_stack_.pop_back();
    return body;
  }

  // The body of a block statement up to one of `end_tokens`.
  Body parse_statements(const EndTokens& end_tokens, bool drop_needle) {
    skip_if(Tok::kColon);
    expect(Tok::kBlockEnd);
    Body result = subparse(&end_tokens);
    if (is(Tok::kEof)) fail_eof(&end_tokens);
    if (drop_needle) next();
    return result;
  }

  // A body in a new (non-soft) frame, where unknown filters are compile errors again.
  Body parse_inner_statements(const EndTokens& end_tokens, bool drop_needle) {
    bool saved = soft_;
    soft_ = false;
    Body b = parse_statements(end_tokens, drop_needle);
    soft_ = saved;
    return b;
  }

  void parse_statement(Body& body) {
    const Token& token = cur();
    if (token.type != Tok::kName) fail("tag name expected", token);
    const std::string tag = token.text;
    static const char* kKnown[] = {"for",   "if",         "block", "extends", "print",
                                   "macro", "include",    "from",  "import",  "set",
                                   "with",  "autoescape", "call",  "filter"};
    bool known =
        std::any_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return tag == k; });
    if (!known) fail_unknown_tag(&tag, end_stack_, token);
    tag_stack_.push_back(tag);
    if (tag == "for") {
      body.push_back(parse_for());
    } else if (tag == "if") {
      body.push_back(parse_if());
    } else if (tag == "set") {
      body.push_back(parse_set());
    } else if (tag == "macro") {
      body.push_back(parse_macro());
    } else if (tag == "print") {
      body.push_back(parse_print());
    } else if (tag == "with") {
      body.push_back(parse_with());
    } else if (tag == "block") {
      body.push_back(parse_block());
    } else if (tag == "call") {
      body.push_back(parse_call_block());
    } else if (tag == "filter") {
      body.push_back(parse_filter_block());
    } else if (tag == "autoescape") {
      body.push_back(parse_autoescape());
    } else {
      body.push_back(parse_loader_statement(tag));
    }
    tag_stack_.pop_back();
  }

  StmtPtr parse_for() {
    int line = expect_name("for").line;
    auto node = std::make_unique<ForStmt>(line);
    node->target = parse_assign_target(true, false, "in", false);
    expect_name("in");
    node->iter = parse_tuple(false, false, "recursive", false);
    bool saved = soft_;
    soft_ = false;
    if (skip_if_name("if")) node->filter = parse_expression(true);
    node->recursive = skip_if_name("recursive");
    node->loop_id = intern("loop");
    node->body = parse_statements({"endfor", "else"}, false);
    if (next().text == "endfor") {
      soft_ = saved;
      return node;
    }
    node->otherwise = parse_statements({"endfor"}, true);
    soft_ = saved;
    return node;
  }

  StmtPtr parse_if() {
    int line = expect_name("if").line;
    bool saved = soft_;
    soft_ = true;
    auto result = std::make_unique<IfStmt>(line);
    IfStmt* node = result.get();
    while (true) {
      node->test = parse_tuple(false, false, nullptr, false);
      node->body = parse_statements({"elif", "else", "endif"}, false);
      const Token& t = next();
      if (t.text == "elif") {
        auto elif = std::make_unique<IfStmt>(cur().line);
        IfStmt* raw = elif.get();
        node->otherwise.push_back(std::move(elif));
        node = raw;
        continue;
      }
      if (t.text == "else") node->otherwise = parse_statements({"endif"}, true);
      break;
    }
    soft_ = saved;
    return result;
  }

  StmtPtr parse_set() {
    int line = next().line;
    ExprPtr target = parse_assign_target(true, false, nullptr, true);
    if (skip_if(Tok::kAssign)) {
      auto node = std::make_unique<AssignStmt>(line);
      node->target = std::move(target);
      node->value = parse_tuple(false, true, nullptr, false);
      return node;
    }
    auto node = std::make_unique<AssignBlockStmt>(line);
    node->target = std::move(target);
    if (is(Tok::kPipe)) node->filter = parse_filter(nullptr, false);
    node->body = parse_inner_statements({"endset"}, true);
    return node;
  }

  StmtPtr parse_print() {
    int line = next().line;
    auto node = std::make_unique<OutputStmt>(line);
    while (!is(Tok::kBlockEnd)) {
      if (!node->parts.empty()) expect(Tok::kComma);
      node->parts.push_back({std::string(), parse_expression(true)});
    }
    return node;
  }

  StmtPtr parse_with() {
    int line = next().line;
    auto node = std::make_unique<WithStmt>(line);
    while (!is(Tok::kBlockEnd)) {
      if (!node->targets.empty()) expect(Tok::kComma);
      ExprPtr target = parse_assign_target(true, false, nullptr, false);
      expect(Tok::kAssign);
      node->targets.push_back(std::move(target));
      node->values.push_back(parse_expression(true));
    }
    node->body = parse_inner_statements({"endwith"}, true);
    return node;
  }

  StmtPtr parse_block() {
    int line = next().line;
    auto node = std::make_unique<ScopeStmt>(line);
    std::string name = expect(Tok::kName).text;
    skip_if_name("scoped");
    bool required = skip_if_name("required");
    if (is(Tok::kSub)) {
      fail(
          "Block names in Jinja have to be valid Python identifiers and may not contain "
          "hyphens, use an underscore instead.");
    }
    node->body = parse_inner_statements({"endblock"}, true);
    if (required) {
      for (const auto& s : node->body) {
        bool blank = s->kind == StmtKind::kOutput;
        if (blank) {
          for (const auto& part : static_cast<OutputStmt&>(*s).parts) {
            bool space = !part.expr && !part.text.empty() &&
                         py::strip(part.text, nullptr, true, true).empty();
            if (!space) blank = false;
          }
        }
        if (!blank) fail("Required blocks can only contain comments or whitespace");
      }
    }
    skip_if_name(name);
    return node;
  }

  StmtPtr parse_autoescape() {
    int line = next().line;
    (void)parse_expression(true);
    auto node = std::make_unique<ScopeStmt>(line);
    node->body = parse_inner_statements({"endautoescape"}, true);
    return node;
  }

  // {% include %}, {% import %}, {% from %}, {% extends %}: valid syntax, but Klipper's
  // environment has no loader, so rendering them fails as it does there.
  StmtPtr parse_loader_statement(const std::string& tag) {
    int line = next().line;
    (void)parse_expression(true);
    auto context = [&]() {
      if ((is_name("with") || is_name("without")) && look().type == Tok::kName &&
          look().text == "context") {
        next();
        next();
        return true;
      }
      return false;
    };
    if (tag == "include") {
      if (is_name("ignore") && look().type == Tok::kName && look().text == "missing") {
        next();
        next();
      }
      context();
    } else if (tag == "import") {
      expect_name("as");
      (void)parse_assign_target(false, true, nullptr, false);
      context();
    } else if (tag == "from") {
      expect_name("import");
      bool any = false;
      while (true) {
        if (any) expect(Tok::kComma);
        if (is(Tok::kName)) {
          if (context()) break;
          const Token& t = cur();
          ExprPtr target = parse_assign_target(false, true, nullptr, false);
          if (static_cast<NameExpr&>(*target).name.rfind('_', 0) == 0) {
            fail("names starting with an underline can not be imported", t);
          }
          if (skip_if_name("as")) (void)parse_assign_target(false, true, nullptr, false);
          any = true;
          if (context() || !is(Tok::kComma)) break;
        } else {
          expect(Tok::kName);
        }
      }
    }
    return std::make_unique<UnsupportedStmt>(err::kType, "no loader for this environment specified",
                                             line);
  }

  void parse_signature(MacroDef& def) {
    expect(Tok::kLParen);
    while (!is(Tok::kRParen)) {
      if (!def.params.empty()) expect(Tok::kComma);
      ExprPtr arg = parse_assign_target(false, true, nullptr, false);
      auto& name = static_cast<NameExpr&>(*arg);
      if (skip_if(Tok::kAssign)) {
        def.defaults.push_back(parse_expression(true));
      } else if (!def.defaults.empty()) {
        fail("non-default argument follows default argument");
      }
      def.params.push_back(name.name);
      def.param_ids.push_back(name.id);
    }
    expect(Tok::kRParen);
  }

  void finish_macro(MacroDef& def) {
    def.varargs_id = intern("varargs");
    def.kwargs_id = intern("kwargs");
    def.caller_id = intern("caller");
  }

  StmtPtr parse_macro() {
    int line = next().line;
    auto node = std::make_unique<MacroStmt>(line);
    node->def = std::make_shared<MacroDef>();
    ExprPtr name = parse_assign_target(false, true, nullptr, false);
    node->def->name = static_cast<NameExpr&>(*name).name;
    node->name_id = static_cast<NameExpr&>(*name).id;
    parse_signature(*node->def);
    macro_stack_.push_back(node->def.get());
    node->def->body = parse_inner_statements({"endmacro"}, true);
    macro_stack_.pop_back();
    finish_macro(*node->def);
    return node;
  }

  StmtPtr parse_call_block() {
    int line = next().line;
    auto node = std::make_unique<CallBlockStmt>(line);
    node->caller = std::make_shared<MacroDef>();
    node->caller->name = "caller";
    if (is(Tok::kLParen)) parse_signature(*node->caller);
    ExprPtr call = parse_expression(true);
    if (call->kind != ExprKind::kCall) fail("expected call", toks_[pos_]);
    node->call = std::move(call);
    macro_stack_.push_back(node->caller.get());
    node->caller->body = parse_inner_statements({"endcall"}, true);
    macro_stack_.pop_back();
    finish_macro(*node->caller);
    return node;
  }

  StmtPtr parse_filter_block() {
    int line = next().line;
    auto node = std::make_unique<FilterBlockStmt>(line);
    node->filter = parse_filter(nullptr, true);
    node->body = parse_inner_statements({"endfilter"}, true);
    return node;
  }

  // ---- assignment targets -----------------------------------------------------------------
  ExprPtr parse_assign_target(bool with_tuple, bool name_only, const char* extra_end,
                              bool with_namespace) {
    ExprPtr target;
    if (name_only) {
      const Token& t = expect(Tok::kName);
      target = std::make_unique<NameExpr>(t.text, intern(t.text), t.line);
    } else if (with_tuple) {
      target = parse_tuple_simplified(extra_end, with_namespace);
    } else {
      target = parse_primary(with_namespace);
    }
    check_assignable(*target);
    return target;
  }

  void check_assignable(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kName: {
        const std::string& n = static_cast<const NameExpr&>(e).name;
        if (n == "true" || n == "false" || n == "none" || n == "True" || n == "False" ||
            n == "None") {
          fail_at_line("can't assign to 'name'", e.line);
        }
        return;
      }
      case ExprKind::kNsRef:
        return;
      case ExprKind::kTuple:
        for (const auto& item : static_cast<const SeqExpr&>(e).items) {
          if (item->kind != ExprKind::kName && item->kind != ExprKind::kTuple &&
              item->kind != ExprKind::kNsRef) {
            fail_at_line("can't assign to 'tuple'", e.line);
          }
          check_assignable(*item);
        }
        return;
      default:
        fail_at_line("can't assign to " + pyrepr(kind_name(e.kind)), e.line);
    }
  }

  [[noreturn]] void fail_at_line(const std::string& msg, int line) {
    throw TemplateSyntaxError(msg, line, 0);
  }

  static std::string kind_name(ExprKind k) {
    switch (k) {
      case ExprKind::kConst:
        return "const";
      case ExprKind::kGetattr:
        return "getattr";
      case ExprKind::kGetitem:
        return "getitem";
      case ExprKind::kCall:
        return "call";
      case ExprKind::kFilter:
        return "filter";
      case ExprKind::kTest:
        return "test";
      case ExprKind::kList:
        return "list";
      case ExprKind::kDict:
        return "dict";
      case ExprKind::kCondExpr:
        return "condexpr";
      case ExprKind::kCompare:
        return "compare";
      case ExprKind::kConcat:
        return "concat";
      case ExprKind::kNeg:
        return "neg";
      case ExprKind::kPos:
        return "pos";
      case ExprKind::kNot:
        return "not";
      case ExprKind::kAnd:
        return "and";
      case ExprKind::kOr:
        return "or";
      case ExprKind::kSlice:
        return "slice";
      default:
        return "expr";
    }
  }

  // ---- expressions ------------------------------------------------------------------------
  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this, expr_nesting_, kMaxExprDepth);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    int line = cur().line;
    size_t unknown_mark = unknown_.size();
    ExprPtr expr1 = parse_or();
    while (is_name("if")) {
      next();
      // The whole conditional expression is "soft": unknown names fail only when evaluated.
      unknown_.resize(std::min(unknown_.size(), unknown_mark));
      bool saved = soft_;
      soft_ = true;
      auto node = std::make_unique<CondExpr>(line);
      node->test = parse_or();
      if (skip_if_name("else")) node->otherwise = parse_condexpr();
      node->then = std::move(expr1);
      soft_ = saved;
      const Expr* a = node->test.get();
      const Expr* b = node->then.get();
      const Expr* c = node->otherwise.get();
      expr1 = sealed(std::move(node), {a, b, c});
      line = cur().line;
    }
    return expr1;
  }

  ExprPtr binary(ExprKind k, BinOp op, ExprPtr a, ExprPtr b, int line) {
    const Expr* pa = a.get();
    const Expr* pb = b.get();
    return sealed(std::make_unique<BinaryExpr>(k, op, std::move(a), std::move(b), line), {pa, pb});
  }

  ExprPtr parse_or() {
    int line = cur().line;
    ExprPtr left = parse_and();
    while (skip_if_name("or")) {
      left = binary(ExprKind::kOr, BinOp::kAdd, std::move(left), parse_and(), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_and() {
    int line = cur().line;
    ExprPtr left = parse_not();
    while (skip_if_name("and")) {
      left = binary(ExprKind::kAnd, BinOp::kAdd, std::move(left), parse_not(), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      int line = next().line;
      DepthGuard guard(*this, expr_nesting_, kMaxExprDepth);
      ExprPtr operand = parse_not();
      const Expr* p = operand.get();
      return sealed(std::make_unique<UnaryExpr>(ExprKind::kNot, std::move(operand), line), {p});
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = cur().line;
    ExprPtr expr = parse_math1();
    std::unique_ptr<CompareExpr> cmp;
    int d = depth(expr.get());
    while (true) {
      CmpOp op;
      Tok t = cur().type;
      if (t == Tok::kEq || t == Tok::kNe || t == Tok::kLt || t == Tok::kLtEq || t == Tok::kGt ||
          t == Tok::kGtEq) {
        next();
        op = t == Tok::kEq     ? CmpOp::kEq
             : t == Tok::kNe   ? CmpOp::kNe
             : t == Tok::kLt   ? CmpOp::kLt
             : t == Tok::kLtEq ? CmpOp::kLtEq
             : t == Tok::kGt   ? CmpOp::kGt
                               : CmpOp::kGtEq;
      } else if (skip_if_name("in")) {
        op = CmpOp::kIn;
      } else if (is_name("not") && look().type == Tok::kName && look().text == "in") {
        next();
        next();
        op = CmpOp::kNotIn;
      } else {
        break;
      }
      if (!cmp) cmp = std::make_unique<CompareExpr>(std::move(expr), line);
      ExprPtr rhs = parse_math1();
      d = std::max(d, depth(rhs.get()));
      cmp->ops.emplace_back(op, std::move(rhs));
      line = cur().line;
    }
    if (!cmp) return expr;
    cmp->line = line;
    return sealed(std::move(cmp), {}, d);
  }

  ExprPtr parse_math1() {
    int line = cur().line;
    ExprPtr left = parse_concat();
    while (is(Tok::kAdd) || is(Tok::kSub)) {
      BinOp op = is(Tok::kAdd) ? BinOp::kAdd : BinOp::kSub;
      next();
      left = binary(ExprKind::kBinary, op, std::move(left), parse_concat(), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_concat() {
    int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is(Tok::kTilde)) return first;
    auto node = std::make_unique<ConcatExpr>(line);
    int d = depth(first.get());
    node->parts.push_back(std::move(first));
    while (skip_if(Tok::kTilde)) {
      node->parts.push_back(parse_math2());
      d = std::max(d, depth(node->parts.back().get()));
    }
    return sealed(std::move(node), {}, d);
  }

  ExprPtr parse_math2() {
    int line = cur().line;
    ExprPtr left = parse_pow();
    while (is(Tok::kMul) || is(Tok::kDiv) || is(Tok::kFloorDiv) || is(Tok::kMod)) {
      Tok t = next().type;
      BinOp op = t == Tok::kMul        ? BinOp::kMul
                 : t == Tok::kDiv      ? BinOp::kDiv
                 : t == Tok::kFloorDiv ? BinOp::kFloorDiv
                                       : BinOp::kMod;
      left = binary(ExprKind::kBinary, op, std::move(left), parse_pow(), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_pow() {
    int line = cur().line;
    ExprPtr left = parse_unary(true);
    while (skip_if(Tok::kPow)) {
      left = binary(ExprKind::kBinary, BinOp::kPow, std::move(left), parse_unary(true), line);
      line = cur().line;
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this, expr_nesting_, kMaxExprDepth);
    int line = cur().line;
    ExprPtr node;
    if (is(Tok::kSub) || is(Tok::kAdd)) {
      ExprKind k = is(Tok::kSub) ? ExprKind::kNeg : ExprKind::kPos;
      next();
      ExprPtr operand = parse_unary(false);
      const Expr* p = operand.get();
      node = sealed(std::make_unique<UnaryExpr>(k, std::move(operand), line), {p});
    } else {
      node = parse_primary(false);
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary(bool with_namespace) {
    const Token& token = cur();
    int line = token.line;
    switch (token.type) {
      case Tok::kName: {
        std::string name = token.text;
        next();
        if (name == "true" || name == "True") return std::make_unique<ConstExpr>(Value(true), line);
        if (name == "false" || name == "False")
          return std::make_unique<ConstExpr>(Value(false), line);
        if (name == "none" || name == "None")
          return std::make_unique<ConstExpr>(Value::none(), line);
        if (with_namespace && is(Tok::kDot)) {
          next();
          std::string attr = expect(Tok::kName).text;
          return std::make_unique<NsRefExpr>(name, intern(name), attr, line);
        }
        return make_name(name, line);
      }
      case Tok::kString: {
        std::string buf = token.text;
        next();
        while (is(Tok::kString)) buf += next().text;
        return std::make_unique<ConstExpr>(Value(std::move(buf)), line);
      }
      case Tok::kInteger: {
        int64_t v = token.int_value;
        next();
        return std::make_unique<ConstExpr>(Value(v), line);
      }
      case Tok::kFloat: {
        double v = token.float_value;
        next();
        return std::make_unique<ConstExpr>(Value(v), line);
      }
      case Tok::kLParen: {
        next();
        ExprPtr node = parse_tuple(false, true, nullptr, true);
        expect(Tok::kRParen);
        return node;
      }
      case Tok::kLBracket:
        return parse_list();
      case Tok::kLBrace:
        return parse_dict();
      default:
        fail("unexpected " + pyrepr(describe_token(token)), token);
    }
  }

  bool is_tuple_end(const char* extra_end) const {
    Tok t = cur().type;
    if (t == Tok::kVariableEnd || t == Tok::kBlockEnd || t == Tok::kRParen) return true;
    return extra_end && is_name(extra_end);
  }

  // parse_tuple with simplified=True: only primaries (assignment targets).
  ExprPtr parse_tuple_simplified(const char* extra_end, bool with_namespace) {
    return parse_tuple_impl(true, true, extra_end, false, with_namespace);
  }

  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const char* extra_end,
                      bool explicit_parentheses) {
    return parse_tuple_impl(simplified, with_condexpr, extra_end, explicit_parentheses, false);
  }

  ExprPtr parse_tuple_impl(bool simplified, bool with_condexpr, const char* extra_end,
                           bool explicit_parentheses, bool with_namespace) {
    int line = cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    while (true) {
      if (!args.empty()) expect(Tok::kComma);
      if (is_tuple_end(extra_end)) break;
      args.push_back(simplified ? parse_primary(with_namespace) : parse_expression(with_condexpr));
      if (is(Tok::kComma)) {
        is_tuple = true;
      } else {
        break;
      }
      line = cur().line;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parentheses) {
        fail("Expected an expression, got " + pyrepr(describe_token(cur())));
      }
    }
    auto node = std::make_unique<SeqExpr>(ExprKind::kTuple, line);
    int d = 0;
    for (const auto& a : args) d = std::max(d, depth(a.get()));
    node->items = std::move(args);
    return sealed(std::move(node), {}, d);
  }

  ExprPtr parse_list() {
    int line = expect(Tok::kLBracket).line;
    auto node = std::make_unique<SeqExpr>(ExprKind::kList, line);
    int d = 0;
    while (!is(Tok::kRBracket)) {
      if (!node->items.empty()) expect(Tok::kComma);
      if (is(Tok::kRBracket)) break;
      node->items.push_back(parse_expression(true));
      d = std::max(d, depth(node->items.back().get()));
    }
    expect(Tok::kRBracket);
    return sealed(std::move(node), {}, d);
  }

  ExprPtr parse_dict() {
    int line = expect(Tok::kLBrace).line;
    auto node = std::make_unique<SeqExpr>(ExprKind::kDict, line);
    int d = 0;
    while (!is(Tok::kRBrace)) {
      if (!node->items.empty()) expect(Tok::kComma);
      if (is(Tok::kRBrace)) break;
      node->items.push_back(parse_expression(true));
      expect(Tok::kColon);
      node->values.push_back(parse_expression(true));
      d = std::max({d, depth(node->items.back().get()), depth(node->values.back().get())});
    }
    expect(Tok::kRBrace);
    return sealed(std::move(node), {}, d);
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      if (is(Tok::kDot) || is(Tok::kLBracket)) {
        node = parse_subscript(std::move(node));
      } else if (is(Tok::kLParen)) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is(Tok::kPipe)) {
        node = parse_filter(std::move(node), false);
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is(Tok::kLParen)) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& token = next();
    int line = token.line;
    if (token.type == Tok::kDot) {
      const Token& attr = cur();
      next();
      if (attr.type == Tok::kName) {
        const Expr* p = node.get();
        return sealed(std::make_unique<GetattrExpr>(std::move(node), attr.text, line), {p});
      }
      if (attr.type != Tok::kInteger) fail("expected name or number", attr);
      auto key = std::make_unique<ConstExpr>(Value(attr.int_value), attr.line);
      const Expr* p = node.get();
      return sealed(std::make_unique<GetitemExpr>(std::move(node), std::move(key), line), {p});
    }
    // '['
    std::vector<ExprPtr> args;
    while (!is(Tok::kRBracket)) {
      if (!args.empty()) expect(Tok::kComma);
      args.push_back(parse_subscribed());
    }
    expect(Tok::kRBracket);
    ExprPtr arg;
    if (args.size() == 1) {
      arg = std::move(args[0]);
    } else {
      auto tuple = std::make_unique<SeqExpr>(ExprKind::kTuple, line);
      int d = 0;
      for (const auto& a : args) d = std::max(d, depth(a.get()));
      tuple->items = std::move(args);
      arg = sealed(std::move(tuple), {}, d);
    }
    const Expr* p = node.get();
    const Expr* k = arg.get();
    return sealed(std::make_unique<GetitemExpr>(std::move(node), std::move(arg), line), {p, k});
  }

  ExprPtr parse_subscribed() {
    int line = cur().line;
    std::vector<ExprPtr> args;
    if (is(Tok::kColon)) {
      next();
      args.emplace_back();
    } else {
      ExprPtr node = parse_expression(true);
      if (!is(Tok::kColon)) return node;
      next();
      args.push_back(std::move(node));
    }
    if (is(Tok::kColon)) {
      args.emplace_back();
    } else if (!is(Tok::kRBracket) && !is(Tok::kComma)) {
      args.push_back(parse_expression(true));
    } else {
      args.emplace_back();
    }
    if (is(Tok::kColon)) {
      next();
      if (!is(Tok::kRBracket) && !is(Tok::kComma)) {
        args.push_back(parse_expression(true));
      } else {
        args.emplace_back();
      }
    } else {
      args.emplace_back();
    }
    auto slice = std::make_unique<SliceExpr>(line);
    slice->start = std::move(args[0]);
    slice->stop = std::move(args[1]);
    slice->step = std::move(args[2]);
    const Expr* a = slice->start.get();
    const Expr* b = slice->stop.get();
    const Expr* c = slice->step.get();
    return sealed(std::move(slice), {a, b, c});
  }

  void parse_call_args(Args& out) {
    const Token& token = expect(Tok::kLParen);
    int line = token.line;
    auto ensure = [&](bool ok) {
      if (!ok) fail_at_line("invalid syntax for function call expression", line);
    };
    bool require_comma = false;
    while (!is(Tok::kRParen)) {
      if (require_comma) {
        expect(Tok::kComma);
        if (is(Tok::kRParen)) break;
      }
      if (is(Tok::kMul)) {
        ensure(!out.dyn_args && !out.dyn_kwargs);
        next();
        out.dyn_args = parse_expression(true);
      } else if (is(Tok::kPow)) {
        ensure(!out.dyn_kwargs);
        next();
        out.dyn_kwargs = parse_expression(true);
      } else if (is(Tok::kName) && look().type == Tok::kAssign) {
        ensure(!out.dyn_kwargs);
        std::string key = cur().text;
        next();
        next();
        out.kwargs.push_back({key, parse_expression(true)});
      } else {
        ensure(!out.dyn_args && !out.dyn_kwargs && out.kwargs.empty());
        out.args.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect(Tok::kRParen);
  }

  ExprPtr parse_call(ExprPtr node) {
    int line = cur().line;
    auto call = std::make_unique<CallExpr>(std::move(node), line);
    parse_call_args(call->args);
    int d = std::max(depth(call->callee.get()), args_depth(call->args));
    return sealed(std::move(call), {}, d);
  }

  ExprPtr parse_filter(ExprPtr node, bool start_inline) {
    while (is(Tok::kPipe) || start_inline) {
      if (!start_inline) next();
      const Token& token = expect(Tok::kName);
      std::string name = token.text;
      int line = token.line;
      int col = token.column;
      while (is(Tok::kDot)) {
        next();
        name += "." + expect(Tok::kName).text;
      }
      auto f = std::make_unique<FilterExpr>(std::move(node), name, line);
      if (is(Tok::kLParen)) parse_call_args(f->args);
      f->fn = find_filter(name);
      if (!f->fn && !soft_) unknown_.push_back({"filter", name, line, col});
      int d = std::max(depth(f->value.get()), args_depth(f->args));
      node = sealed(std::move(f), {}, d);
      start_inline = false;
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const Token& token = next();
    int line = token.line;
    bool negated = skip_if_name("not");
    const Token& name_tok = expect(Tok::kName);
    std::string name = name_tok.text;
    int col = name_tok.column;
    while (is(Tok::kDot)) {
      next();
      name += "." + expect(Tok::kName).text;
    }
    auto t = std::make_unique<TestExpr>(std::move(node), name, line);
    Tok ct = cur().type;
    if (ct == Tok::kLParen) {
      parse_call_args(t->args);
    } else if ((ct == Tok::kName || ct == Tok::kString || ct == Tok::kInteger ||
                ct == Tok::kFloat || ct == Tok::kLBracket || ct == Tok::kLBrace) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail("You cannot chain multiple tests with is");
      ExprPtr arg = parse_primary(false);
      arg = parse_postfix(std::move(arg));
      t->args.args.push_back(std::move(arg));
    }
    t->fn = find_test(name);
    if (!t->fn && !soft_) unknown_.push_back({"test", name, line, col});
    int d = std::max(depth(t->value.get()), args_depth(t->args));
    ExprPtr result = sealed(std::move(t), {}, d);
    if (negated) {
      const Expr* p = result.get();
      result = sealed(std::make_unique<UnaryExpr>(ExprKind::kNot, std::move(result), line), {p});
    }
    return result;
  }

  struct Unknown {
    std::string what;
    std::string name;
    int line;
    int column;
  };

  std::vector<Token> toks_;
  std::vector<Unknown> unknown_;  // unknown filters and tests, reported after parsing
  size_t pos_ = 0;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> name_ids_;
  std::vector<std::string> tag_stack_;
  std::vector<EndTokens> end_stack_;
  std::vector<MacroDef*> macro_stack_;
  int block_depth_ = 0;
  int expr_nesting_ = 0;
  bool soft_ = false;
};

}  // namespace

Program parse(std::string_view source) {
  return Parser(source).run();
}

}  // namespace kpp::tmpl
