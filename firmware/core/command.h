// The wire protocol on the MCU side: finding message blocks in the receive buffer, checking
// sequence numbers, dispatching commands, and encoding responses (Protocol.md).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/compiler.h"
#include "core/decl.h"

namespace fw {

// Most args[] slots a command may use (fwgen.py checks every format against it).
constexpr uint8_t kMaxCommandArgs = 16;

// One entry of the generated command table, indexed by the command's wire id.
struct CommandEntry {
  void (*func)(uint32_t* args);
  uint16_t buffer_mask;  // bit i set: parameter i is a buffer (%*s)
  uint8_t num_params;
  uint8_t num_args;  // args[] slots: one per integer, two per buffer
  uint8_t flags;     // kCmdInShutdown
};

// Generated tables (fwgen.py).
extern const CommandEntry kCommandTable[];
extern const uint16_t kCommandTableSize;
extern const uint8_t kIdentifyData[];
extern const uint32_t kIdentifySize;
struct StaticStringEntry {
  uint32_t hash;
  uint16_t id;
};
extern const StaticStringEntry kStaticStrings[];
extern const uint16_t kStaticStringCount;
// Map a static string hash to its static_string_id (0xffff if unknown).
uint16_t static_string_id(uint32_t hash);

// Find a block at the start of buf. Returns 1 for a valid in-sequence block (pop_count = its
// length), 0 when more data is needed, -1 when pop_count bytes should be discarded (a nak has
// then been sent where the protocol calls for one).
int_fast8_t command_find_block(const uint8_t* buf, uint_fast8_t buf_len, uint_fast8_t* pop_count);
// Run every command of a valid block.
void command_dispatch(const uint8_t* buf, uint_fast8_t msglen);
void command_send_ack();
// Both of the above plus the ack: what a console task calls on its receive buffer.
int_fast8_t command_find_and_dispatch(const uint8_t* buf, uint_fast8_t buf_len,
                                      uint_fast8_t* pop_count);
// The address of a buffer parameter (args[i+1] of a %*s parameter).
const uint8_t* command_decode_ptr(uint32_t v);
// Back to the initial protocol state (host boards re-opening their link).
void command_reset_link();

// ---- responses ----

// One argument of a response: an integer (any integral type, sign handled by its type) or a
// buffer in RAM (Bytes) or in flash (ProgmemBytes).
struct Bytes {
  const uint8_t* data;
  uint8_t len;
};
struct ProgmemBytes {
  const uint8_t* data;
  uint8_t len;
};

struct SendArg {
  enum Kind : uint8_t { kInt, kBuf, kPgmBuf };
  uint32_t value;
  const uint8_t* data;
  Kind kind;
  // Integers: one constructor per fundamental type (the fixed-width typedefs map onto different
  // ones on each target); signed values are sign-extended to 32 bits.
  SendArg(bool v) : value(v), data(nullptr), kind(kInt) {}
  SendArg(signed char v) : value(sext(v)), data(nullptr), kind(kInt) {}
  SendArg(unsigned char v) : value(v), data(nullptr), kind(kInt) {}
  SendArg(short v) : value(sext(v)), data(nullptr), kind(kInt) {}
  SendArg(unsigned short v) : value(v), data(nullptr), kind(kInt) {}
  SendArg(int v) : value(sext(v)), data(nullptr), kind(kInt) {}
  SendArg(unsigned int v) : value(v), data(nullptr), kind(kInt) {}
  SendArg(long v) : value(sext(v)), data(nullptr), kind(kInt) {}
  SendArg(unsigned long v) : value(static_cast<uint32_t>(v)), data(nullptr), kind(kInt) {}
  SendArg(long long v) : value(static_cast<uint32_t>(v)), data(nullptr), kind(kInt) {}
  SendArg(unsigned long long v) : value(static_cast<uint32_t>(v)), data(nullptr), kind(kInt) {}
  SendArg(Bytes b) : value(b.len), data(b.data), kind(kBuf) {}
  SendArg(ProgmemBytes b) : value(b.len), data(b.data), kind(kPgmBuf) {}

 private:
  template <class T>
  static uint32_t sext(T v) {
    return static_cast<uint32_t>(static_cast<int32_t>(v));
  }
};

void send_encoded(uint16_t msgid, const SendArg* args, uint_fast8_t count);

template <uint8_t N, class... Args>
inline void send_response(uint16_t msgid, Args... args) {
  static_assert(sizeof...(Args) == N, "argument count does not match the response format");
  const SendArg list[sizeof...(Args) + 1] = {SendArg(args)..., SendArg(0)};
  send_encoded(msgid, list, sizeof...(Args));
}

}  // namespace fw
