// libFuzzer target: arbitrary bytes as an MCU byte stream (block framing, resync, message
// decode, parsedump text) and as a bare block payload. Every message that decodes must encode
// back to a message that decodes to the same values (32-bit readings).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "mcu/dictionary.h"
#include "mcu/msgblock.h"

using namespace kpp::mcu;

namespace {

std::vector<Dictionary>* g_dicts;

// Used when the golden dictionaries are not there: every type code, an enumeration, an output
// string and multi-byte and negative ids.
constexpr const char* kBuiltinDict = R"({
  "commands": {"all c=%c hu=%hu hi=%hi u=%u i=%i s=%s p=%.*s b=%*s": 2,
               "config_x oid=%c pin=%u": 130, "neg v=%i": -7},
  "responses": {"resp oid=%c data=%*s": 3, "shutdown clock=%u static_string_id=%hu": -20},
  "output": {"out %u %%: %*s": 4},
  "enumerations": {"pin": {"PA0": [0, 16], "analog": 300},
                   "static_string_id": {"Timer too close": 5}}
})";

void check_roundtrip(const DecodedMessage& m) {
  if (!m.format) return;
  std::vector<uint8_t> again;
  try {
    m.format->encode_values(again, m.params);
  } catch (const ProtocolError&) {
    return;  // e.g. a 5-byte VLQ whose value has no 32-bit reading
  }
  const uint8_t* p = again.data();
  int64_t id;
  if (!decode_vlq_host(&p, again.data() + again.size(), &id) || id != m.format->id())
    __builtin_trap();
  std::vector<ParamValue> back;
  m.format->decode_params(&p, again.data() + again.size(), back);
  if (p != again.data() + again.size() || back.size() != m.params.size()) __builtin_trap();
  for (size_t i = 0; i < back.size(); i++) {
    if (back[i].is_bytes != m.params[i].is_bytes || back[i].s != m.params[i].s) __builtin_trap();
    if ((back[i].i & 0xffffffff) != (m.params[i].i & 0xffffffff)) __builtin_trap();
  }
}

void decode_all(const Dictionary& d, std::span<const uint8_t> block, bool whole_block) {
  try {
    auto msgs = whole_block ? d.decode_block(block) : d.decode_payload(block);
    for (const auto& m : msgs) {
      volatile size_t n = m.text().size();
      (void)n;
      check_roundtrip(m);
    }
  } catch (const ProtocolError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_dicts = new std::vector<Dictionary>;
  g_dicts->push_back(Dictionary::from_json(kBuiltinDict));
  std::filesystem::path dir = std::filesystem::path(KPP_SHARED_DIR) / "golden/klipper/dict";
  for (const char* name : {"atmega2560.dict", "linuxprocess.dict"})
    if (std::filesystem::exists(dir / name))
      g_dicts->push_back(Dictionary::from_file((dir / name).string()));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  for (const auto& d : *g_dicts) {
    // As a stream, fed in pieces whose size comes from the first byte.
    size_t piece = size ? 1 + data[0] % 64 : 1;
    BlockReader reader;
    for (size_t off = 0; off < size; off += piece)
      reader.feed(in.subspan(off, std::min(piece, size - off)),
                  [&](std::span<const uint8_t> block) { decode_all(d, block, true); });
    // As a bare payload.
    decode_all(d, in, false);
  }
  return 0;
}
