// The parser of the macro language: tokens to a syntax tree, following Jinja2's grammar and its
// syntax error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "template/ast.h"

namespace kpp::tmpl {

// A parsed template: its statements and the table of variable names they use.
struct Program {
  Body body;
  std::vector<std::string> names;
};

// Parses `source`; throws TemplateSyntaxError.
[[nodiscard]] Program parse(std::string_view source);

// The filter and test registries (filters.cpp, tests.cpp); null when the name is unknown.
[[nodiscard]] FilterFn find_filter(std::string_view name);
[[nodiscard]] TestFn find_test(std::string_view name);

}  // namespace kpp::tmpl
