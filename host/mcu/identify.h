// Download of the data dictionary: the host asks "identify offset=N count=C" until the MCU
// answers an empty chunk, then inflates and parses the assembled zlib data. The transport (who
// sends the request and waits for the answer) is not this class's business.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "mcu/dictionary.h"

namespace kpp::mcu {

class IdentifyDownloader {
 public:
  // Klipper asks for 40 bytes at a time; the answer fits one message block.
  static constexpr uint32_t kDefaultChunk = 40;
  // A dictionary larger than this is treated as corrupt.
  static constexpr size_t kMaxSize = 1 << 20;

  explicit IdentifyDownloader(uint32_t chunk = kDefaultChunk) : chunk_(chunk) {}

  // Parameters of the next request: offset and count.
  uint32_t next_offset() const { return static_cast<uint32_t>(data_.size()); }
  uint32_t chunk_size() const { return chunk_; }
  // Encodes the next "identify" command (message bytes, ready for a block).
  std::vector<uint8_t> next_request(const Dictionary& defaults) const;

  // Feeds one identify_response. A chunk for another offset (a stale or repeated answer) is
  // ignored. Returns true once the download is complete (an empty chunk at the current offset).
  bool add_response(uint32_t offset, std::span<const uint8_t> data);
  // The same from a decoded identify_response message.
  bool add_response(const DecodedMessage& msg);
  bool done() const { return done_; }
  const std::vector<uint8_t>& data() const { return data_; }

  // Inflates and parses the assembled data. Throws ProtocolError if incomplete or corrupt.
  Dictionary finish() const;

 private:
  uint32_t chunk_;
  std::vector<uint8_t> data_;
  bool done_ = false;
};

}  // namespace kpp::mcu
