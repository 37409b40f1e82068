// VLQ integer encoding of Klipper's wire protocol (Protocol.md), shared by host and firmware.
//
// C++14, freestanding: no heap, no exceptions, only <stdint.h>. Avr-g++ 5.4 compiles this file.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace kpp {
namespace proto {

// Largest encoded size of one 32-bit integer.
constexpr size_t kVlqMaxBytes = 5;

// Number of bytes `v` takes once encoded. The ranges are asymmetric because the
// top two bits of the first 7-bit group tell whether the value is negative.
inline size_t vlq_size(int32_t v) {
  // int32_t constants: `int` is 16 bits wide on AVR.
  if (v < (int32_t{3} << 5) && v >= -(int32_t{1} << 5)) return 1;
  if (v < (int32_t{3} << 12) && v >= -(int32_t{1} << 12)) return 2;
  if (v < (int32_t{3} << 19) && v >= -(int32_t{1} << 19)) return 3;
  if (v < (int32_t{3} << 26) && v >= -(int32_t{1} << 26)) return 4;
  return 5;
}

// Encode `v` (an unsigned value is passed through its two's complement bit pattern)
// into `out`, which must hold kVlqMaxBytes. Returns the number of bytes written.
inline size_t vlq_encode(uint8_t* out, int32_t v) {
  size_t n = vlq_size(v);
  uint32_t u = static_cast<uint32_t>(v);
  for (size_t i = 0; i + 1 < n; i++)
    out[i] = static_cast<uint8_t>(((u >> (7 * (n - 1 - i))) & 0x7f) | 0x80);
  out[n - 1] = static_cast<uint8_t>(u & 0x7f);
  return n;
}

// Decode one integer from [*pp, end). On success stores the value (as a 32-bit pattern),
// advances *pp and returns true; returns false if the data ends inside the integer or the
// integer is longer than five bytes.
inline bool vlq_decode(const uint8_t** pp, const uint8_t* end, uint32_t* value) {
  const uint8_t* p = *pp;
  if (p >= end) return false;
  uint8_t c = *p++;
  uint32_t v = c & 0x7f;
  if ((c & 0x60) == 0x60) v |= ~static_cast<uint32_t>(0x1f);  // negative: sign-extend
  size_t n = 1;
  while (c & 0x80) {
    if (p >= end || ++n > kVlqMaxBytes) return false;
    c = *p++;
    v = (v << 7) | (c & 0x7f);
  }
  *pp = p;
  *value = v;
  return true;
}

}  // namespace proto
}  // namespace kpp
