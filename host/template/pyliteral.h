// Python's ast.literal_eval for the values users type into the config and G-code commands
// (variable_* options, SET_GCODE_VARIABLE, SAVE_VARIABLE), producing macro-language values.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "template/value.h"

namespace kpp::tmpl {

// Text that is not a Python literal. what() follows Python's message where users see it
// ("malformed node or string on line 1: <ast.Name object>", "invalid syntax (<unknown>, line 1)").
class LiteralError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Numbers (with '_' separators, 0x/0o/0b), strings (quotes, triple quotes, escapes, r/u prefixes,
// adjacent strings joined), tuples, lists, dicts, True/False/None and a sign on a number, like
// Python 3's ast.literal_eval. Leading blanks and a trailing comment are allowed. Integers are
// 64-bit; sets, bytes and complex numbers are refused (JSON cannot hold them, which Klipper checks).
[[nodiscard]] Value literal_eval(std::string_view text);

}  // namespace kpp::tmpl
