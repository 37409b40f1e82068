// The errors of the macro language: syntax errors when compiling, run-time errors when rendering.
// Their texts follow Jinja2 and Python, since Klipper users see them verbatim.
#pragma once

#include <stdexcept>
#include <string>

namespace kpp::tmpl {

// A template that cannot be compiled (Jinja2's TemplateSyntaxError and TemplateAssertionError).
class TemplateSyntaxError : public std::runtime_error {
 public:
  TemplateSyntaxError(std::string message, int line, int column)
      : std::runtime_error(message), message_(std::move(message)), line_(line), column_(column) {}
  // Jinja2's message, e.g. "unexpected '}'".
  [[nodiscard]] const std::string& message() const { return message_; }
  // 1-based line and column of the offending token.
  [[nodiscard]] int line() const { return line_; }
  [[nodiscard]] int column() const { return column_; }

 private:
  std::string message_;
  int line_;
  int column_;
};

// A failure while rendering. `type` is the Python exception Klipper would report, as
// traceback.format_exception_only() prints it: "TypeError", "ZeroDivisionError",
// "jinja2.exceptions.UndefinedError", ... what() is "<type>: <message>".
class TemplateError : public std::runtime_error {
 public:
  TemplateError(std::string type, std::string message)
      : std::runtime_error(type + ": " + message),
        type_(std::move(type)),
        message_(std::move(message)) {}
  [[nodiscard]] const std::string& type() const { return type_; }
  [[nodiscard]] const std::string& message() const { return message_; }

 private:
  std::string type_;
  std::string message_;
};

namespace err {
inline constexpr const char* kType = "TypeError";
inline constexpr const char* kValue = "ValueError";
inline constexpr const char* kZeroDivision = "ZeroDivisionError";
inline constexpr const char* kKey = "KeyError";
inline constexpr const char* kIndex = "IndexError";
inline constexpr const char* kAttribute = "AttributeError";
inline constexpr const char* kOverflow = "OverflowError";
inline constexpr const char* kRecursion = "RecursionError";
inline constexpr const char* kMemory = "MemoryError";
inline constexpr const char* kUndefined = "jinja2.exceptions.UndefinedError";
inline constexpr const char* kRuntime = "jinja2.exceptions.TemplateRuntimeError";
inline constexpr const char* kFilterArgument = "jinja2.exceptions.FilterArgumentError";
inline constexpr const char* kSecurity = "jinja2.exceptions.SecurityError";

[[noreturn]] inline void raise(const char* type, std::string message) {
  throw TemplateError(type, std::move(message));
}
}  // namespace err

}  // namespace kpp::tmpl
