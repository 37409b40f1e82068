// Assembling the compressed data dictionary from identify_response chunks.
#include "mcu/identify.h"

#include <fmt/format.h>

namespace kpp::mcu {

std::vector<uint8_t> IdentifyDownloader::next_request(const Dictionary& defaults) const {
  const MessageFormat* m = defaults.find_command("identify");
  if (!m) throw ProtocolError("Dictionary has no identify command");
  std::vector<uint8_t> out(m->max_size());
  out.resize(m->encode(out.data(), next_offset(), chunk_));
  return out;
}

bool IdentifyDownloader::add_response(uint32_t offset, std::span<const uint8_t> data) {
  if (done_ || offset != data_.size()) return done_;
  if (data.empty()) {
    done_ = true;
    return true;
  }
  if (data_.size() + data.size() > kMaxSize)
    throw ProtocolError(
        fmt::format("Error during identify: data dictionary exceeds {} bytes", kMaxSize));
  data_.insert(data_.end(), data.begin(), data.end());
  return false;
}

bool IdentifyDownloader::add_response(const DecodedMessage& msg) {
  if (!msg.format || msg.format->name() != "identify_response")
    throw ProtocolError(fmt::format("Expected identify_response, got {}", msg.name()));
  const std::string& d = msg.get("data").s;
  return add_response(
      static_cast<uint32_t>(msg.get_int("offset")),
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(d.data()), d.size()));
}

Dictionary IdentifyDownloader::finish() const {
  if (!done_)
    throw ProtocolError(fmt::format(
        "Error during identify: data dictionary incomplete ({} bytes so far)", data_.size()));
  return Dictionary::from_compressed(data_);
}

}  // namespace kpp::mcu
