// The public API: compiling a template once and rendering it with a context.
#include "template/template.h"

#include "template/interpreter.h"
#include "template/parser.h"

namespace kpp::tmpl {

struct Template::Impl {
  std::string name;
  std::string source;
  Program program;
};

Context& Context::set(std::string_view name, Value value) {
  for (auto& [k, v] : vars_) {
    if (k == name) {
      v = std::move(value);
      return *this;
    }
  }
  vars_.emplace_back(std::string(name), std::move(value));
  return *this;
}

const Value* Context::find(std::string_view name) const {
  for (const auto& [k, v] : vars_) {
    if (k == name) return &v;
  }
  return nullptr;
}

Template Template::compile(std::string name, std::string_view source) {
  auto impl = std::make_shared<Impl>();
  impl->name = std::move(name);
  impl->source = std::string(source);
  impl->program = parse(source);
  Template t;
  t.impl_ = std::move(impl);
  return t;
}

namespace {

// Makes an interpreter the current one of this thread for the duration of a render.
class CurrentScope {
 public:
  explicit CurrentScope(Interpreter* in) : saved_(current_interpreter()) {
    set_current_interpreter(in);
  }
  ~CurrentScope() { set_current_interpreter(saved_); }
  CurrentScope(const CurrentScope&) = delete;
  CurrentScope& operator=(const CurrentScope&) = delete;

 private:
  Interpreter* saved_;
};

}  // namespace

void Template::render(const Context& ctx, std::string& out) const {
  out.clear();
  Interpreter in(impl_->program, ctx, out);
  CurrentScope scope(&in);
  in.run();
}

std::string Template::render(const Context& ctx) const {
  std::string out;
  render(ctx, out);
  return out;
}

const std::string& Template::name() const {
  return impl_->name;
}
const std::string& Template::source() const {
  return impl_->source;
}
const std::vector<std::string>& Template::names() const {
  return impl_->program.names;
}

}  // namespace kpp::tmpl
