// MessageFormat: parsing every type code, encode/decode round trips with extreme values,
// Klipper's text form (bytes literals, enumerations, output strings) and parameter errors.
#include "mcu/msgproto.h"

#include <gtest/gtest.h>

#include <climits>
#include <memory>
#include <vector>

using namespace kpp::mcu;

namespace {

std::vector<ParamValue> roundtrip(const MessageFormat& f, const std::vector<ParamValue>& in) {
  std::vector<uint8_t> bytes;
  f.encode_values(bytes, in);
  const uint8_t* p = bytes.data();
  int64_t id;
  EXPECT_TRUE(decode_vlq_host(&p, bytes.data() + bytes.size(), &id));
  EXPECT_EQ(id, f.id());
  std::vector<ParamValue> out;
  f.decode_params(&p, bytes.data() + bytes.size(), out);
  EXPECT_EQ(p, bytes.data() + bytes.size());
  return out;
}

}  // namespace

TEST(MessageFormat, ParsesEveryTypeCode) {
  MessageFormat f(7, "all a=%c b=%hu c=%hi d=%u e=%i f=%s g=%.*s h=%*s", MessageKind::kCommand);
  EXPECT_EQ(f.name(), "all");
  ASSERT_EQ(f.params().size(), 8u);
  const ParamType want[] = {ParamType::kByte,          ParamType::kUint16, ParamType::kInt16,
                            ParamType::kUint32,        ParamType::kInt32,  ParamType::kString,
                            ParamType::kProgmemBuffer, ParamType::kBuffer};
  const char* codes[] = {"%c", "%hu", "%hi", "%u", "%i", "%s", "%.*s", "%*s"};
  for (size_t i = 0; i < 8; i++) {
    EXPECT_EQ(f.params()[i].type, want[i]) << i;
    EXPECT_EQ(param_type_code(want[i]), codes[i]);
    EXPECT_EQ(f.params()[i].name, std::string(1, static_cast<char>('a' + i)));
  }
  EXPECT_FALSE(f.all_int());
  EXPECT_EQ(f.param_index("e"), 4);
  EXPECT_EQ(f.param_index("zz"), -1);
}

TEST(MessageFormat, NoParams) {
  MessageFormat f(3, "get_uptime", MessageKind::kCommand);
  uint8_t buf[8];
  EXPECT_EQ(f.encode(buf), 1u);
  EXPECT_EQ(buf[0], 3);
  EXPECT_EQ(f.to_text({}), "get_uptime");
}

TEST(MessageFormat, RejectsMalformedFormats) {
  EXPECT_THROW(MessageFormat(1, "x a=%q", MessageKind::kCommand), ProtocolError);
  EXPECT_THROW(MessageFormat(1, "x a", MessageKind::kCommand), ProtocolError);
  EXPECT_THROW(MessageFormat(1, "x a=%u=%u", MessageKind::kCommand), ProtocolError);
  EXPECT_THROW(MessageFormat(1, "x =%u", MessageKind::kCommand), ProtocolError);
  EXPECT_THROW(MessageFormat(1, "x a=%ux", MessageKind::kCommand), ProtocolError);
  EXPECT_THROW(MessageFormat(1, "", MessageKind::kCommand), ProtocolError);
  EXPECT_THROW(MessageFormat(1, "bad %q", MessageKind::kOutput), ProtocolError);
}

TEST(MessageFormat, IntegerExtremesRoundTrip) {
  MessageFormat f(100, "ints c=%c hu=%hu hi=%hi u=%u i=%i", MessageKind::kCommand);
  EXPECT_EQ(f.id_bytes().size(), 2u);  // id 100 takes two VLQ bytes
  const std::vector<std::vector<int64_t>> cases = {
      {0, 0, 0, 0, 0},
      {255, 65535, 32767, UINT32_MAX, INT32_MAX},
      {1, 1, -32768, 1, INT32_MIN},
      {95, 96, -1, 0x80000000LL, -1},
  };
  for (const auto& c : cases) {
    std::vector<ParamValue> in;
    for (auto v : c) in.push_back(ParamValue::integer(v));
    auto out = roundtrip(f, in);
    EXPECT_EQ(out, in);
    // The fast path gives the same bytes as the general one.
    std::vector<uint8_t> general;
    f.encode_values(general, in);
    std::vector<uint8_t> fast(f.max_size());
    fast.resize(f.encode_ints(fast.data(), c));
    EXPECT_EQ(fast, general);
  }
}

TEST(MessageFormat, SignedReadingOfUnsignedTypes) {
  // Two's complement values are accepted for unsigned types and decode as their bit pattern.
  MessageFormat f(5, "m c=%c u=%u", MessageKind::kCommand);
  auto out = roundtrip(f, {ParamValue::integer(-1), ParamValue::integer(-1)});
  EXPECT_EQ(out[0].i, 4294967295LL);  // Klipper reads every unsigned VLQ as 32 bits
  EXPECT_EQ(out[1].i, 4294967295LL);
}

TEST(MessageFormat, HostEncodingOfLargeValues) {
  MessageFormat f(5, "m clock=%u", MessageKind::kCommand);
  uint8_t buf[16];
  // Like Klipper's Python encoder: 0xffffffff takes five bytes on the host path.
  ASSERT_EQ(f.encode(buf, 0xffffffffLL), 6u);
  EXPECT_EQ(buf[1], 0x8f);
  // A 64-bit clock: the low 32 bits reach the MCU.
  size_t n = f.encode(buf, (1LL << 32) + 5);
  const uint8_t* p = buf + 1;
  std::vector<ParamValue> out;
  f.decode_params(&p, buf + n, out);
  EXPECT_EQ(out[0].i, 5);
}

TEST(MessageFormat, OutOfRangeAndCountErrors) {
  MessageFormat f(5, "m c=%c hu=%hu hi=%hi u=%u i=%i", MessageKind::kCommand);
  uint8_t buf[64];
  EXPECT_THROW(f.encode(buf, 256, 0, 0, 0, 0), ProtocolError);
  EXPECT_THROW(f.encode(buf, -129, 0, 0, 0, 0), ProtocolError);
  EXPECT_THROW(f.encode(buf, 0, 65536, 0, 0, 0), ProtocolError);
  EXPECT_THROW(f.encode(buf, 0, 0, -32769, 0, 0), ProtocolError);
  EXPECT_THROW(f.encode(buf, 0, 0, 0, -2147483649LL, 0), ProtocolError);
  EXPECT_THROW(f.encode(buf, 0, 0, 0, 0, 4294967296LL), ProtocolError);
  EXPECT_THROW(f.encode(buf, 4294967167LL, 0, 0, 0, 0), ProtocolError);  // -129 as 32 bits
  // The 32-bit pattern of an allowed negative value is that value: Klipper sends
  // invert_step=-1 (a %c) and prints it back as 4294967295.
  EXPECT_EQ(f.encode(buf, 4294967295LL, 0, 0, 0, 2147483648LL), 10u);
  EXPECT_EQ(buf[1], 0x7f);  // -1 in one byte
  EXPECT_THROW(f.encode(buf, 0, 0, 0, 0), ProtocolError);
  try {
    f.encode(buf, 300, 0, 0, 0, 0);
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "Value 300 out of range for parameter 'c' (%c) of 'm'");
  }
  MessageFormat s(6, "s data=%*s", MessageKind::kCommand);
  std::vector<uint8_t> out;
  EXPECT_THROW(s.encode_values(out, {ParamValue::bytes(std::string(60, 'x'))}), ProtocolError);
  EXPECT_THROW(s.encode_values(out, {ParamValue::integer(1)}), ProtocolError);
  EXPECT_THROW(
      f.encode_values(out, {ParamValue::bytes("x"), ParamValue::integer(0), ParamValue::integer(0),
                            ParamValue::integer(0), ParamValue::integer(0)}),
      ProtocolError);
}

TEST(MessageFormat, StringsRoundTrip) {
  MessageFormat f(9, "strs a=%s b=%.*s c=%*s", MessageKind::kCommand);
  std::string all_bytes;
  for (int i = 0; i < 40; i++) all_bytes += static_cast<char>(i * 7);
  std::vector<ParamValue> in = {ParamValue::bytes(""), ParamValue::bytes(std::string("\0\xff", 2)),
                                ParamValue::bytes(all_bytes.substr(0, 10))};
  EXPECT_EQ(roundtrip(f, in), in);
  MessageFormat g(9, "g data=%*s", MessageKind::kCommand);
  std::vector<ParamValue> big = {ParamValue::bytes(std::string(57, '\x7e'))};
  EXPECT_EQ(roundtrip(g, big), big);
}

TEST(MessageFormat, TruncatedDecodeThrows) {
  MessageFormat f(9, "m a=%u b=%*s", MessageKind::kCommand);
  std::vector<uint8_t> bytes;
  f.encode_values(bytes, {ParamValue::integer(100000), ParamValue::bytes("hello")});
  for (size_t cut = 1; cut < bytes.size(); cut++) {
    const uint8_t* p = bytes.data() + 1;
    std::vector<ParamValue> out;
    EXPECT_THROW(f.decode_params(&p, bytes.data() + cut, out), ProtocolError) << cut;
  }
}

TEST(PythonRepr, MatchesPython) {
  EXPECT_EQ(python_bytes_repr(""), "b''");
  EXPECT_EQ(python_bytes_repr("abc"), "b'abc'");
  EXPECT_EQ(python_bytes_repr("it's"), "b\"it's\"");
  EXPECT_EQ(python_bytes_repr("'\""), "b'\\'\"'");
  EXPECT_EQ(python_bytes_repr(std::string("\0\n\t\r\\\x7f\x80\xff ~", 10)),
            "b'\\x00\\n\\t\\r\\\\\\x7f\\x80\\xff ~'");
  EXPECT_EQ(python_bytes_repr("\x82\xc1\xa0\xb0\x08\x04:'\x15"),
            "b\"\\x82\\xc1\\xa0\\xb0\\x08\\x04:'\\x15\"");
}

TEST(PythonRepr, ParseBackEveryByte) {
  std::string all;
  for (int i = 0; i < 256; i++) all += static_cast<char>(i);
  for (std::string s : {all, std::string("'"), std::string("\"'"), std::string("a b")}) {
    std::string lit = python_bytes_repr(s), back;
    size_t pos = 0;
    ASSERT_TRUE(parse_python_bytes(lit, &pos, &back));
    EXPECT_EQ(pos, lit.size());
    EXPECT_EQ(back, s);
  }
  size_t pos = 0;
  std::string out;
  EXPECT_FALSE(parse_python_bytes("b'abc", &pos, &out));
  EXPECT_FALSE(parse_python_bytes("'abc'", &pos, &out));
}

TEST(MessageText, SplitsBytesLiteralsWithSpaces) {
  std::string_view name;
  auto args = split_message_text("  spi_send oid=2 data=b'a b=c'  x=-3 ", &name);
  EXPECT_EQ(name, "spi_send");
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[1].first, "data");
  EXPECT_EQ(args[1].second, "b'a b=c'");
  EXPECT_EQ(args[2].second, "-3");
  EXPECT_THROW(split_message_text("x novalue", &name), ProtocolError);
}

TEST(MessageText, IntLiterals) {
  EXPECT_EQ(parse_int_literal("0"), 0);
  EXPECT_EQ(parse_int_literal("-17"), -17);
  EXPECT_EQ(parse_int_literal("0x1F"), 31);
  EXPECT_EQ(parse_int_literal("0b101"), 5);
  EXPECT_EQ(parse_int_literal("0o17"), 15);
  EXPECT_EQ(parse_int_literal("1_000"), 1000);
  EXPECT_EQ(parse_int_literal("4294967295"), 4294967295LL);
  EXPECT_THROW(parse_int_literal(""), ProtocolError);
  EXPECT_THROW(parse_int_literal("12a"), ProtocolError);
  EXPECT_THROW(parse_int_literal("0x"), ProtocolError);
  EXPECT_THROW(parse_int_literal("99999999999999999999"), ProtocolError);
}

TEST(MessageText, EncodeFromTextAndPrint) {
  std::vector<std::unique_ptr<Enumeration>> enums;
  enums.push_back(std::make_unique<Enumeration>("pin"));
  enums.back()->add_range("PA0", 0, 8);
  enums.push_back(std::make_unique<Enumeration>("static_string_id"));
  enums.back()->add("Timer too close", 4);
  MessageFormat f(40, "config_x oid=%c step_pin=%c buf=%*s", MessageKind::kCommand, enums);
  EXPECT_EQ(f.params()[1].enumeration, enums[0].get());
  EXPECT_EQ(f.params()[0].enumeration, nullptr);
  auto values = f.parse_text_args("oid=3 step_pin=PA7 buf=b'x y'");
  EXPECT_EQ(values[1].i, 7);
  EXPECT_EQ(f.to_text(values), "config_x oid=3 step_pin=PA7 buf=b'x y'");
  values = f.parse_text_args("buf=0aff oid=0x10 step_pin=?99");
  EXPECT_EQ(values[2].s, "\x0a\xff");
  EXPECT_EQ(f.to_text(values), "config_x oid=16 step_pin=?99 buf=b'\\n\\xff'");
  EXPECT_THROW(f.parse_text_args("oid=3 step_pin=PZ9 buf=00"), ProtocolError);
  EXPECT_THROW(f.parse_text_args("oid=3 step_pin=PA1"), ProtocolError);             // missing
  EXPECT_THROW(f.parse_text_args("oid=3 step_pin=PA1 buf=00 x=1"), ProtocolError);  // unknown
  EXPECT_THROW(f.parse_text_args("oid=3 oid=3 step_pin=PA1 buf=00"), ProtocolError);
  EXPECT_THROW(f.parse_text_args("oid=3 step_pin=PA1 buf=0"), ProtocolError);  // odd hex
  MessageFormat s(41, "shutdown clock=%u static_string_id=%hu", MessageKind::kResponse, enums);
  EXPECT_EQ(s.to_text(s.parse_text_args("clock=5 static_string_id=?4")),
            "shutdown clock=5 static_string_id=Timer too close");
}

TEST(MessageText, OutputStrings) {
  MessageFormat f(-20, "Got %u bytes (%%): %*s at %i", MessageKind::kOutput);
  EXPECT_EQ(f.name(), "#output");
  ASSERT_EQ(f.params().size(), 3u);
  std::vector<ParamValue> v = {ParamValue::integer(3), ParamValue::bytes("ab'"),
                               ParamValue::integer(-2)};
  EXPECT_EQ(f.to_text(v), "#output Got 3 bytes (%): b\"ab'\" at -2");
  EXPECT_EQ(roundtrip(f, v), v);
}

TEST(Enumerations, RangesAndReverseLookup) {
  Enumeration e("pin");
  e.add_range("gpio0", 0, 3);
  e.add_range("gpiochip0/gpio0", 0, 3);
  e.add_range("i2c.0", 10, 2);
  e.add_range("analog", 100, 2);  // no digits: starts at 0
  EXPECT_EQ(*e.find_value("gpio2"), 2);
  EXPECT_EQ(*e.find_value("i2c.1"), 11);
  EXPECT_EQ(*e.find_value("analog1"), 101);
  EXPECT_EQ(*e.find_key(1), "gpiochip0/gpio1");  // the key added last wins, as in Klipper
  EXPECT_EQ(e.find_value("gpio3"), nullptr);
  EXPECT_EQ(e.find_key(99), nullptr);
}
