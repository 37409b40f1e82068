// The tokenizer: Jinja2's lexer rules for the delimiters Klipper uses ({ }, {% %}, {# #}), with
// its whitespace control, brace balancing inside tags, literals and error messages.
#include "template/lexer.h"

#include <charconv>
#include <cmath>
#include <cstring>

#include "template/errors.h"
#include "template/pystr.h"

namespace kpp::tmpl {

std::string describe_token_type(Tok t) {
  switch (t) {
    case Tok::kData:
      return "template data / text";
    case Tok::kVariableBegin:
      return "begin of print statement";
    case Tok::kVariableEnd:
      return "end of print statement";
    case Tok::kBlockBegin:
      return "begin of statement block";
    case Tok::kBlockEnd:
      return "end of statement block";
    case Tok::kName:
      return "name";
    case Tok::kString:
      return "string";
    case Tok::kInteger:
      return "integer";
    case Tok::kFloat:
      return "float";
    case Tok::kAdd:
      return "+";
    case Tok::kSub:
      return "-";
    case Tok::kDiv:
      return "/";
    case Tok::kFloorDiv:
      return "//";
    case Tok::kMul:
      return "*";
    case Tok::kMod:
      return "%";
    case Tok::kPow:
      return "**";
    case Tok::kTilde:
      return "~";
    case Tok::kLBracket:
      return "[";
    case Tok::kRBracket:
      return "]";
    case Tok::kLParen:
      return "(";
    case Tok::kRParen:
      return ")";
    case Tok::kLBrace:
      return "{";
    case Tok::kRBrace:
      return "}";
    case Tok::kEq:
      return "==";
    case Tok::kNe:
      return "!=";
    case Tok::kGt:
      return ">";
    case Tok::kGtEq:
      return ">=";
    case Tok::kLt:
      return "<";
    case Tok::kLtEq:
      return "<=";
    case Tok::kAssign:
      return "=";
    case Tok::kDot:
      return ".";
    case Tok::kColon:
      return ":";
    case Tok::kPipe:
      return "|";
    case Tok::kComma:
      return ",";
    case Tok::kSemicolon:
      return ";";
    case Tok::kEof:
      return "end of template";
  }
  return "?";
}

std::string describe_token(const Token& t) {
  if (t.type == Tok::kName) return t.text;
  return describe_token_type(t.type);
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'f');
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) {
    // Newlines become "\n"; one trailing newline is dropped.
    src_.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
      char c = source[i];
      if (c == '\r') {
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
        src_ += '\n';
      } else {
        src_ += c;
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
  }

  std::vector<Token> run() {
    while (pos_ < src_.size()) lex_root();
    Token eof;
    eof.type = Tok::kEof;
    eof.line = line_;
    eof.column = column(pos_);
    out_.push_back(std::move(eof));
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& msg, int line, int col) {
    throw TemplateSyntaxError(msg, line, col);
  }
  [[noreturn]] void fail(const std::string& msg) { fail(msg, line_, column(pos_)); }

  int column(size_t pos) const { return static_cast<int>(pos - line_start_) + 1; }

  // Moves to `to`, counting lines.
  void advance(size_t to) {
    for (size_t i = pos_; i < to; ++i) {
      if (src_[i] == '\n') {
        ++line_;
        line_start_ = i + 1;
      }
    }
    pos_ = to;
  }

  // Length of the whitespace run (Python's \s) at `p`.
  size_t space_run(size_t p) const {
    size_t q = p;
    while (q < src_.size()) {
      size_t j = q;
      if (!py::is_space_cp(py::decode_utf8(src_, j))) break;
      q = j;
    }
    return q - p;
  }

  Token& emit(Tok type, size_t at, int line, int col) {
    (void)at;
    Token t;
    t.type = type;
    t.line = line;
    t.column = col;
    out_.push_back(std::move(t));
    return out_.back();
  }

  void emit_data(size_t begin, size_t end, int line, int col) {
    if (end <= begin) return;
    Token& t = emit(Tok::kData, begin, line, col);
    t.text.assign(src_, begin, end - begin);
  }

  // Text with trailing whitespace removed (for a "-" on the following tag).
  static size_t rstrip_end(std::string_view s, size_t begin, size_t end) {
    std::string_view part = s.substr(begin, end - begin);
    return begin + py::strip(part, nullptr, false, true).size();
  }

  // Does a raw block start at `p` ("{%" [-+] ws "raw" ws ("-%}" ws | "%}"))? Sets the end of
  // the opening tag.
  bool match_raw_begin(size_t p, size_t& tag_end) const {
    size_t q = p + 2;
    if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) ++q;
    q += space_run(q);
    if (src_.compare(q, 3, "raw") != 0) return false;
    q += 3;
    q += space_run(q);
    if (src_.compare(q, 3, "-%}") == 0) {
      q += 3;
      q += space_run(q);
    } else if (src_.compare(q, 2, "%}") == 0) {
      q += 2;
    } else {
      return false;
    }
    tag_end = q;
    return true;
  }

  void lex_root() {
    size_t brace = src_.find('{', pos_);
    if (brace == std::string::npos) {
      int line = line_;
      int col = column(pos_);
      emit_data(pos_, src_.size(), line, col);
      advance(src_.size());
      return;
    }
    char next = brace + 1 < src_.size() ? src_[brace + 1] : '\0';
    size_t raw_end = 0;
    bool raw = next == '%' && match_raw_begin(brace, raw_end);
    Tok kind = next == '#' ? Tok::kData : next == '%' ? Tok::kBlockBegin : Tok::kVariableBegin;
    bool comment = next == '#';
    size_t sign_pos = (comment || kind == Tok::kBlockBegin) ? brace + 2 : brace + 1;
    char sign = raw ? (src_[brace + 2] == '-' || src_[brace + 2] == '+' ? src_[brace + 2] : 0)
                    : (sign_pos < src_.size() && (src_[sign_pos] == '-' || src_[sign_pos] == '+')
                           ? src_[sign_pos]
                           : 0);
    size_t data_end = sign == '-' ? rstrip_end(src_, pos_, brace) : brace;
    emit_data(pos_, data_end, line_, column(pos_));
    advance(brace);
    int tag_line = line_;
    int tag_col = column(brace);
    if (raw) {
      advance(raw_end);
      lex_raw(tag_line, tag_col);
      return;
    }
    size_t body = sign_pos + (sign ? 1 : 0);
    if (comment) {
      advance(body);
      lex_comment(tag_line, tag_col);
      return;
    }
    emit(kind, brace, tag_line, tag_col);
    advance(body);
    lex_tag(kind == Tok::kBlockBegin);
  }

  void lex_comment(int line, int col) {
    // The first of "+#}", "-#}" (eating following whitespace) or "#}".
    for (size_t p = pos_; p < src_.size(); ++p) {
      char c = src_[p];
      if ((c == '+' || c == '-') && src_.compare(p + 1, 2, "#}") == 0) {
        size_t end = p + 3;
        if (c == '-') end += space_run(end);
        advance(end);
        return;
      }
      if (c == '#' && p + 1 < src_.size() && src_[p + 1] == '}') {
        advance(p + 2);
        return;
      }
    }
    (void)col;
    fail("Missing end of comment tag", line, col);
  }

  void lex_raw(int line, int col) {
    // Up to "{%" [-+] ws "endraw" ws ("+%}" | "-%}" ws | "%}").
    for (size_t p = src_.find("{%", pos_); p != std::string::npos; p = src_.find("{%", p + 1)) {
      size_t q = p + 2;
      char sign = 0;
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
      q += space_run(q);
      if (src_.compare(q, 6, "endraw") != 0) continue;
      q += 6;
      q += space_run(q);
      size_t end;
      if (src_.compare(q, 3, "+%}") == 0) {
        end = q + 3;
      } else if (src_.compare(q, 3, "-%}") == 0) {
        end = q + 3;
        end += space_run(end);
      } else if (src_.compare(q, 2, "%}") == 0) {
        end = q + 2;
      } else {
        continue;
      }
      size_t data_end = sign == '-' ? rstrip_end(src_, pos_, p) : p;
      emit_data(pos_, data_end, line_, column(pos_));
      advance(end);
      return;
    }
    fail("Missing end of raw directive", line, col);
  }

  // Inside {% %} (block) or { } (variable).
  void lex_tag(bool block) {
    std::vector<char> balance;
    while (true) {
      if (pos_ >= src_.size()) return;  // the parser reports the missing end
      if (balance.empty()) {
        if (block) {
          if (src_.compare(pos_, 3, "+%}") == 0) {
            emit(Tok::kBlockEnd, pos_, line_, column(pos_));
            advance(pos_ + 3);
            return;
          }
          if (src_.compare(pos_, 3, "-%}") == 0) {
            emit(Tok::kBlockEnd, pos_, line_, column(pos_));
            advance(pos_ + 3 + space_run(pos_ + 3));
            return;
          }
          if (src_.compare(pos_, 2, "%}") == 0) {
            emit(Tok::kBlockEnd, pos_, line_, column(pos_));
            advance(pos_ + 2);
            return;
          }
        } else {
          if (src_.compare(pos_, 2, "-}") == 0) {
            emit(Tok::kVariableEnd, pos_, line_, column(pos_));
            advance(pos_ + 2 + space_run(pos_ + 2));
            return;
          }
          if (src_[pos_] == '}') {
            emit(Tok::kVariableEnd, pos_, line_, column(pos_));
            advance(pos_ + 1);
            return;
          }
        }
      }
      size_t ws = space_run(pos_);
      if (ws) {
        advance(pos_ + ws);
        continue;
      }
      if (lex_float() || lex_integer() || lex_name() || lex_string()) continue;
      lex_operator(balance);
    }
  }

  // Digits with single underscores between them ((\d+_)*\d+); returns the end or `p`.
  size_t digits(size_t p) const {
    size_t q = p;
    if (q >= src_.size() || !is_digit(src_[q])) return p;
    while (true) {
      while (q < src_.size() && is_digit(src_[q])) ++q;
      if (q + 1 < src_.size() && src_[q] == '_' && is_digit(src_[q + 1])) {
        ++q;
        continue;
      }
      return q;
    }
  }

  bool lex_float() {
    size_t p = pos_;
    if (!is_digit(src_[p]) || (p > 0 && src_[p - 1] == '.')) return false;
    size_t q = digits(p);
    size_t end = 0;
    // Fraction then optional exponent, or exponent alone.
    size_t frac = q;
    bool has_frac = false;
    if (frac < src_.size() && src_[frac] == '.') {
      size_t f = digits(frac + 1);
      if (f > frac + 1) {
        has_frac = true;
        frac = f;
      }
    }
    size_t e = has_frac ? frac : q;
    if (e < src_.size() && (src_[e] | 32) == 'e') {
      size_t x = e + 1;
      if (x < src_.size() && (src_[x] == '+' || src_[x] == '-')) ++x;
      size_t xe = digits(x);
      if (xe > x) end = xe;
    }
    if (!end && has_frac) end = frac;
    if (!end) return false;
    std::string text;
    for (size_t i = p; i < end; ++i) {
      if (src_[i] != '_') text += src_[i];
    }
    Token& t = emit(Tok::kFloat, p, line_, column(p));
    double v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
      v = text.find_first_of("eE") != std::string::npos && text[text.find_first_of("eE") + 1] == '-'
              ? 0.0
              : HUGE_VAL;
    }
    t.float_value = v;
    advance(end);
    return true;
  }

  bool lex_integer() {
    size_t p = pos_;
    char c = src_[p];
    if (!is_digit(c)) return false;
    int base = 10;
    size_t end = p;
    std::string text;
    auto prefixed = [&](int b, auto ok) {
      // 0b/0o/0x then (_?digit)+
      size_t q = p + 2;
      size_t last = 0;
      while (true) {
        size_t r = q;
        if (r < src_.size() && src_[r] == '_') ++r;
        if (r < src_.size() && ok(src_[r])) {
          text += src_[r];
          q = r + 1;
          last = q;
        } else {
          break;
        }
      }
      if (!last) return false;
      base = b;
      end = last;
      return true;
    };
    char x = p + 1 < src_.size() ? static_cast<char>(src_[p + 1] | 32) : 0;
    bool done = false;
    if (c == '0' && x == 'b') done = prefixed(2, [](char d) { return d == '0' || d == '1'; });
    if (!done && c == '0' && x == 'o')
      done = prefixed(8, [](char d) { return d >= '0' && d <= '7'; });
    if (!done && c == '0' && x == 'x') done = prefixed(16, is_hex);
    if (!done) {
      if (c == '0') {
        // 0(_?0)*
        size_t q = p + 1;
        while (true) {
          size_t r = q;
          if (r < src_.size() && src_[r] == '_') ++r;
          if (r < src_.size() && src_[r] == '0') {
            q = r + 1;
          } else {
            break;
          }
        }
        end = q;
        text = "0";
      } else {
        size_t q = p;
        text += src_[q++];
        while (true) {
          size_t r = q;
          if (r < src_.size() && src_[r] == '_') ++r;
          if (r < src_.size() && is_digit(src_[r])) {
            text += src_[r];
            q = r + 1;
          } else {
            break;
          }
        }
        end = q;
      }
    }
    int64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (r.ec != std::errc()) fail("integer literal too large: " + src_.substr(p, end - p));
    Token& t = emit(Tok::kInteger, p, line_, column(p));
    t.int_value = v;
    advance(end);
    return true;
  }

  static bool name_start_cp(uint32_t cp) { return cp == '_' || py::is_alpha_cp(cp); }
  static bool name_cp(uint32_t cp) {
    return cp == '_' || (cp < 0x80 && is_digit(static_cast<char>(cp))) || py::is_alpha_cp(cp) ||
           cp == 0xb7;
  }

  bool lex_name() {
    size_t p = pos_;
    size_t q = p;
    if (!name_start_cp(py::decode_utf8(src_, q))) return false;
    while (q < src_.size()) {
      size_t r = q;
      if (!name_cp(py::decode_utf8(src_, r))) break;
      q = r;
    }
    Token& t = emit(Tok::kName, p, line_, column(p));
    t.text.assign(src_, p, q - p);
    advance(q);
    return true;
  }

  bool lex_string() {
    char quote = src_[pos_];
    if (quote != '\'' && quote != '"') return false;
    size_t q = pos_ + 1;
    while (q < src_.size() && src_[q] != quote) {
      if (src_[q] == '\\') {
        if (q + 1 >= src_.size()) return false;
        q += 2;
      } else {
        ++q;
      }
    }
    if (q >= src_.size()) return false;
    int line = line_;
    int col = column(pos_);
    std::string value = unescape(std::string_view(src_).substr(pos_ + 1, q - pos_ - 1), line, col);
    Token& t = emit(Tok::kString, pos_, line, col);
    t.text = std::move(value);
    advance(q + 1);
    return true;
  }

  // Python's unicode-escape decoding of a string literal's body.
  std::string unescape(std::string_view s, int line, int col) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      char c = s[i];
      if (c != '\\') {
        out += c;
        ++i;
        continue;
      }
      char e = s[i + 1];
      i += 2;
      auto hex = [&](size_t n, const char* what) {
        uint32_t v = 0;
        for (size_t k = 0; k < n; ++k) {
          if (i + k >= s.size() || !is_hex(s[i + k]))
            fail(std::string("truncated ") + what + " escape", line, col);
          char h = s[i + k];
          v = v * 16 + static_cast<uint32_t>(is_digit(h) ? h - '0' : (h | 32) - 'a' + 10);
        }
        i += n;
        return v;
      };
      switch (e) {
        case '\n':
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'v':
          out += '\v';
          break;
        case 'x':
          py::append_utf8(out, hex(2, "\\xXX"));
          break;
        case 'u':
          py::append_utf8(out, hex(4, "\\uXXXX"));
          break;
        case 'U': {
          uint32_t v = hex(8, "\\UXXXXXXXX");
          if (v > 0x10ffff) fail("illegal Unicode character", line, col);
          py::append_utf8(out, v);
          break;
        }
        case 'N':
          fail("malformed \\N character escape", line, col);
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int k = 0; k < 2 && i < s.size() && s[i] >= '0' && s[i] <= '7'; ++k, ++i)
              v = v * 8 + static_cast<uint32_t>(s[i] - '0');
            py::append_utf8(out, v);
          } else if (static_cast<unsigned char>(e) >= 0x80) {
            // Python first turns the non-ASCII character into a backslash escape, so the
            // backslash before it only escapes that escape's own backslash.
            size_t j = i - 1;
            uint32_t cp = py::decode_utf8(s, j);
            i = j;
            char buf[16];
            if (cp < 0x100) {
              snprintf(buf, sizeof buf, "\\x%02x", cp);
            } else if (cp < 0x10000) {
              snprintf(buf, sizeof buf, "\\u%04x", cp);
            } else {
              snprintf(buf, sizeof buf, "\\U%08x", cp);
            }
            out += buf;
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    return out;
  }

  void lex_operator(std::vector<char>& balance) {
    static const struct {
      const char* text;
      Tok tok;
    } kOps[] = {
        {"//", Tok::kFloorDiv}, {"**", Tok::kPow},      {"==", Tok::kEq},    {"!=", Tok::kNe},
        {">=", Tok::kGtEq},     {"<=", Tok::kLtEq},     {"+", Tok::kAdd},    {"-", Tok::kSub},
        {"/", Tok::kDiv},       {"*", Tok::kMul},       {"%", Tok::kMod},    {"~", Tok::kTilde},
        {"[", Tok::kLBracket},  {"]", Tok::kRBracket},  {"(", Tok::kLParen}, {")", Tok::kRParen},
        {"{", Tok::kLBrace},    {"}", Tok::kRBrace},    {">", Tok::kGt},     {"<", Tok::kLt},
        {"=", Tok::kAssign},    {".", Tok::kDot},       {":", Tok::kColon},  {"|", Tok::kPipe},
        {",", Tok::kComma},     {";", Tok::kSemicolon},
    };
    for (const auto& op : kOps) {
      size_t n = std::strlen(op.text);
      if (src_.compare(pos_, n, op.text) != 0) continue;
      char c = op.text[0];
      if (n == 1 && (c == '{' || c == '(' || c == '[')) {
        balance.push_back(c == '{' ? '}' : c == '(' ? ')' : ']');
      } else if (n == 1 && (c == '}' || c == ')' || c == ']')) {
        if (balance.empty()) fail(std::string("unexpected '") + c + "'");
        char expected = balance.back();
        balance.pop_back();
        if (expected != c) {
          fail(std::string("unexpected '") + c + "', expected '" + expected + "'");
        }
      }
      emit(op.tok, pos_, line_, column(pos_));
      advance(pos_ + n);
      return;
    }
    size_t j = pos_;
    uint32_t cp = py::decode_utf8(src_, j);
    std::string ch;
    py::append_utf8(ch, cp);
    std::string msg = "unexpected char ";
    py::append_str_repr(msg, ch);
    msg += " at " + std::to_string(py::cp_index(src_, pos_));
    fail(msg);
  }

  std::string src_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace kpp::tmpl
