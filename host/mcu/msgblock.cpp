// Packing messages into blocks and reading blocks back from a stream.
#include "mcu/msgblock.h"

#include <fmt/format.h>

#include <cstring>

#include "mcu/msgproto.h"
#include "protocol/vlq.h"

namespace kpp::mcu {

size_t encode_queued(const QueuedMessage& msg, uint8_t* out) {
  uint8_t* p = out;
  for (size_t i = 0; i < msg.len; i++) p += proto::vlq_encode(p, static_cast<int32_t>(msg.data[i]));
  return static_cast<size_t>(p - out);
}

void BlockPacker::add(std::span<const uint8_t> message) {
  if (message.size() > proto::kMessagePayloadMax)
    throw ProtocolError(
        fmt::format("Message of {} bytes does not fit a message block", message.size()));
  if (len_ + message.size() > proto::kMessagePayloadMax) flush();
  std::memcpy(payload_ + len_, message.data(), message.size());
  len_ += message.size();
}

void BlockPacker::add(const QueuedMessage& msg) {
  uint8_t buf[kQueuedMaxBytes];
  size_t n = encode_queued(msg, buf);
  add(std::span<const uint8_t>(buf, n));
}

void BlockPacker::flush() {
  if (!len_) return;
  size_t at = out_.size();
  out_.resize(at + len_ + proto::kMessageMin);
  proto::block_encode(out_.data() + at, seq_, payload_, len_);
  seq_ = static_cast<uint8_t>((seq_ + 1) & proto::kMessageSeqMask);
  len_ = 0;
  blocks_++;
}

std::vector<uint8_t> BlockPacker::take() {
  std::vector<uint8_t> out;
  out.swap(out_);
  return out;
}

std::vector<uint8_t> pack_blocks(std::span<const std::vector<uint8_t>> messages,
                                 uint8_t first_seq) {
  BlockPacker packer(first_seq);
  for (const auto& m : messages) packer.add(m);
  packer.flush();
  return packer.take();
}

void BlockReader::feed(std::span<const uint8_t> data, const Handler& on_block) {
  // Compact before growing so the buffer stays the size of one partial block.
  if (pos_ > 0) {
    buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  buf_.insert(buf_.end(), data.begin(), data.end());
  while (pos_ < buf_.size()) {
    proto::BlockCheck chk = proto::block_check(buf_.data() + pos_, buf_.size() - pos_);
    if (chk.status == proto::BlockStatus::kNeedMore) break;
    if (chk.status == proto::BlockStatus::kDiscard) {
      discarded_ += chk.length;
      pos_ += chk.length;
      continue;
    }
    blocks_++;
    std::span<const uint8_t> block(buf_.data() + pos_, chk.length);
    pos_ += chk.length;
    on_block(block);
  }
}

}  // namespace kpp::mcu
