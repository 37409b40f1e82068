// The public face of the macro language: compile a Jinja2-compatible template once (as Klipper's
// jinja2.Environment('{%', '%}', '{', '}') would), render it many times with a context of
// variables, lazy mappings and host callables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "template/errors.h"
#include "template/value.h"

namespace kpp::tmpl {

struct Program;

// Bounds that keep a runaway template from hanging or exhausting the host. Exceeding one raises
// TemplateError.
struct Limits {
  size_t max_output = 16u << 20;        // bytes rendered
  uint64_t max_steps = 10'000'000;      // loop iterations, macro calls and produced elements
  size_t max_container = 16u << 20;     // elements or bytes of one list or string
  int max_call_depth = 100;             // nested macro calls
  size_t max_stack_bytes = 256u << 10;  // native stack used by nested evaluation
};

// The variables a render sees, by name. Later set() of the same name replaces the value.
class Context {
 public:
  Context() = default;
  Context& set(std::string_view name, Value value);
  [[nodiscard]] const Value* find(std::string_view name) const;
  [[nodiscard]] size_t size() const { return vars_.size(); }
  Limits limits;

 private:
  std::vector<std::pair<std::string, Value>> vars_;
};

// A compiled template. Copies share the compiled program; rendering does not modify it, so one
// Template may be rendered by several threads at once (each with its own Context).
class Template {
 public:
  // Compiles `source`; `name` is kept for messages (Klipper uses "gcode_macro FOO:gcode").
  // Throws TemplateSyntaxError (with Jinja2's message, line and column).
  [[nodiscard]] static Template compile(std::string name, std::string_view source);

  // Renders with the variables of `ctx`. Throws TemplateError for template faults; exceptions
  // thrown by host callables (such as action_raise_error) pass through unchanged.
  [[nodiscard]] std::string render(const Context& ctx) const;
  // Appends the output to `out` (cleared first), reusing its capacity.
  void render(const Context& ctx, std::string& out) const;

  [[nodiscard]] const std::string& name() const;
  [[nodiscard]] const std::string& source() const;
  // The variable names the template refers to (for diagnostics and tests).
  [[nodiscard]] const std::vector<std::string>& names() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace kpp::tmpl
