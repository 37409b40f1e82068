// CRC16-CCITT as used by Klipper's message blocks (Protocol.md), shared by host and firmware.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kpp {
namespace proto {

// Byte-wise CRC16-CCITT (polynomial 0x1021, reflected form, initial value 0xffff) without
// a lookup table: small enough for the AVR build, fast enough for the host.
inline uint16_t crc16_ccitt(const uint8_t* buf, size_t len) {
  uint16_t crc = 0xffff;
  while (len--) {
    uint8_t data = *buf++;
    data ^= crc & 0xff;
    data ^= data << 4;
    crc = static_cast<uint16_t>((static_cast<uint16_t>(data) << 8 | crc >> 8) ^ (data >> 4) ^
                                (static_cast<uint16_t>(data) << 3));
  }
  return crc;
}

}  // namespace proto
}  // namespace kpp
