// Host-side message blocks: pack encoded messages into blocks of at most 64 bytes (as the serial
// queue and batch output do) and cut a received byte stream back into blocks, resynchronising
// after garbage. Framing itself is protocol/msgblock.h, shared with the firmware.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "mcu/queued_message.h"
#include "protocol/msgblock.h"
#include "protocol/vlq.h"

namespace kpp::mcu {

// Encodes a QueuedMessage (id + uint32 words) the way Klipper's serial queue does: every word
// as the VLQ of its int32 reading. `out` holds QueuedMessage::kMaxWords * 5 bytes.
size_t encode_queued(const QueuedMessage& msg, uint8_t* out);
inline constexpr size_t kQueuedMaxBytes = QueuedMessage::kMaxWords * proto::kVlqMaxBytes;

// Packs messages into blocks: a message goes into the open block if the block stays within
// 64 bytes, else the open block is closed first. Sequence numbers count up from `first_seq`.
class BlockPacker {
 public:
  explicit BlockPacker(uint8_t first_seq = 0) : seq_(first_seq) {}

  // Appends one encoded message (id + params). Throws ProtocolError if it can never fit a block.
  void add(std::span<const uint8_t> message);
  void add(const QueuedMessage& msg);
  // Closes the open block, if any.
  void flush();
  // Bytes of the closed blocks so far.
  const std::vector<uint8_t>& output() const { return out_; }
  // Moves the closed blocks out (the packer keeps counting sequence numbers).
  std::vector<uint8_t> take();
  size_t pending_payload() const { return len_; }
  uint8_t next_seq() const { return seq_ & proto::kMessageSeqMask; }
  size_t blocks() const { return blocks_; }

 private:
  uint8_t payload_[proto::kMessagePayloadMax];
  size_t len_ = 0;
  uint8_t seq_;
  size_t blocks_ = 0;
  std::vector<uint8_t> out_;
};

// Convenience: every message in its own sequence of packed blocks.
std::vector<uint8_t> pack_blocks(std::span<const std::vector<uint8_t>> messages,
                                 uint8_t first_seq = 0);

// Cuts a byte stream into valid blocks. Bytes that do not form a valid block (bad length, bad
// sequence byte, bad CRC, missing sync) are dropped up to the next sync byte and counted.
class BlockReader {
 public:
  using Handler = std::function<void(std::span<const uint8_t> block)>;

  // Appends `data` and calls `on_block` with each whole valid block (header..sync).
  void feed(std::span<const uint8_t> data, const Handler& on_block);
  // Bytes held back because a block may still be arriving.
  size_t pending() const { return buf_.size() - pos_; }
  size_t discarded() const { return discarded_; }
  size_t blocks() const { return blocks_; }

 private:
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;
  size_t discarded_ = 0;
  size_t blocks_ = 0;
};

// The payload of a whole block.
inline std::span<const uint8_t> block_payload(std::span<const uint8_t> block) {
  return block.subspan(proto::kMessageHeaderSize, block.size() - proto::kMessageMin);
}

}  // namespace kpp::mcu
