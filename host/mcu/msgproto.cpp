// Message formats: parsing, VLQ encode/decode with Klipper's host semantics, parsedump text.
#include "mcu/msgproto.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>

#include "protocol/msgblock.h"
#include "protocol/vlq.h"

namespace kpp::mcu {

namespace {

struct TypeCode {
  std::string_view code;
  ParamType type;
};
// Longest codes first so that "%hu" is not read as something shorter.
constexpr TypeCode kTypeCodes[] = {
    {"%.*s", ParamType::kProgmemBuffer},
    {"%*s", ParamType::kBuffer},
    {"%hu", ParamType::kUint16},
    {"%hi", ParamType::kInt16},
    {"%u", ParamType::kUint32},
    {"%i", ParamType::kInt32},
    {"%c", ParamType::kByte},
    {"%s", ParamType::kString},
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) i++;
    size_t start = i;
    while (i < s.size() && !is_space(s[i])) i++;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Hex digits to bytes as Klipper's create_command reads buffers ("0102ff").
std::string parse_hex_buffer(std::string_view v) {
  if (v.size() % 2) throw ProtocolError(fmt::format("Invalid hex buffer '{}'", v));
  std::string out;
  for (size_t i = 0; i < v.size(); i += 2) {
    unsigned b = 0;
    auto r = std::from_chars(v.data() + i, v.data() + i + 2, b, 16);
    if (r.ec != std::errc() || r.ptr != v.data() + i + 2)
      throw ProtocolError(fmt::format("Invalid hex buffer '{}'", v));
    out.push_back(static_cast<char>(b));
  }
  return out;
}

}  // namespace

std::string_view param_type_code(ParamType t) {
  for (const auto& tc : kTypeCodes)
    if (tc.type == t) return tc.code;
  return "%?";
}

size_t parse_param_type_code(std::string_view s, ParamType* out) {
  for (const auto& tc : kTypeCodes) {
    if (s.substr(0, tc.code.size()) == tc.code) {
      *out = tc.type;
      return tc.code.size();
    }
  }
  return 0;
}

int64_t param_min(ParamType t) {
  switch (t) {
    case ParamType::kByte:
      return -128;
    case ParamType::kUint16:
    case ParamType::kInt16:
      return -32768;
    default:
      return std::numeric_limits<int32_t>::min();
  }
}

int64_t param_max(ParamType t) {
  switch (t) {
    case ParamType::kByte:
      return 255;
    case ParamType::kUint16:
    case ParamType::kInt16:
      return 65535;
    case ParamType::kInt32:
      return std::numeric_limits<int32_t>::max();
    default:
      return std::numeric_limits<int64_t>::max();
  }
}

// ---------------------------------------------------------------------------------------------
// Enumeration

void Enumeration::add(const std::string& key, int64_t value) {
  auto it = by_key_.find(key);
  if (it != by_key_.end()) {
    entries_[it->second].second = value;
  } else {
    by_key_.emplace(key, entries_.size());
    entries_.emplace_back(key, value);
  }
  by_value_[value] = key;
}

void Enumeration::add_range(const std::string& key, int64_t first_value, int64_t count) {
  size_t root_len = key.size();
  while (root_len > 0 && key[root_len - 1] >= '0' && key[root_len - 1] <= '9') root_len--;
  int64_t first_index = 0;
  if (root_len != key.size()) {
    auto r = std::from_chars(key.data() + root_len, key.data() + key.size(), first_index);
    if (r.ec != std::errc())
      throw ProtocolError(fmt::format("Bad enumeration range '{}' in '{}'", key, name_));
  }
  if (count < 0 || count > (1 << 20))
    throw ProtocolError(fmt::format("Bad enumeration range count {} in '{}'", count, name_));
  std::string root = key.substr(0, root_len);
  for (int64_t i = 0; i < count; i++) add(root + std::to_string(first_index + i), first_value + i);
}

const int64_t* Enumeration::find_value(std::string_view key) const {
  auto it = by_key_.find(std::string(key));
  return it == by_key_.end() ? nullptr : &entries_[it->second].second;
}

const std::string* Enumeration::find_key(int64_t value) const {
  auto it = by_value_.find(value);
  return it == by_value_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------------
// VLQ with the host's semantics

size_t encode_vlq_host(uint8_t* out, int64_t v) {
  size_t n = 0;
  if (v >= 0xc000000 || v < -0x4000000) out[n++] = static_cast<uint8_t>(((v >> 28) & 0x7f) | 0x80);
  if (v >= 0x180000 || v < -0x80000) out[n++] = static_cast<uint8_t>(((v >> 21) & 0x7f) | 0x80);
  if (v >= 0x3000 || v < -0x1000) out[n++] = static_cast<uint8_t>(((v >> 14) & 0x7f) | 0x80);
  if (v >= 0x60 || v < -0x20) out[n++] = static_cast<uint8_t>(((v >> 7) & 0x7f) | 0x80);
  out[n++] = static_cast<uint8_t>(v & 0x7f);
  return n;
}

bool decode_vlq_host(const uint8_t** pp, const uint8_t* end, int64_t* value) {
  const uint8_t* p = *pp;
  if (p >= end) return false;
  uint8_t c = *p++;
  uint64_t v = c & 0x7f;
  if ((c & 0x60) == 0x60) v |= ~static_cast<uint64_t>(0x1f);
  int n = 1;
  while (c & 0x80) {
    if (p >= end || ++n > 5) return false;
    c = *p++;
    v = (v << 7) | (c & 0x7f);
  }
  *pp = p;
  *value = static_cast<int64_t>(v);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string python_bytes_repr(std::string_view bytes) {
  bool has_single = bytes.find('\'') != std::string_view::npos;
  bool has_double = bytes.find('"') != std::string_view::npos;
  char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out;
  out.reserve(bytes.size() + 3);
  out += 'b';
  out += quote;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

bool parse_python_bytes(std::string_view s, size_t* pos, std::string* out) {
  size_t i = *pos;
  if (i + 2 > s.size() || (s[i] != 'b' && s[i] != 'B')) return false;
  char quote = s[i + 1];
  if (quote != '\'' && quote != '"') return false;
  i += 2;
  std::string result;
  while (i < s.size()) {
    char c = s[i++];
    if (c == quote) {
      *pos = i;
      *out = std::move(result);
      return true;
    }
    if (c != '\\') {
      result += c;
      continue;
    }
    if (i >= s.size()) return false;
    char e = s[i++];
    switch (e) {
      case 'n':
        result += '\n';
        break;
      case 't':
        result += '\t';
        break;
      case 'r':
        result += '\r';
        break;
      case '0':
        result += '\0';
        break;
      case 'a':
        result += '\a';
        break;
      case 'b':
        result += '\b';
        break;
      case 'f':
        result += '\f';
        break;
      case 'v':
        result += '\v';
        break;
      case '\\':
        result += '\\';
        break;
      case '\'':
        result += '\'';
        break;
      case '"':
        result += '"';
        break;
      case 'x': {
        unsigned b = 0;
        if (i + 2 > s.size()) return false;
        auto r = std::from_chars(s.data() + i, s.data() + i + 2, b, 16);
        if (r.ec != std::errc() || r.ptr != s.data() + i + 2) return false;
        result += static_cast<char>(b);
        i += 2;
        break;
      }
      default:
        // Python keeps unknown escapes as written.
        result += '\\';
        result += e;
    }
  }
  return false;
}

std::vector<std::pair<std::string_view, std::string_view>> split_message_text(
    std::string_view text, std::string_view* name) {
  std::vector<std::pair<std::string_view, std::string_view>> args;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && is_space(text[i])) i++;
  };
  skip_space();
  size_t start = i;
  while (i < text.size() && !is_space(text[i])) i++;
  *name = text.substr(start, i - start);
  for (;;) {
    skip_space();
    if (i >= text.size()) break;
    size_t tok = i;
    size_t eq = std::string_view::npos;
    while (i < text.size() && !is_space(text[i])) {
      if (text[i] == '=' && eq == std::string_view::npos) {
        eq = i;
        // A bytes literal may contain spaces: take it whole.
        size_t lit = i + 1;
        std::string ignored;
        if (lit + 1 < text.size() && text[lit] == 'b' &&
            (text[lit + 1] == '\'' || text[lit + 1] == '"') &&
            parse_python_bytes(text, &lit, &ignored)) {
          i = lit;
          continue;
        }
      }
      i++;
    }
    if (eq == std::string_view::npos)
      throw ProtocolError(fmt::format("Missing '=' in parameter '{}'", text.substr(tok, i - tok)));
    args.emplace_back(text.substr(tok, eq - tok), text.substr(eq + 1, i - eq - 1));
  }
  return args;
}

int64_t parse_int_literal(std::string_view text) {
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x') base = 16;
    if (p == 'o') base = 8;
    if (p == 'b') base = 2;
    if (base != 10) s.remove_prefix(2);
  }
  std::string digits;
  for (char c : s)
    if (c != '_') digits += c;
  uint64_t u = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), u, base);
  if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size() ||
      u > (neg ? (uint64_t{1} << 63) : static_cast<uint64_t>(std::numeric_limits<int64_t>::max())))
    throw ProtocolError(fmt::format("Invalid integer '{}'", text));
  return neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
}

// ---------------------------------------------------------------------------------------------
// MessageFormat

MessageFormat::MessageFormat(int32_t id, std::string format, MessageKind kind,
                             std::span<const std::unique_ptr<Enumeration>> enums)
    : id_(id), format_(std::move(format)), kind_(kind) {
  id_len_ = static_cast<uint8_t>(encode_vlq_host(id_bytes_, id));
  if (kind_ == MessageKind::kOutput) {
    // printf-like: "%%" is a literal percent; every other '%' starts a type code.
    name_ = "#output";
    std::string piece;
    for (size_t i = 0; i < format_.size();) {
      if (format_[i] != '%') {
        piece += format_[i++];
        continue;
      }
      if (i + 1 < format_.size() && format_[i + 1] == '%') {
        piece += '%';
        i += 2;
        continue;
      }
      ParamType t;
      size_t n = parse_param_type_code(std::string_view(format_).substr(i), &t);
      if (!n) throw ProtocolError(fmt::format("Invalid output format for '{}'", format_));
      params_.push_back(ParamSpec{"", t, nullptr});
      pieces_.push_back(std::move(piece));
      piece.clear();
      i += n;
    }
    pieces_.push_back(std::move(piece));
  } else {
    auto words = split_ws(format_);
    if (words.empty()) throw ProtocolError("Empty message format");
    name_ = std::string(words[0]);
    // Text form: the format with each type code replaced, so keep the exact surrounding text.
    size_t cursor = 0;
    std::string piece;
    for (size_t w = 1; w < words.size(); w++) {
      std::string_view word = words[w];
      size_t eq = word.find('=');
      if (eq == std::string_view::npos || word.find('=', eq + 1) != std::string_view::npos)
        throw ProtocolError(fmt::format("Invalid parameter '{}' in format '{}'", word, format_));
      ParamSpec spec;
      spec.name = std::string(word.substr(0, eq));
      size_t n = parse_param_type_code(word.substr(eq + 1), &spec.type);
      if (spec.name.empty() || !n || eq + 1 + n != word.size())
        throw ProtocolError(fmt::format("Invalid parameter '{}' in format '{}'", word, format_));
      for (const auto& e : enums) {
        const std::string& en = e->name();
        if (spec.name == en ||
            (spec.name.size() > en.size() &&
             spec.name.compare(spec.name.size() - en.size(), en.size(), en) == 0 &&
             spec.name[spec.name.size() - en.size() - 1] == '_')) {
          spec.enumeration = e.get();
          break;
        }
      }
      size_t code_pos = static_cast<size_t>(word.data() - format_.data()) + eq + 1;
      piece += format_.substr(cursor, code_pos - cursor);
      pieces_.push_back(std::move(piece));
      piece.clear();
      cursor = code_pos + n;
      params_.push_back(std::move(spec));
    }
    piece += format_.substr(cursor);
    pieces_.push_back(std::move(piece));
  }
  max_size_ = id_len_;
  for (const auto& p : params_) {
    all_int_ = all_int_ && is_int_type(p.type);
    // Enumerated values come from the MCU's own dictionary and may exceed the nominal width
    // (a %c pin of 4096 on a linux MCU, which reads every integer as 32 bits).
    ParamType range_type = p.enumeration ? ParamType::kUint32 : p.type;
    min_.push_back(param_min(range_type));
    max_.push_back(param_max(range_type));
    max_size_ +=
        is_int_type(p.type) ? kpp::proto::kVlqMaxBytes : 1 + kpp::proto::kMessagePayloadMax;
  }
}

int MessageFormat::param_index(std::string_view name) const {
  for (size_t i = 0; i < params_.size(); i++)
    if (params_[i].name == name) return static_cast<int>(i);
  return -1;
}

int64_t MessageFormat::out_of_range(size_t index, int64_t v) const {
  // Klipper prints every unsigned parameter as 32 bits, so a -1 sent for a %c (invert_step=-1)
  // reads back as 4294967295; take that form of an allowed negative value as the value itself.
  if (v >= (int64_t{1} << 31) && v <= 0xffffffffLL && v - (int64_t{1} << 32) >= min_[index])
    return v - (int64_t{1} << 32);
  throw ProtocolError(fmt::format("Value {} out of range for parameter '{}' ({}) of '{}'", v,
                                  params_[index].name, param_type_code(params_[index].type),
                                  name_));
}

size_t MessageFormat::encode_ints(uint8_t* out, std::span<const int64_t> values) const {
  if (values.size() != params_.size() || !all_int_)
    throw ProtocolError(fmt::format("Unable to encode: {} (expects {} integer parameters, got {})",
                                    name_, params_.size(), values.size()));
  uint8_t* p = out;
  for (size_t i = 0; i < id_len_; i++) *p++ = id_bytes_[i];
  for (size_t i = 0; i < values.size(); i++) {
    int64_t v = values[i];
    if (v < min_[i] || v > max_[i]) v = out_of_range(i, v);
    p += encode_vlq_host(p, v);
  }
  return static_cast<size_t>(p - out);
}

void MessageFormat::encode_values(std::vector<uint8_t>& out,
                                  std::span<const ParamValue> values) const {
  if (values.size() != params_.size())
    throw ProtocolError(fmt::format("Unable to encode: {} (expects {} parameters, got {})", name_,
                                    params_.size(), values.size()));
  out.insert(out.end(), id_bytes_, id_bytes_ + id_len_);
  uint8_t buf[kpp::proto::kVlqMaxBytes];
  for (size_t i = 0; i < values.size(); i++) {
    const ParamValue& v = values[i];
    if (is_int_type(params_[i].type)) {
      if (v.is_bytes)
        throw ProtocolError(
            fmt::format("Parameter '{}' of '{}' needs an integer", params_[i].name, name_));
      int64_t iv = v.i;
      if (iv < min_[i] || iv > max_[i]) iv = out_of_range(i, iv);
      size_t n = encode_vlq_host(buf, iv);
      out.insert(out.end(), buf, buf + n);
    } else {
      if (!v.is_bytes)
        throw ProtocolError(
            fmt::format("Parameter '{}' of '{}' needs a byte string", params_[i].name, name_));
      if (v.s.size() > kpp::proto::kMessagePayloadMax)
        throw ProtocolError(fmt::format("String of {} bytes too long for parameter '{}' of '{}'",
                                        v.s.size(), params_[i].name, name_));
      out.push_back(static_cast<uint8_t>(v.s.size()));
      out.insert(out.end(), v.s.begin(), v.s.end());
    }
  }
}

std::vector<ParamValue> MessageFormat::parse_text_args(std::string_view args) const {
  std::string_view dummy_name;
  std::string text = "x ";
  text += args;
  auto parts = split_message_text(text, &dummy_name);
  std::vector<ParamValue> values(params_.size());
  std::vector<bool> seen(params_.size(), false);
  for (const auto& [key, value] : parts) {
    int idx = param_index(key);
    if (idx < 0)
      throw ProtocolError(fmt::format("Unknown parameter '{}' for command '{}'", key, name_));
    if (seen[idx])
      throw ProtocolError(fmt::format("Parameter '{}' given twice for '{}'", key, name_));
    seen[idx] = true;
    const ParamSpec& spec = params_[idx];
    ParamValue& out = values[idx];
    if (!is_int_type(spec.type)) {
      out.is_bytes = true;
      size_t pos = 0;
      if (!value.empty() && value[0] == 'b') {
        if (!parse_python_bytes(value, &pos, &out.s) || pos != value.size())
          throw ProtocolError(fmt::format("Invalid bytes literal for '{}' of '{}'", key, name_));
      } else {
        out.s = parse_hex_buffer(value);
      }
    } else if (spec.enumeration) {
      const int64_t* ev = spec.enumeration->find_value(value);
      if (ev) {
        out.i = *ev;
      } else if (value.size() > 1 && value[0] == '?') {
        out.i = parse_int_literal(value.substr(1));
      } else {
        throw ProtocolError(
            fmt::format("Unknown value '{}' in enumeration '{}'", value, spec.enumeration->name()));
      }
    } else {
      out.i = parse_int_literal(value);
    }
  }
  for (size_t i = 0; i < params_.size(); i++)
    if (!seen[i])
      throw ProtocolError(
          fmt::format("Missing parameter '{}' for command '{}'", params_[i].name, name_));
  return values;
}

void MessageFormat::encode_text_args(std::vector<uint8_t>& out, std::string_view args) const {
  auto values = parse_text_args(args);
  encode_values(out, values);
}

void MessageFormat::decode_params(const uint8_t** pp, const uint8_t* end,
                                  std::vector<ParamValue>& out) const {
  const uint8_t* p = *pp;
  for (const auto& spec : params_) {
    if (is_int_type(spec.type)) {
      int64_t v;
      if (!decode_vlq_host(&p, end, &v))
        throw ProtocolError(
            fmt::format("Truncated parameter '{}' in message '{}'", spec.name, name_));
      if (!is_signed_type(spec.type)) v &= 0xffffffff;
      out.push_back(ParamValue::integer(v));
    } else {
      if (p >= end || static_cast<size_t>(end - p) < 1u + *p)
        throw ProtocolError(
            fmt::format("Truncated string parameter '{}' in message '{}'", spec.name, name_));
      size_t len = *p++;
      out.push_back(ParamValue::bytes(std::string(reinterpret_cast<const char*>(p), len)));
      p += len;
    }
  }
  *pp = p;
}

std::string MessageFormat::to_text(std::span<const ParamValue> values) const {
  std::string out;
  if (kind_ == MessageKind::kOutput) out = "#output ";
  for (size_t i = 0; i < params_.size(); i++) {
    out += pieces_[i];
    if (i >= values.size()) break;
    const ParamSpec& spec = params_[i];
    const ParamValue& v = values[i];
    if (!is_int_type(spec.type)) {
      out += python_bytes_repr(v.s);
    } else if (spec.enumeration) {
      const std::string* key = spec.enumeration->find_key(v.i);
      if (key)
        out += *key;
      else
        out += fmt::format("?{}", v.i);
    } else {
      out += fmt::format("{}", v.i);
    }
  }
  out += pieces_.back();
  return out;
}

}  // namespace kpp::mcu
