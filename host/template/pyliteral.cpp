// A small recursive-descent reader of Python literals (see pyliteral.h).
#include "template/pyliteral.h"

#include <cctype>
#include <cstdint>

#include "template/errors.h"
#include "template/pystr.h"

namespace kpp::tmpl {

namespace {

constexpr int kMaxDepth = 100;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  Value run() {
    // Python 3.9+ strips leading spaces and tabs before parsing.
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) pos_++;
    skip_blank(false);
    if (at_end()) syntax();
    Value v = parse_top();
    skip_blank(false);
    if (!at_end()) syntax();
    return v;
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }

  [[noreturn]] void syntax() const {
    throw LiteralError("invalid syntax (<unknown>, line " + std::to_string(line()) + ")");
  }
  [[noreturn]] void malformed(std::string_view node) const {
    throw LiteralError("malformed node or string on line " + std::to_string(line()) + ": <ast." +
                       std::string(node) + " object>");
  }
  int line() const {
    int n = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); i++) n += s_[i] == '\n';
    return n;
  }

  // Spaces, comments and (inside brackets, or trailing) newlines.
  void skip_blank(bool in_brackets) {
    while (!at_end()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\f' || c == '\r') {
        pos_++;
      } else if (c == '#') {
        while (!at_end() && s_[pos_] != '\n') pos_++;
      } else if (c == '\\' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') {
        pos_ += 2;  // explicit line joining
      } else if (c == '\n') {
        if (!in_brackets) {
          // Only blank lines may follow at the top level.
          size_t p = pos_;
          while (p < s_.size() && std::isspace(static_cast<unsigned char>(s_[p]))) p++;
          if (p < s_.size() && s_[p] != '#') syntax();
        }
        pos_++;
      } else {
        break;
      }
    }
  }

  // "1, 2" at the top level is a tuple.
  Value parse_top() {
    Value first = parse_value(0, false);
    skip_blank(false);
    if (peek() != ',') return first;
    List items{first};
    while (peek() == ',') {
      pos_++;
      skip_blank(false);
      if (at_end()) break;
      items.push_back(parse_value(0, false));
      skip_blank(false);
    }
    return Value::tuple(std::move(items));
  }

  Value parse_value(int depth, bool in_brackets) {
    if (depth > kMaxDepth) throw LiteralError("too many nested parentheses");
    skip_blank(in_brackets);
    char c = peek();
    if (c == '+' || c == '-') {
      pos_++;
      skip_blank(in_brackets);
      char d = peek();
      if (!(std::isdigit(static_cast<unsigned char>(d)) ||
            (d == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))))
        malformed("UnaryOp");
      Value v = parse_number();
      if (c == '+') return v;
      if (v.is_float()) return Value(-v.as_float());
      if (v.as_int() == INT64_MIN) throw LiteralError("integer out of range");
      return Value(-v.as_int());
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))))
      return check_binop(parse_number(), in_brackets);
    if (c == '\'' || c == '"') return check_binop(parse_strings(in_brackets), in_brackets);
    if (c == '(') return check_binop(parse_paren(depth), in_brackets);
    if (c == '[') return check_binop(parse_list(depth), in_brackets);
    if (c == '{') return check_binop(parse_brace(depth), in_brackets);
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
        static_cast<unsigned char>(c) >= 0x80) {
      size_t start = pos_;
      while (!at_end() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                           static_cast<unsigned char>(s_[pos_]) >= 0x80))
        pos_++;
      std::string_view word = s_.substr(start, pos_ - start);
      // String prefixes: r'..', u'..', b'..', f'..'.
      if (word.size() <= 2 && (peek() == '\'' || peek() == '"')) {
        std::string w = py::lower(word);
        if (w == "r" || w == "u") return check_binop(parse_strings(in_brackets, w == "r"), in_brackets);
        if (w == "b" || w == "br" || w == "rb")
          throw LiteralError("bytes are not supported (Object of type bytes is not JSON serializable)");
        if (w == "f" || w == "rf" || w == "fr") malformed("JoinedStr");
      }
      Value v;
      if (word == "True")
        v = Value(true);
      else if (word == "False")
        v = Value(false);
      else if (word == "None")
        v = Value::none();
      else {
        skip_blank(in_brackets);
        malformed(peek() == '(' ? "Call" : peek() == '.' ? "Attribute" : "Name");
      }
      return check_binop(v, in_brackets);
    }
    syntax();
  }

  // A value followed by an operator is an expression literal_eval refuses.
  Value check_binop(Value v, bool in_brackets) {
    size_t save = pos_;
    skip_blank(in_brackets);
    char c = peek();
    if (c != '\0' && std::string_view("+-*/%@&|^<>=!.([").find(c) != std::string_view::npos) {
      if (c == '(') malformed("Call");
      if (c == '[') malformed("Subscript");
      if (c == '.') malformed("Attribute");
      if (c == '=' && pos_ + 1 < s_.size() && s_[pos_ + 1] != '=') syntax();
      malformed(c == '<' || c == '>' || c == '=' || c == '!' ? "Compare" : "BinOp");
    }
    pos_ = save;
    return v;
  }

  Value parse_number() {
    size_t start = pos_;
    bool hex = s_.substr(pos_, 2) == "0x" || s_.substr(pos_, 2) == "0X";
    while (!at_end()) {
      char c = s_[pos_];
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') {
        pos_++;
      } else if ((c == '+' || c == '-') && !hex && pos_ > start &&
                 (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')) {
        pos_++;
      } else {
        break;
      }
    }
    std::string_view tok = s_.substr(start, pos_ - start);
    char last = tok.back();
    if (last == 'j' || last == 'J')
      throw LiteralError("complex numbers are not supported (Object of type complex is not JSON serializable)");
    bool is_float = !hex && tok.find_first_of(".eE") != std::string_view::npos &&
                    tok.substr(0, 2) != "0b" && tok.substr(0, 2) != "0B" &&
                    tok.substr(0, 2) != "0o" && tok.substr(0, 2) != "0O";
    if (tok.find("__") != std::string_view::npos || tok.back() == '_' || tok.find("._") != tok.npos ||
        tok.find("_.") != tok.npos)
      syntax();
    if (is_float) {
      double d;
      if (!py::parse_float(tok, d) || tok.find_first_of("in") != std::string_view::npos) syntax();
      return Value(d);
    }
    // Python rejects "012" (but allows "0", "00").
    if (tok.size() > 1 && tok[0] == '0' && std::isdigit(static_cast<unsigned char>(tok[1])) &&
        tok.find_first_not_of("0_") != std::string_view::npos)
      syntax();
    int64_t i;
    bool overflow = false;
    if (!py::parse_int(tok, 0, i, overflow)) {
      if (overflow) throw LiteralError("integer out of range (64 bits)");
      syntax();
    }
    return Value(i);
  }

  // One or more adjacent string literals, joined.
  Value parse_strings(bool in_brackets, bool raw = false) {
    std::string out;
    for (;;) {
      parse_one_string(out, raw);
      size_t save = pos_;
      skip_blank(in_brackets);
      raw = false;
      char c = peek();
      if (c == '\'' || c == '"') continue;
      if ((c == 'r' || c == 'R' || c == 'u' || c == 'U') && pos_ + 1 < s_.size() &&
          (s_[pos_ + 1] == '\'' || s_[pos_ + 1] == '"')) {
        raw = c == 'r' || c == 'R';
        pos_++;
        continue;
      }
      pos_ = save;
      return Value(std::move(out));
    }
  }

  void parse_one_string(std::string& out, bool raw) {
    char q = s_[pos_];
    bool triple = s_.substr(pos_, 3) == std::string(3, q);
    pos_ += triple ? 3 : 1;
    for (;;) {
      if (at_end()) syntax();
      char c = s_[pos_];
      if (c == q && (!triple || s_.substr(pos_, 3) == std::string(3, q))) {
        pos_ += triple ? 3 : 1;
        return;
      }
      if (c == '\n' && !triple) syntax();
      if (c != '\\') {
        out += c;
        pos_++;
        continue;
      }
      if (pos_ + 1 >= s_.size()) syntax();
      char e = s_[pos_ + 1];
      pos_ += 2;
      if (raw) {
        out += '\\';
        out += e;
        continue;
      }
      switch (e) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': py::append_utf8(out, hex_escape(2)); break;
        case 'u': py::append_utf8(out, hex_escape(4)); break;
        case 'U': {
          uint32_t cp = hex_escape(8);
          if (cp > 0x10FFFF) syntax();
          py::append_utf8(out, cp);
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            uint32_t v = static_cast<uint32_t>(e - '0');
            for (int n = 1; n < 3 && !at_end() && s_[pos_] >= '0' && s_[pos_] <= '7'; n++)
              v = v * 8 + static_cast<uint32_t>(s_[pos_++] - '0');
            py::append_utf8(out, v);
          } else {
            out += '\\';  // unknown escapes stay as written
            out += e;
          }
      }
    }
  }

  uint32_t hex_escape(int digits) {
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
      if (at_end() || !std::isxdigit(static_cast<unsigned char>(s_[pos_]))) syntax();
      char c = s_[pos_++];
      v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(c))
                                             ? c - '0'
                                             : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    }
    return v;
  }

  // Items up to `close`; returns whether a comma was seen (for "(1,)").
  bool parse_items(char close, int depth, List& items) {
    bool comma = false;
    for (;;) {
      skip_blank(true);
      if (peek() == close) break;
      items.push_back(parse_value(depth + 1, true));
      skip_blank(true);
      if (peek() == ',') {
        comma = true;
        pos_++;
        continue;
      }
      if (peek() != close) syntax();
    }
    pos_++;
    return comma;
  }

  Value parse_paren(int depth) {
    pos_++;
    List items;
    bool comma = parse_items(')', depth, items);
    if (items.size() == 1 && !comma) return items[0];
    return Value::tuple(std::move(items));
  }

  Value parse_list(int depth) {
    pos_++;
    List items;
    parse_items(']', depth, items);
    return Value::list(std::move(items));
  }

  Value parse_brace(int depth) {
    pos_++;
    skip_blank(true);
    Dict d;
    if (peek() == '}') {
      pos_++;
      return Value::dict(std::move(d));
    }
    for (;;) {
      skip_blank(true);
      if (peek() == '}') break;
      Value key = parse_value(depth + 1, true);
      skip_blank(true);
      if (peek() != ':') {
        if (peek() == ',' || peek() == '}')
          throw LiteralError("sets are not supported (Object of type set is not JSON serializable)");
        syntax();
      }
      pos_++;
      Value value = parse_value(depth + 1, true);
      try {
        d.set(key, std::move(value));
      } catch (const TemplateError& e) {
        throw LiteralError(e.message());  // unhashable key
      }
      skip_blank(true);
      if (peek() == ',') {
        pos_++;
        continue;
      }
      if (peek() != '}') syntax();
    }
    pos_++;
    return Value::dict(std::move(d));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Value literal_eval(std::string_view text) { return Reader(text).run(); }

}  // namespace kpp::tmpl
