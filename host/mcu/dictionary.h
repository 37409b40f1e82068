// The data dictionary of one MCU: its commands, responses and output strings with their ids,
// enumerations, constants and version, loaded from the JSON the MCU sends (zlib-compressed, in
// pieces, in answer to "identify") or from a plain .dict file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mcu/msgproto.h"

namespace kpp::mcu {

// The two messages every MCU knows before its dictionary is read (Protocol.md).
inline constexpr std::string_view kIdentifyResponseFormat = "identify_response offset=%u data=%.*s";
inline constexpr std::string_view kIdentifyFormat = "identify offset=%u count=%c";
inline constexpr int32_t kIdentifyResponseId = 0;
inline constexpr int32_t kIdentifyId = 1;

// A decoded message: its format (nullptr for an unknown id) and parameter values in format
// order. For an unknown id, `raw` holds the bytes Klipper prints for it.
struct DecodedMessage {
  const MessageFormat* format = nullptr;
  int32_t id = 0;
  std::vector<ParamValue> params;
  std::string raw;

  const std::string& name() const;
  // The value of parameter `name`; throws ProtocolError if the message has none.
  const ParamValue& get(std::string_view name) const;
  int64_t get_int(std::string_view name) const { return get(name).i; }
  // Klipper's parsedump text of this message.
  std::string text() const;
};

class Dictionary {
 public:
  // A dictionary that knows only identify/identify_response, enough to download the real one.
  Dictionary();
  Dictionary(Dictionary&&) noexcept;
  Dictionary& operator=(Dictionary&&) noexcept;
  ~Dictionary();

  // Parses the dictionary JSON. Throws ProtocolError ("Error during identify: ...").
  static Dictionary from_json(std::string_view json_text);
  // Inflates zlib data (as assembled from identify_response chunks) and parses it.
  static Dictionary from_compressed(std::span<const uint8_t> zlib_data);
  // Reads a file holding either plain JSON (Klipper's out/klipper.dict) or zlib data.
  static Dictionary from_file(const std::string& path);

  // --- messages ---
  const MessageFormat* find_by_id(int32_t id) const;
  // Commands by name ("queue_step"); nullptr if the MCU has no such command.
  const MessageFormat* find_command(std::string_view name) const;
  // Looks up a command by its full format string; throws ProtocolError "Unknown command: x"
  // or "Command format mismatch: host vs mcu" as Klipper does.
  const MessageFormat& lookup_command(std::string_view format) const;
  // Responses by name ("clock", "identify_response").
  const MessageFormat* find_response(std::string_view name) const;
  // The MCU's output() strings, all decoded under the name "#output".
  const std::vector<const MessageFormat*>& output_formats() const { return outputs_; }
  // Every message in dictionary order (default messages first).
  const std::vector<std::unique_ptr<MessageFormat>>& messages() const { return messages_; }

  // --- enumerations ---
  const Enumeration* find_enumeration(std::string_view name) const;
  // Value of `key` in enumeration `name`; throws "Unknown value 'key' in enumeration 'name'".
  int64_t enumeration_value(std::string_view name, std::string_view key) const;
  // Key of `value`, or "?value" as Klipper prints unknown values.
  std::string enumeration_key(std::string_view name, int64_t value) const;
  const std::vector<std::unique_ptr<Enumeration>>& enumerations() const { return enums_; }

  // --- constants (the "config" object) ---
  bool has_constant(std::string_view name) const;
  // As text (numbers in JSON form); throws "Firmware constant 'X' not found".
  std::string constant(std::string_view name) const;
  std::string constant(std::string_view name, std::string_view fallback) const;
  int64_t constant_int(std::string_view name) const;
  int64_t constant_int(std::string_view name, int64_t fallback) const;
  double constant_float(std::string_view name) const;
  double constant_float(std::string_view name, double fallback) const;
  const std::map<std::string, std::string, std::less<>>& constants() const { return constants_; }

  const std::string& version() const { return version_; }
  const std::string& build_versions() const { return build_versions_; }
  const std::string& app() const { return app_; }
  const std::string& license() const { return license_; }
  // The JSON text the dictionary was read from (after decompression).
  const std::string& raw_json() const { return raw_json_; }

  // --- decoding ---
  // Decodes one message at *p (id + params); advances *p. An unknown id yields a message with
  // format == nullptr that consumes the rest of [*p, end). Throws ProtocolError if truncated.
  DecodedMessage decode_message(const uint8_t** p, const uint8_t* end) const;
  // All messages of a block payload.
  std::vector<DecodedMessage> decode_payload(std::span<const uint8_t> payload) const;
  // All messages of a whole block (header, payload, trailer), the way parsedump shows it: an
  // unknown id ends the block and carries the whole block as `raw`.
  std::vector<DecodedMessage> decode_block(std::span<const uint8_t> block) const;

  // --- encoding from text ---
  // Klipper's create_command: "name a=1 b=2" -> message bytes (id + params).
  std::vector<uint8_t> encode_text(std::string_view message) const;

 private:
  void add_message(int32_t id, const std::string& format, MessageKind kind);
  void load_json(std::string_view json_text);

  std::vector<std::unique_ptr<MessageFormat>> messages_;
  std::vector<std::unique_ptr<Enumeration>> enums_;
  // Decoding by id: ids -32..95 are the common case; others go through the map.
  std::vector<const MessageFormat*> by_small_id_;
  std::unordered_map<int32_t, const MessageFormat*> by_id_;
  std::unordered_map<std::string, const MessageFormat*> commands_by_name_;
  std::unordered_map<std::string, const MessageFormat*> responses_by_name_;
  std::vector<const MessageFormat*> outputs_;
  std::map<std::string, std::string, std::less<>> constants_;
  std::string version_, build_versions_, app_, license_, raw_json_;
};

// zlib helpers (the dictionary travels compressed).
std::vector<uint8_t> zlib_compress(std::string_view data, int level = 9);
// Throws ProtocolError on corrupt or truncated data, or output beyond `max_size`.
std::string zlib_decompress(std::span<const uint8_t> data, size_t max_size = 16 << 20);

}  // namespace kpp::mcu
