// Dictionary: all 38 golden dictionaries load and every command round-trips; lookups,
// enumerations, constants, default messages; errors on corrupt dictionaries.
#include "mcu/dictionary.h"

#include <gtest/gtest.h>

#include <set>

#include "golden_util.h"

using namespace kpp::mcu;

namespace {

// Sample values for a parameter: the extremes of its type (or of its enumeration).
std::vector<ParamValue> samples(const ParamSpec& p) {
  if (!is_int_type(p.type)) {
    std::string all;
    for (int i = 0; i < 48; i++) all += static_cast<char>(i * 37 + 126);
    return {ParamValue::bytes(""), ParamValue::bytes("\x7e'\"\\"), ParamValue::bytes(all)};
  }
  if (p.enumeration && !p.enumeration->entries().empty()) {
    const auto& e = p.enumeration->entries();
    return {ParamValue::integer(e.front().second), ParamValue::integer(e.back().second),
            ParamValue::integer(e[e.size() / 2].second)};
  }
  switch (p.type) {
    case ParamType::kByte:
      return {ParamValue::integer(0), ParamValue::integer(255), ParamValue::integer(96)};
    case ParamType::kUint16:
      return {ParamValue::integer(0), ParamValue::integer(65535), ParamValue::integer(12288)};
    case ParamType::kInt16:
      return {ParamValue::integer(-32768), ParamValue::integer(32767), ParamValue::integer(-1)};
    case ParamType::kUint32:
      return {ParamValue::integer(0), ParamValue::integer(4294967295LL),
              ParamValue::integer(201326592)};
    default:
      return {ParamValue::integer(INT32_MIN), ParamValue::integer(INT32_MAX),
              ParamValue::integer(-33)};
  }
}

}  // namespace

TEST(Dictionary, DefaultMessages) {
  Dictionary d;
  const MessageFormat* r = d.find_response("identify_response");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id(), 0);
  EXPECT_EQ(r->format(), "identify_response offset=%u data=%.*s");
  const MessageFormat* c = d.find_command("identify");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->id(), 1);
  EXPECT_EQ(d.find_by_id(1), c);
  EXPECT_EQ(d.find_by_id(2), nullptr);
  EXPECT_EQ(&d.lookup_command("identify offset=%u count=%c"), c);
}

TEST(Dictionary, AllGoldenDictionariesLoadAndRoundTrip) {
  auto dicts = kpp::test::golden_dicts();
  if (dicts.empty()) GTEST_SKIP() << "no golden dictionaries in " << kpp::test::dict_dir();
  EXPECT_EQ(dicts.size(), 38u);
  size_t commands = 0;
  for (const auto& path : dicts) {
    SCOPED_TRACE(path.filename().string());
    Dictionary d = Dictionary::from_file(path.string());
    EXPECT_FALSE(d.version().empty());
    EXPECT_GT(d.constant_int("CLOCK_FREQ"), 0);
    EXPECT_FALSE(d.constants().empty());
    ASSERT_NE(d.find_command("finalize_config"), nullptr);
    ASSERT_NE(d.find_response("clock"), nullptr);
    for (const auto& m : d.messages()) {
      if (m->kind() == MessageKind::kOutput) continue;
      commands += m->kind() == MessageKind::kCommand;
      EXPECT_EQ(d.find_by_id(m->id()), m.get());
      std::vector<std::vector<ParamValue>> per_param;
      for (const auto& p : m->params()) per_param.push_back(samples(p));
      for (size_t k = 0; k < 3; k++) {
        std::vector<ParamValue> values;
        for (const auto& s : per_param) values.push_back(s[k]);
        std::vector<uint8_t> bytes;
        try {
          m->encode_values(bytes, values);
        } catch (const ProtocolError& e) {
          ADD_FAILURE() << m->format() << ": " << e.what();
          continue;
        }
        auto decoded = d.decode_payload(bytes);
        ASSERT_EQ(decoded.size(), 1u) << m->format();
        ASSERT_EQ(decoded[0].format, m.get());
        for (size_t i = 0; i < values.size(); i++) {
          ParamValue want = values[i];
          if (is_int_type(m->params()[i].type) && !is_signed_type(m->params()[i].type))
            want.i &= 0xffffffff;
          EXPECT_EQ(decoded[0].params[i], want) << m->format() << " param " << i;
        }
        // And through the text form, as parsedump prints it and create_command reads it
        // (unless an enumeration key has spaces, like static strings: that text is ambiguous).
        std::string text = decoded[0].text();
        bool spaced_key = false;
        for (size_t i = 0; i < values.size(); i++) {
          const Enumeration* e = m->params()[i].enumeration;
          const std::string* key = e ? e->find_key(values[i].i) : nullptr;
          spaced_key |= key && key->find(' ') != std::string::npos;
        }
        if (!spaced_key) {
          EXPECT_EQ(d.encode_text(text), bytes) << text;
        }
      }
    }
  }
  EXPECT_GT(commands, 38u * 50);
}

TEST(Dictionary, Atmega2560Details) {
  auto path = kpp::test::dict_dir() / "atmega2560.dict";
  if (!std::filesystem::exists(path)) GTEST_SKIP();
  Dictionary d = Dictionary::from_file(path.string());
  EXPECT_EQ(d.app(), "Klipper");
  EXPECT_EQ(d.license(), "GNU GPLv3");
  EXPECT_EQ(d.version(), "v0.13.0-730-g84104bbbd");
  EXPECT_NE(d.build_versions().find("gcc"), std::string::npos);
  // Constants as int, float and string; missing ones give Klipper's message.
  EXPECT_EQ(d.constant_int("CLOCK_FREQ"), 16000000);
  EXPECT_DOUBLE_EQ(d.constant_float("CLOCK_FREQ"), 16e6);
  EXPECT_EQ(d.constant("MCU"), "atmega2560");
  EXPECT_EQ(d.constant("RESERVE_PINS_serial"), "PE0,PE1");
  EXPECT_EQ(d.constant_int("STATS_SUMSQ_BASE"), 256);
  EXPECT_EQ(d.constant_int("NOPE", 7), 7);
  EXPECT_EQ(d.constant("NOPE", "x"), "x");
  try {
    d.constant("NOPE");
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "Firmware constant 'NOPE' not found");
  }
  EXPECT_THROW(d.constant_int("MCU"), ProtocolError);
  EXPECT_THROW(d.constant_float("RESERVE_PINS_serial"), ProtocolError);
  // Enumerations, with ranges expanded.
  EXPECT_EQ(d.enumeration_value("pin", "PA0"), 0);
  EXPECT_EQ(d.enumeration_value("pin", "PB3"), 11);
  EXPECT_EQ(d.enumeration_key("pin", 11), "PB3");
  EXPECT_EQ(d.enumeration_key("pin", 100000), "?100000");
  EXPECT_THROW(d.enumeration_value("pin", "PZ0"), ProtocolError);
  EXPECT_THROW(d.enumeration_value("nope", "PA0"), ProtocolError);
  // Lookups by name and by format.
  const MessageFormat& qs = d.lookup_command("queue_step oid=%c interval=%u count=%hu add=%hi");
  EXPECT_EQ(qs.name(), "queue_step");
  EXPECT_EQ(d.find_command("queue_step"), &qs);
  EXPECT_EQ(d.find_command("clock"), nullptr);
  EXPECT_NE(d.find_response("clock"), nullptr);
  try {
    d.lookup_command("queue_step oid=%c interval=%u count=%c add=%hi");
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(),
                 "Command format mismatch: queue_step oid=%c interval=%u count=%c add=%hi vs "
                 "queue_step oid=%c interval=%u count=%hu add=%hi");
  }
  try {
    d.lookup_command("no_such_cmd oid=%c");
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_STREQ(e.what(), "Unknown command: no_such_cmd");
  }
  EXPECT_THROW(d.encode_text("no_such_cmd oid=1"), ProtocolError);
  EXPECT_TRUE(d.encode_text("   ").empty());
  // Parameters named after an enumeration use it: config_stepper's pins, shutdown's string id.
  auto bytes = d.encode_text(
      "config_stepper oid=4 step_pin=PF0 dir_pin=PF1 invert_step=0 "
      "step_pulse_ticks=32");
  auto msgs = d.decode_payload(bytes);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].text(),
            "config_stepper oid=4 step_pin=PF0 dir_pin=PF1 invert_step=0 step_pulse_ticks=32");
  EXPECT_EQ(msgs[0].get_int("step_pin"), d.enumeration_value("pin", "PF0"));
  EXPECT_THROW(msgs[0].get("nope"), ProtocolError);
  const MessageFormat* shutdown = d.find_response("shutdown");
  ASSERT_NE(shutdown, nullptr);
  ASSERT_NE(shutdown->params()[1].enumeration, nullptr);
  EXPECT_EQ(shutdown->params()[1].enumeration->name(), "static_string_id");
}

TEST(Dictionary, UnknownIdInBlockPrintsLikeKlipper) {
  Dictionary d = Dictionary::from_json(R"({"commands": {"a x=%c": 5}, "responses": {}})");
  std::vector<uint8_t> block = {8, 0x10, 5, 1, 90, 0, 0, 0x7e};
  auto msgs = d.decode_block(block);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].text(), "a x=1");
  EXPECT_EQ(msgs[1].format, nullptr);
  EXPECT_EQ(msgs[1].id, 90);
  EXPECT_EQ(msgs[1].text(), "#unknown b'\\x08\\x10\\x05\\x01Z\\x00\\x00~'");
}

TEST(Dictionary, MultiByteAndNegativeIds) {
  Dictionary d = Dictionary::from_json(
      R"({"commands": {"big v=%u": 148, "neg v=%i": -20},
          "responses": {"r v=%hu": -32, "s v=%c": 3000}})");
  for (const char* text : {"big v=7", "neg v=-7", "r v=65535", "s v=255"}) {
    auto bytes = d.encode_text(text);
    auto msgs = d.decode_payload(bytes);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].text(), text);
  }
  EXPECT_EQ(d.find_by_id(148)->name(), "big");
  EXPECT_EQ(d.find_by_id(3000)->name(), "s");
}

TEST(Dictionary, OutputStringsDecode) {
  Dictionary d = Dictionary::from_json(
      R"({"commands": {}, "responses": {}, "output": {"debug %u and %*s": 50}})");
  ASSERT_EQ(d.output_formats().size(), 1u);
  std::vector<uint8_t> payload = {50, 3, 2, 'h', 'i'};
  auto msgs = d.decode_payload(payload);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].name(), "#output");
  EXPECT_EQ(msgs[0].text(), "#output debug 3 and b'hi'");
}

TEST(Dictionary, CorruptDictionariesGiveClearErrors) {
  const char* bad[] = {
      "",                                                         // not JSON
      "{\"commands\": {\"a=%c\": 1}",                             // truncated JSON
      "[1, 2]",                                                   // not an object
      R"({"responses": {}})",                                     // no commands
      R"({"commands": {}})",                                      // no responses
      R"({"commands": {"x a=%c": "5"}, "responses": {}})",        // id not a number
      R"({"commands": {"x a=%q": 5}, "responses": {}})",          // bad type code
      R"({"commands": {"x a=%c": 5, "y": 5}, "responses": {}})",  // duplicate id
      R"({"commands": {"identify": 1}, "responses": {}})",        // clashes with default id 1
      R"({"commands": {}, "responses": {}, "enumerations": {"pin": {"PA0": [0]}}})",
      R"({"commands": {}, "responses": {}, "enumerations": {"pin": {"PA0": "x"}}})",
      R"({"commands": {}, "responses": {}, "config": [1]})",
  };
  for (const char* json : bad) {
    try {
      Dictionary::from_json(json);
      ADD_FAILURE() << "accepted: " << json;
    } catch (const ProtocolError& e) {
      EXPECT_TRUE(std::string_view(e.what()).starts_with("Error during identify: ")) << e.what();
    }
  }
  EXPECT_THROW(Dictionary::from_file("/nonexistent/x.dict"), ProtocolError);
}

TEST(Dictionary, CompressedAndTruncatedCompressed) {
  auto path = kpp::test::dict_dir() / "stm32f407.dict";
  if (!std::filesystem::exists(path)) GTEST_SKIP();
  std::string json = kpp::test::read_file(path);
  auto z = zlib_compress(json);
  Dictionary d = Dictionary::from_compressed(z);
  EXPECT_EQ(d.raw_json(), json);
  EXPECT_EQ(d.constant("MCU"), "stm32f407xx");
  // Every proper prefix of the zlib data is an error, not a crash or a partial dictionary.
  for (size_t cut : {size_t{0}, size_t{1}, size_t{2}, z.size() / 2, z.size() - 1}) {
    std::span<const uint8_t> part(z.data(), cut);
    EXPECT_THROW(Dictionary::from_compressed(part), ProtocolError) << cut;
  }
  auto corrupt = z;
  corrupt[z.size() / 2] ^= 0x55;
  EXPECT_THROW(Dictionary::from_compressed(corrupt), ProtocolError);
  std::vector<uint8_t> garbage(100, 0x42);
  try {
    Dictionary::from_compressed(garbage);
    FAIL();
  } catch (const ProtocolError& e) {
    EXPECT_TRUE(std::string_view(e.what()).starts_with("Error during identify: zlib"));
  }
}
