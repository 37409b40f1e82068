// Message-block framing of Klipper's wire protocol, shared by host and firmware.
//
// A block is: length byte (whole block), sequence byte (0x10 | seq), payload (message ids and
// VLQ parameters), CRC16 (big-endian, over length+sequence+payload) and the sync byte 0x7e.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "crc16.h"

namespace kpp {
namespace proto {

constexpr uint8_t kMessageSync = 0x7e;
constexpr uint8_t kMessageDest = 0x10;
constexpr uint8_t kMessageSeqMask = 0x0f;
constexpr size_t kMessageHeaderSize = 2;
constexpr size_t kMessageTrailerSize = 3;
constexpr size_t kMessageMin = kMessageHeaderSize + kMessageTrailerSize;
constexpr size_t kMessageMax = 64;
constexpr size_t kMessagePayloadMax = kMessageMax - kMessageMin;

// Write a whole block around `payload` into `out` (at least len+kMessageMin bytes).
// Returns the block length, or 0 when the payload does not fit in one block.
inline size_t block_encode(uint8_t* out, uint8_t seq, const uint8_t* payload, size_t len) {
  if (len > kMessagePayloadMax) return 0;
  size_t total = len + kMessageMin;
  out[0] = static_cast<uint8_t>(total);
  out[1] = static_cast<uint8_t>(kMessageDest | (seq & kMessageSeqMask));
  for (size_t i = 0; i < len; i++) out[kMessageHeaderSize + i] = payload[i];
  uint16_t crc = crc16_ccitt(out, total - kMessageTrailerSize);
  out[total - 3] = static_cast<uint8_t>(crc >> 8);
  out[total - 2] = static_cast<uint8_t>(crc & 0xff);
  out[total - 1] = kMessageSync;
  return total;
}

// Outcome of looking for a block at the start of a receive buffer.
enum class BlockStatus : uint8_t {
  kNeedMore,  // a valid block may start here but has not fully arrived
  kOk,        // a whole valid block of `length` bytes starts here
  kDiscard,   // `length` bytes are garbage (bad length, bad CRC, misplaced sync): drop them
};

struct BlockCheck {
  BlockStatus status;
  size_t length;
};

// Examine the start of `buf`. Garbage is skipped up to and including the next sync byte, which
// is how a receiver resynchronises after corruption.
inline BlockCheck block_check(const uint8_t* buf, size_t len) {
  if (len < 1) return BlockCheck{BlockStatus::kNeedMore, 0};
  size_t msglen = buf[0];
  if (msglen < kMessageMin || msglen > kMessageMax) goto error;
  if (len < 2) return BlockCheck{BlockStatus::kNeedMore, 0};
  if ((buf[1] & ~kMessageSeqMask) != kMessageDest) goto error;
  if (len < msglen) return BlockCheck{BlockStatus::kNeedMore, 0};
  if (buf[msglen - 1] != kMessageSync) goto error;
  {
    uint16_t crc = crc16_ccitt(buf, msglen - kMessageTrailerSize);
    if (buf[msglen - 3] != (crc >> 8) || buf[msglen - 2] != (crc & 0xff)) goto error;
  }
  return BlockCheck{BlockStatus::kOk, msglen};
error:
  // Drop everything up to and including the next sync byte (or all of it if there is none).
  for (size_t i = 0; i < len; i++)
    if (buf[i] == kMessageSync) return BlockCheck{BlockStatus::kDiscard, i + 1};
  return BlockCheck{BlockStatus::kDiscard, len};
}

inline uint8_t block_seq(const uint8_t* block) { return block[1] & kMessageSeqMask; }

}  // namespace proto
}  // namespace kpp
