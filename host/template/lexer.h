// The lexer of the macro language: Jinja2's tokenizer as Klipper configures it, with `{ }` for
// expressions, `{% %}` for statements and `{# #}` for comments.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kpp::tmpl {

enum class Tok : uint8_t {
  kData,
  kVariableBegin,
  kVariableEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInteger,
  kFloat,
  // operators
  kAdd,
  kSub,
  kDiv,
  kFloorDiv,
  kMul,
  kMod,
  kPow,
  kTilde,
  kLBracket,
  kRBracket,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kEq,
  kNe,
  kGt,
  kGtEq,
  kLt,
  kLtEq,
  kAssign,
  kDot,
  kColon,
  kPipe,
  kComma,
  kSemicolon,
  kEof,
};

struct Token {
  Tok type = Tok::kEof;
  int line = 1;
  int column = 1;
  std::string text;  // kData: the text; kName: the name; kString: the decoded string
  int64_t int_value = 0;
  double float_value = 0;
};

// Jinja2's description of a token in error messages: the name for names, the operator text, or
// "end of print statement" and the like.
[[nodiscard]] std::string describe_token(const Token& t);
[[nodiscard]] std::string describe_token_type(Tok t);

// Normalizes newlines to "\n", drops one trailing newline (Jinja2's keep_trailing_newline=False)
// and splits the template into tokens. Comments and whitespace inside tags are dropped, raw
// blocks become data. Throws TemplateSyntaxError.
[[nodiscard]] std::vector<Token> tokenize(std::string_view source);

}  // namespace kpp::tmpl
