// Helpers for the template tests: cases recorded from Jinja2 by gen_cases.py and the check that
// renders one with our engine (harness_test.cpp) and compares.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "template/template.h"

namespace kpp::tmpl::testing {

// A case recorded from Jinja2: the output, or the error (type and message) it raised.
struct Case {
  const char* source;
  const char* expected;    // output, when error_type is null
  const char* error_type;  // "TemplateSyntaxError", "TypeError", "jinja2.exceptions...", ...
  const char* error_message;
  int error_line;  // syntax errors only
};

// Shows the template instead of the bytes of the struct when a case fails.
inline void PrintTo(const Case& c, std::ostream* os) {
  *os << c.source;
}

// The variables every generated case sees (CONTEXT_JSON in gen_cases.py): `printer` is a
// zero-copy JSON view, the rest native values, plus action_respond_info (whose messages are
// collected in `log`) and action_raise_error (which throws std::runtime_error).
Context standard_context(std::shared_ptr<std::vector<std::string>> log = nullptr);

// Compiles and renders the case with the standard context and compares with Jinja2's result.
void check_case(const Case& c);

}  // namespace kpp::tmpl::testing
