// Message formats of Klipper's wire protocol: parse "name param=%u ..." descriptions, encode
// parameter values into VLQ bytes, decode them back and print them the way Klipper's
// parsedump.py does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace kpp::mcu {

// Any protocol problem on the host: bad dictionary data, unknown command, bad or out-of-range
// parameter, truncated message. The text is meant for the user (klippy.log, console).
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The parameter types of a format string.
enum class ParamType : uint8_t {
  kUint32,         // %u
  kInt32,          // %i
  kUint16,         // %hu
  kInt16,          // %hi
  kByte,           // %c
  kString,         // %s   (length byte + bytes)
  kProgmemBuffer,  // %.*s (same encoding; the MCU reads it from flash)
  kBuffer,         // %*s  (same encoding)
};

constexpr bool is_int_type(ParamType t) {
  return t < ParamType::kString;
}
constexpr bool is_signed_type(ParamType t) {
  return t == ParamType::kInt32 || t == ParamType::kInt16;
}
// "%u", "%hi", "%.*s", ...
std::string_view param_type_code(ParamType t);
// Reads a type code at the start of `s` (which begins with '%'); returns its length or 0.
size_t parse_param_type_code(std::string_view s, ParamType* out);
// The integer values a parameter accepts on encode. Both signed and unsigned readings of the
// type's width are allowed (the MCU sees the same bits), e.g. %c takes -128..255. 32-bit types
// take any value >= -2^31 because Klipper passes 64-bit clocks and sends their low bits.
// A parameter with an enumeration takes any 32-bit value (dictionaries have %c pins > 255).
// The 32-bit pattern of an allowed negative value (4294967295 for -1) is sent as that value.
int64_t param_min(ParamType t);
int64_t param_max(ParamType t);

// A named set of integer values (pins, buses, static strings ...), ranges already expanded.
class Enumeration {
 public:
  explicit Enumeration(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  // Adds or replaces `key`. For reverse lookup the key added last wins, as in Klipper.
  void add(const std::string& key, int64_t value);
  // Adds `count` keys: "PA0": [0, 16] gives PA0..PA15 = 0..15 (trailing digits of `key` are
  // the first index; a key without digits starts at 0).
  void add_range(const std::string& key, int64_t first_value, int64_t count);
  const int64_t* find_value(std::string_view key) const;
  const std::string* find_key(int64_t value) const;
  const std::vector<std::pair<std::string, int64_t>>& entries() const { return entries_; }

 private:
  std::string name_;
  std::vector<std::pair<std::string, int64_t>> entries_;
  std::unordered_map<std::string, size_t> by_key_;
  std::unordered_map<int64_t, std::string> by_value_;
};

// A parameter value: an integer (also for enumerations: the numeric value) or a byte string.
struct ParamValue {
  int64_t i = 0;
  std::string s;
  bool is_bytes = false;

  static ParamValue integer(int64_t v) { return ParamValue{v, {}, false}; }
  static ParamValue bytes(std::string b) { return ParamValue{0, std::move(b), true}; }
  bool operator==(const ParamValue&) const = default;
};

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kUint32;
  const Enumeration* enumeration = nullptr;  // owned by the Dictionary
};

enum class MessageKind : uint8_t { kCommand, kResponse, kOutput };

// One message of the data dictionary with its id: the unit of encoding and decoding.
//
// Hot path: encode_ints() writes the precomputed id bytes and one VLQ per value straight into a
// caller buffer, with no allocation.
class MessageFormat {
 public:
  // Parses `format`. For kOutput (the MCU's printf-like output() strings) the parameters have no
  // names. `enums` (in dictionary order) attaches an enumeration to each parameter named like
  // it or ending in "_<enum name>". Throws ProtocolError on a malformed format.
  MessageFormat(int32_t id, std::string format, MessageKind kind,
                std::span<const std::unique_ptr<Enumeration>> enums = {});

  int32_t id() const { return id_; }
  const std::string& format() const { return format_; }
  // The first word ("queue_step"); "#output" for output strings.
  const std::string& name() const { return name_; }
  MessageKind kind() const { return kind_; }
  const std::vector<ParamSpec>& params() const { return params_; }
  // Index of the parameter called `name`, or -1.
  int param_index(std::string_view name) const;
  bool all_int() const { return all_int_; }
  // The VLQ bytes of the id, written first by every encode.
  std::span<const uint8_t> id_bytes() const { return {id_bytes_, id_len_}; }
  // Upper bound of an encoding of this message (strings counted at the block payload maximum).
  size_t max_size() const { return max_size_; }

  // Encodes integers only (every parameter must be an integer type) into `out`, which holds at
  // least max_size() bytes; returns the length. Values follow Klipper's host encoding exactly.
  // Throws ProtocolError on a wrong count or an out-of-range value.
  size_t encode_ints(uint8_t* out, std::span<const int64_t> values) const;
  template <class... Ints>
  size_t encode(uint8_t* out, Ints... values) const {
    const int64_t v[] = {static_cast<int64_t>(values)...};
    return encode_ints(out, std::span<const int64_t>(v, sizeof...(Ints)));
  }
  // General encode (integers and byte strings), appended to `out`.
  void encode_values(std::vector<uint8_t>& out, std::span<const ParamValue> values) const;
  void encode_values(std::vector<uint8_t>& out, std::initializer_list<ParamValue> values) const {
    encode_values(out, std::span<const ParamValue>(values.begin(), values.size()));
  }
  // Encodes from "param=value ..." text (the part after the name): integers as in Python's
  // int(x, 0), enumerations by key (or "?N"), byte strings as b'...' literals or hex digits.
  // Every parameter must be given exactly once.
  void encode_text_args(std::vector<uint8_t>& out, std::string_view args) const;
  std::vector<ParamValue> parse_text_args(std::string_view args) const;

  // Decodes the parameters that follow the id at `*p`; advances *p. Throws ProtocolError if the
  // data ends inside a parameter.
  void decode_params(const uint8_t** p, const uint8_t* end, std::vector<ParamValue>& out) const;
  // Klipper's text form: the format with each %-code replaced by the value (enumeration key or
  // "?N", byte strings as Python bytes literals); "#output ..." for output strings.
  std::string to_text(std::span<const ParamValue> values) const;

 private:
  // The value to send for `v`, outside [min_, max_] of parameter `index`; throws if none.
  int64_t out_of_range(size_t index, int64_t v) const;

  int32_t id_;
  std::string format_;
  std::string name_;
  MessageKind kind_;
  std::vector<ParamSpec> params_;
  std::vector<int64_t> min_, max_;
  // For to_text: the literal pieces between parameters (params_.size() + 1 of them).
  std::vector<std::string> pieces_;
  bool all_int_ = true;
  uint8_t id_bytes_[5] = {};
  uint8_t id_len_ = 0;
  size_t max_size_ = 0;
};

// Python's repr() of a bytes object: b'..' (or b".." when only ' occurs), \xNN escapes.
std::string python_bytes_repr(std::string_view bytes);
// Parses a Python bytes literal (b'...' / b"...") starting at s[*pos]; advances *pos past it.
// Returns false if `s` has no well-formed literal there.
bool parse_python_bytes(std::string_view s, size_t* pos, std::string* out);
// Splits "name a=1 b=b'x y'" into the name and its "key=value" arguments. Bytes literals may
// contain spaces. Throws ProtocolError on an argument without '='.
std::vector<std::pair<std::string_view, std::string_view>> split_message_text(
    std::string_view text, std::string_view* name);
// Python's int(text, 0); throws ProtocolError.
int64_t parse_int_literal(std::string_view text);

// Klipper's VLQ encoding of a host integer: the thresholds of Protocol.md applied to the full
// 64-bit value (so 0x80000000..0xffffffff take five bytes, unlike the uint32 path of the serial
// queue). Writes at most 5 bytes; returns the count.
size_t encode_vlq_host(uint8_t* out, int64_t v);
// Decodes one VLQ the way Klipper's host does; false if the data ends or runs past 5 bytes.
// The value is sign-extended from its first byte, not masked to 32 bits.
bool decode_vlq_host(const uint8_t** p, const uint8_t* end, int64_t* v);

}  // namespace kpp::mcu
