// Small compiler helpers shared by all firmware code (C++14, freestanding).
#pragma once

#include <stddef.h>
#include <stdint.h>

#define fw_likely(x) __builtin_expect(!!(x), 1)
#define fw_unlikely(x) __builtin_expect(!!(x), 0)
#define FW_NOINLINE __attribute__((noinline))
#define FW_ALWAYS_INLINE inline __attribute__((always_inline))

namespace fw {

template <class T, size_t N>
constexpr size_t array_size(const T (&)[N]) {
  return N;
}

// The object of type `Outer` that holds `*member_ptr` as its member `Member`.
template <class Outer, class Member>
inline Outer* container_of(Member* member_ptr, Member Outer::*member) {
  const size_t offset =
      reinterpret_cast<size_t>(&(reinterpret_cast<Outer*>(static_cast<uintptr_t>(64))->*member)) -
      64;
  return reinterpret_cast<Outer*>(reinterpret_cast<char*>(member_ptr) - offset);
}

inline uint32_t div_round_up(uint32_t n, uint32_t d) {
  return (n + d - 1) / d;
}

}  // namespace fw
