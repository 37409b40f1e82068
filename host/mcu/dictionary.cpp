// Data dictionary loading (plain or zlib JSON), lookups, and dictionary-wide decode/encode.
#include "mcu/dictionary.h"

#include <fmt/format.h>
#include <zlib.h>

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "protocol/msgblock.h"

namespace kpp::mcu {

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr int32_t kSmallIdMin = -32;
constexpr int32_t kSmallIdMax = 95;

std::string json_constant_text(const OrderedJson& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string json_string_field(const OrderedJson& root, const char* key) {
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DecodedMessage

const std::string& DecodedMessage::name() const {
  static const std::string kUnknown = "#unknown";
  return format ? format->name() : kUnknown;
}

const ParamValue& DecodedMessage::get(std::string_view pname) const {
  int idx = format ? format->param_index(pname) : -1;
  if (idx < 0 || static_cast<size_t>(idx) >= params.size())
    throw ProtocolError(fmt::format("Message '{}' has no parameter '{}'", name(), pname));
  return params[idx];
}

std::string DecodedMessage::text() const {
  if (!format) return "#unknown " + python_bytes_repr(raw);
  return format->to_text(params);
}

// ---------------------------------------------------------------------------------------------
// zlib

std::vector<uint8_t> zlib_compress(std::string_view data, int level) {
  uLongf len = compressBound(static_cast<uLong>(data.size()));
  std::vector<uint8_t> out(len);
  int rc = compress2(out.data(), &len, reinterpret_cast<const Bytef*>(data.data()),
                     static_cast<uLong>(data.size()), level);
  if (rc != Z_OK) throw ProtocolError(fmt::format("zlib compress error {}", rc));
  out.resize(len);
  return out;
}

std::string zlib_decompress(std::span<const uint8_t> data, size_t max_size) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw ProtocolError("zlib: cannot initialise");
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "data truncated" : "corrupt data");
      inflateEnd(&zs);
      throw ProtocolError(fmt::format("zlib error {} while decompressing: {}", rc, msg));
    }
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (out.size() > max_size) {
      inflateEnd(&zs);
      throw ProtocolError(fmt::format("decompressed data exceeds {} bytes", max_size));
    }
    if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      throw ProtocolError("zlib error while decompressing: data truncated");
    }
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Dictionary

Dictionary::Dictionary() : by_small_id_(kSmallIdMax - kSmallIdMin + 1, nullptr) {
  add_message(kIdentifyResponseId, std::string(kIdentifyResponseFormat), MessageKind::kResponse);
  add_message(kIdentifyId, std::string(kIdentifyFormat), MessageKind::kCommand);
}

Dictionary::Dictionary(Dictionary&&) noexcept = default;
Dictionary& Dictionary::operator=(Dictionary&&) noexcept = default;
Dictionary::~Dictionary() = default;

void Dictionary::add_message(int32_t id, const std::string& format, MessageKind kind) {
  if (const MessageFormat* old = find_by_id(id)) {
    // The dictionary repeats identify/identify_response; anything else is a corrupt dictionary.
    if (old->format() == format && old->kind() == kind) return;
    throw ProtocolError(
        fmt::format("Duplicate message id {} ('{}' and '{}')", id, old->format(), format));
  }
  messages_.push_back(std::make_unique<MessageFormat>(id, format, kind, enums_));
  const MessageFormat* m = messages_.back().get();
  if (id >= kSmallIdMin && id <= kSmallIdMax)
    by_small_id_[id - kSmallIdMin] = m;
  else
    by_id_[id] = m;
  switch (kind) {
    case MessageKind::kCommand:
      commands_by_name_[m->name()] = m;
      break;
    case MessageKind::kResponse:
      responses_by_name_[m->name()] = m;
      break;
    case MessageKind::kOutput:
      outputs_.push_back(m);
      break;
  }
}

void Dictionary::load_json(std::string_view json_text) {
  OrderedJson root;
  try {
    root = OrderedJson::parse(json_text);
  } catch (const std::exception& e) {
    throw ProtocolError(fmt::format("Error during identify: invalid JSON: {}", e.what()));
  }
  try {
    if (!root.is_object()) throw ProtocolError("dictionary is not a JSON object");
    raw_json_ = std::string(json_text);
    if (auto it = root.find("enumerations"); it != root.end()) {
      if (!it->is_object()) throw ProtocolError("'enumerations' is not an object");
      for (const auto& [ename, values] : it->items()) {
        if (!values.is_object())
          throw ProtocolError(fmt::format("enumeration '{}' is not an object", ename));
        Enumeration* e = nullptr;
        for (auto& existing : enums_)
          if (existing->name() == ename) e = existing.get();
        if (!e) {
          enums_.push_back(std::make_unique<Enumeration>(ename));
          e = enums_.back().get();
        }
        for (const auto& [key, value] : values.items()) {
          if (value.is_number_integer()) {
            e->add(key, value.get<int64_t>());
          } else if (value.is_array() && value.size() == 2 && value[0].is_number_integer() &&
                     value[1].is_number_integer()) {
            e->add_range(key, value[0].get<int64_t>(), value[1].get<int64_t>());
          } else {
            throw ProtocolError(fmt::format("bad value for '{}' in enumeration '{}': {}", key,
                                            ename, value.dump()));
          }
        }
      }
    }
    auto add_section = [&](const char* section, MessageKind kind, bool required) {
      auto it = root.find(section);
      if (it == root.end()) {
        if (required) throw ProtocolError(fmt::format("missing '{}'", section));
        return;
      }
      if (!it->is_object()) throw ProtocolError(fmt::format("'{}' is not an object", section));
      for (const auto& [format, id] : it->items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < INT32_MIN ||
            id.get<int64_t>() > INT32_MAX)
          throw ProtocolError(fmt::format("bad id {} for '{}'", id.dump(), format));
        add_message(static_cast<int32_t>(id.get<int64_t>()), format, kind);
      }
    };
    add_section("commands", MessageKind::kCommand, true);
    add_section("responses", MessageKind::kResponse, true);
    add_section("output", MessageKind::kOutput, false);
    if (auto it = root.find("config"); it != root.end()) {
      if (!it->is_object()) throw ProtocolError("'config' is not an object");
      for (const auto& [key, value] : it->items()) constants_[key] = json_constant_text(value);
    }
    version_ = json_string_field(root, "version");
    build_versions_ = json_string_field(root, "build_versions");
    app_ = json_string_field(root, "app");
    license_ = json_string_field(root, "license");
  } catch (const ProtocolError& e) {
    std::string_view what = e.what();
    if (what.starts_with("Error during identify")) throw;
    throw ProtocolError(fmt::format("Error during identify: {}", what));
  } catch (const std::exception& e) {
    throw ProtocolError(fmt::format("Error during identify: {}", e.what()));
  }
}

Dictionary Dictionary::from_json(std::string_view json_text) {
  Dictionary d;
  d.load_json(json_text);
  return d;
}

Dictionary Dictionary::from_compressed(std::span<const uint8_t> zlib_data) {
  std::string text;
  try {
    text = zlib_decompress(zlib_data);
  } catch (const ProtocolError& e) {
    throw ProtocolError(fmt::format("Error during identify: {}", e.what()));
  }
  return from_json(text);
}

Dictionary Dictionary::from_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ProtocolError(fmt::format("Unable to open dictionary file '{}'", path));
  std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // A zlib stream starts with 0x78; JSON starts with '{' (possibly after whitespace).
  if (!data.empty() && static_cast<uint8_t>(data[0]) == 0x78)
    return from_compressed(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
  return from_json(data);
}

const MessageFormat* Dictionary::find_by_id(int32_t id) const {
  if (id >= kSmallIdMin && id <= kSmallIdMax) return by_small_id_[id - kSmallIdMin];
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

const MessageFormat* Dictionary::find_command(std::string_view name) const {
  auto it = commands_by_name_.find(std::string(name));
  return it == commands_by_name_.end() ? nullptr : it->second;
}

const MessageFormat& Dictionary::lookup_command(std::string_view format) const {
  std::string_view name;
  std::string_view trimmed = format;
  while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t'))
    trimmed.remove_prefix(1);
  name = trimmed.substr(0, trimmed.find_first_of(" \t"));
  const MessageFormat* m = find_command(name);
  if (!m) throw ProtocolError(fmt::format("Unknown command: {}", name));
  if (m->format() != format)
    throw ProtocolError(fmt::format("Command format mismatch: {} vs {}", format, m->format()));
  return *m;
}

const MessageFormat* Dictionary::find_response(std::string_view name) const {
  auto it = responses_by_name_.find(std::string(name));
  return it == responses_by_name_.end() ? nullptr : it->second;
}

const Enumeration* Dictionary::find_enumeration(std::string_view name) const {
  for (const auto& e : enums_)
    if (e->name() == name) return e.get();
  return nullptr;
}

int64_t Dictionary::enumeration_value(std::string_view name, std::string_view key) const {
  const Enumeration* e = find_enumeration(name);
  const int64_t* v = e ? e->find_value(key) : nullptr;
  if (!v) throw ProtocolError(fmt::format("Unknown value '{}' in enumeration '{}'", key, name));
  return *v;
}

std::string Dictionary::enumeration_key(std::string_view name, int64_t value) const {
  const Enumeration* e = find_enumeration(name);
  const std::string* k = e ? e->find_key(value) : nullptr;
  return k ? *k : fmt::format("?{}", value);
}

bool Dictionary::has_constant(std::string_view name) const {
  return constants_.find(name) != constants_.end();
}

std::string Dictionary::constant(std::string_view name) const {
  auto it = constants_.find(name);
  if (it == constants_.end())
    throw ProtocolError(fmt::format("Firmware constant '{}' not found", name));
  return it->second;
}

std::string Dictionary::constant(std::string_view name, std::string_view fallback) const {
  auto it = constants_.find(name);
  return it == constants_.end() ? std::string(fallback) : it->second;
}

int64_t Dictionary::constant_int(std::string_view name) const {
  std::string text = constant(name);
  try {
    return parse_int_literal(text);
  } catch (const ProtocolError&) {
    throw ProtocolError(fmt::format("Unable to parse firmware constant {}: {}", name, text));
  }
}

int64_t Dictionary::constant_int(std::string_view name, int64_t fallback) const {
  return has_constant(name) ? constant_int(name) : fallback;
}

double Dictionary::constant_float(std::string_view name) const {
  std::string text = constant(name);
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    throw ProtocolError(fmt::format("Unable to parse firmware constant {}: {}", name, text));
  return v;
}

double Dictionary::constant_float(std::string_view name, double fallback) const {
  return has_constant(name) ? constant_float(name) : fallback;
}

DecodedMessage Dictionary::decode_message(const uint8_t** p, const uint8_t* end) const {
  DecodedMessage msg;
  const uint8_t* start = *p;
  int64_t id;
  if (!decode_vlq_host(p, end, &id)) throw ProtocolError("Truncated message id");
  msg.id = static_cast<int32_t>(id);
  msg.format = (id >= INT32_MIN && id <= INT32_MAX) ? find_by_id(msg.id) : nullptr;
  if (!msg.format) {
    msg.raw.assign(reinterpret_cast<const char*>(start), static_cast<size_t>(end - start));
    *p = end;
    return msg;
  }
  msg.params.reserve(msg.format->params().size());
  msg.format->decode_params(p, end, msg.params);
  return msg;
}

std::vector<DecodedMessage> Dictionary::decode_payload(std::span<const uint8_t> payload) const {
  std::vector<DecodedMessage> out;
  const uint8_t* p = payload.data();
  const uint8_t* end = p + payload.size();
  while (p < end) out.push_back(decode_message(&p, end));
  return out;
}

std::vector<DecodedMessage> Dictionary::decode_block(std::span<const uint8_t> block) const {
  if (block.size() < kpp::proto::kMessageMin) throw ProtocolError("Message block too short");
  auto out = decode_payload(
      block.subspan(kpp::proto::kMessageHeaderSize, block.size() - kpp::proto::kMessageMin));
  if (!out.empty() && !out.back().format)
    out.back().raw.assign(reinterpret_cast<const char*>(block.data()), block.size());
  return out;
}

std::vector<uint8_t> Dictionary::encode_text(std::string_view message) const {
  std::string_view name;
  size_t i = 0;
  while (i < message.size() && (message[i] == ' ' || message[i] == '\t')) i++;
  size_t start = i;
  while (i < message.size() && message[i] != ' ' && message[i] != '\t') i++;
  name = message.substr(start, i - start);
  if (name.empty()) return {};
  const MessageFormat* m = find_command(name);
  if (!m) m = find_response(name);
  if (!m) throw ProtocolError(fmt::format("Unknown command: {}", name));
  std::vector<uint8_t> out;
  m->encode_text_args(out, message.substr(i));
  return out;
}

}  // namespace kpp::mcu
