// libFuzzer target: arbitrary bytes as a data dictionary, both as JSON text and as the zlib
// data assembled from identify responses. Only ProtocolError may come out.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcu/dictionary.h"
#include "mcu/identify.h"

using namespace kpp::mcu;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Dictionary d = Dictionary::from_json(text);
    // Use what was loaded: every message encodes its text form back.
    for (const auto& m : d.messages()) {
      std::vector<uint8_t> payload(m->id_bytes().begin(), m->id_bytes().end());
      for (const auto& p : m->params()) {
        if (is_int_type(p.type)) payload.push_back(0x05);
        else payload.insert(payload.end(), {0x01, 0x41});
      }
      try {
        for (const auto& msg : d.decode_payload(payload)) (void)msg.text();
      } catch (const ProtocolError&) {
      }
    }
    (void)d.constant_int("CLOCK_FREQ", 0);
  } catch (const ProtocolError&) {
  }
  try {
    IdentifyDownloader dl;
    dl.add_response(0, std::span<const uint8_t>(data, size));
    dl.add_response(static_cast<uint32_t>(size), {});
    (void)dl.finish();
  } catch (const ProtocolError&) {
  }
  return 0;
}
