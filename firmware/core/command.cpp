// Message blocks in and out: sequence/ack/nak handling, command parsing and dispatch, response
// encoding. Shared wire constants, VLQ and CRC come from protocol/.
#include "core/command.h"

#include "core/board.h"
#include "core/sched.h"
#include "protocol/crc16.h"
#include "protocol/msgblock.h"
#include "protocol/vlq.h"

namespace fw {

namespace proto = kpp::proto;

namespace {

constexpr uint8_t kSync = proto::kMessageSync;
constexpr uint8_t kDest = proto::kMessageDest;
constexpr uint8_t kSeqMask = proto::kMessageSeqMask;
constexpr uint_fast8_t kMin = proto::kMessageMin;
constexpr uint_fast8_t kMax = proto::kMessageMax;
constexpr uint_fast8_t kHeader = proto::kMessageHeaderSize;
constexpr uint_fast8_t kTrailer = proto::kMessageTrailerSize;

constexpr uint16_t kAckMsgId = 0xffff;  // an empty block: ack or nak

uint8_t g_next_sequence = kDest;

enum : uint8_t { CF_NEED_SYNC = 1 << 0, CF_NEED_VALID = 1 << 1 };
uint8_t g_sync_state;

const uint8_t* g_block_base;  // block being dispatched (for buffer parameters)
volatile uint8_t g_in_sendf;

FW_ALWAYS_INLINE uint8_t* encode_vlq(uint8_t* p, uint32_t v) {
  return p + proto::vlq_encode(p, static_cast<int32_t>(v));
}

uint16_t block_crc(const uint8_t* buf, uint_fast8_t len) {
  return proto::crc16_ccitt(buf, len);
}

}  // namespace

const uint8_t* command_decode_ptr(uint32_t v) {
  return g_block_base + v;
}

void command_reset_link() {
  g_next_sequence = kDest;
  g_sync_state = 0;
}

uint16_t static_string_id(uint32_t hash) {
  for (uint16_t i = 0; i < kStaticStringCount; i++) {
    if (pgm_read(&kStaticStrings[i].hash) == hash) return pgm_read(&kStaticStrings[i].id);
  }
  return 0xffff;
}

// ---- responses ----

void send_encoded(uint16_t msgid, const SendArg* args, uint_fast8_t count) {
  if (g_in_sendf) return;  // an interrupt handler interrupted a sendf: drop its message
  g_in_sendf = 1;
  uint_fast16_t max_size = kMin + 2;
  for (uint_fast8_t i = 0; i < count; i++)
    max_size += args[i].kind == SendArg::kInt ? proto::kVlqMaxBytes : 1 + args[i].value;
  if (max_size > kMax) max_size = kMax;
  uint8_t* buf = console_tx_reserve(static_cast<uint_fast8_t>(max_size));
  if (buf) {
    uint8_t* p = buf + kHeader;
    uint8_t* maxend = buf + kMax - kTrailer;
    if (msgid != kAckMsgId) {
      if (msgid >= 0x80) *p++ = static_cast<uint8_t>((msgid >> 7) | 0x80);
      *p++ = static_cast<uint8_t>(msgid & 0x7f);
    }
    for (uint_fast8_t i = 0; i < count; i++) {
      const SendArg& a = args[i];
      if (a.kind == SendArg::kInt) {
        if (maxend - p < static_cast<ptrdiff_t>(proto::kVlqMaxBytes)) break;
        p = encode_vlq(p, a.value);
        continue;
      }
      uint_fast8_t len = static_cast<uint_fast8_t>(a.value);
      if (maxend - p < 1) break;
      if (static_cast<ptrdiff_t>(len) > maxend - p - 1)
        len = static_cast<uint_fast8_t>(maxend - p - 1);
      *p++ = static_cast<uint8_t>(len);
      if (a.kind == SendArg::kPgmBuf)
        memcpy_pgm(p, a.data, len);
      else
        for (uint_fast8_t j = 0; j < len; j++) p[j] = a.data[j];
      p += len;
    }
    uint_fast8_t msglen = static_cast<uint_fast8_t>(p - buf + kTrailer);
    buf[0] = static_cast<uint8_t>(msglen);
    buf[1] = g_next_sequence;
    uint16_t crc = block_crc(buf, msglen - kTrailer);
    buf[msglen - 3] = static_cast<uint8_t>(crc >> 8);
    buf[msglen - 2] = static_cast<uint8_t>(crc);
    buf[msglen - 1] = kSync;
    console_tx_commit(msglen);
  }
  g_in_sendf = 0;
}

FW_SHUTDOWN(sendf_shutdown);
void sendf_shutdown() {
  g_in_sendf = 0;
}

void command_send_ack() {
  send_encoded(kAckMsgId, nullptr, 0);
}

// ---- receiving ----

int_fast8_t command_find_block(const uint8_t* buf, uint_fast8_t buf_len, uint_fast8_t* pop_count) {
  if (buf_len && (g_sync_state & CF_NEED_SYNC)) goto need_sync;
  if (buf_len < kMin) goto need_more;
  {
    uint_fast8_t msglen = buf[0];
    if (msglen < kMin || msglen > kMax) goto error;
    uint_fast8_t msgseq = buf[1];
    if ((msgseq & ~kSeqMask) != kDest) goto error;
    if (buf_len < msglen) goto need_more;
    if (buf[msglen - 1] != kSync) goto error;
    uint16_t msgcrc = static_cast<uint16_t>(buf[msglen - 3] << 8 | buf[msglen - 2]);
    if (block_crc(buf, msglen - kTrailer) != msgcrc) goto error;
    g_sync_state &= ~CF_NEED_VALID;
    *pop_count = msglen;
    if (msgseq != g_next_sequence) goto nak;  // lost block: drop until it is retransmitted
    g_next_sequence = static_cast<uint8_t>(((msgseq + 1) & kSeqMask) | kDest);
    return 1;
  }
need_more:
  *pop_count = 0;
  return 0;
error:
  if (buf[0] == kSync) {
    // Stray sync bytes between blocks are ignored silently.
    *pop_count = 1;
    return -1;
  }
  g_sync_state |= CF_NEED_SYNC;
need_sync : {
  uint_fast8_t i = 0;
  while (i < buf_len && buf[i] != kSync) i++;
  if (i < buf_len) {
    g_sync_state &= ~CF_NEED_SYNC;
    *pop_count = static_cast<uint_fast8_t>(i + 1);
  } else {
    *pop_count = buf_len;
  }
  // Nak only once per stretch of garbage.
  if (g_sync_state & CF_NEED_VALID) return -1;
  g_sync_state |= CF_NEED_VALID;
}
nak:
  command_send_ack();
  return -1;
}

void command_dispatch(const uint8_t* buf, uint_fast8_t msglen) {
  const uint8_t* p = buf + kHeader;
  const uint8_t* msgend = buf + msglen - kTrailer;
  g_block_base = buf;
  while (p < msgend) {
    uint_fast16_t cmdid = *p++;
    if (cmdid & 0x80) {
      if (p >= msgend) fw_shutdown("Command parser error");
      cmdid = static_cast<uint_fast16_t>(((cmdid & 0x7f) << 7) | (*p++ & 0x7f));
    }
    if (!cmdid || cmdid >= kCommandTableSize) fw_shutdown("Invalid command");
    const CommandEntry* ce = &kCommandTable[cmdid];
    void (*func)(uint32_t*) = pgm_read(&ce->func);
    if (!func) fw_shutdown("Invalid command");
    uint_fast8_t num_params = pgm_read(&ce->num_params);
    uint_fast16_t buffer_mask = pgm_read(&ce->buffer_mask);
    uint32_t args[kMaxCommandArgs];
    uint32_t* a = args;
    for (uint_fast8_t i = 0; i < num_params; i++, buffer_mask >>= 1) {
      if (buffer_mask & 1) {
        if (p >= msgend) fw_shutdown("Command parser error");
        uint_fast8_t len = *p++;
        if (static_cast<ptrdiff_t>(len) > msgend - p) fw_shutdown("Command parser error");
        *a++ = len;
        *a++ = static_cast<uint32_t>(p - buf);
        p += len;
      } else if (!proto::vlq_decode(&p, msgend, a++)) {
        fw_shutdown("Command parser error");
      }
    }
    if (sched_is_shutdown() && !(pgm_read(&ce->flags) & kCmdInShutdown)) {
      sched_report_shutdown();
      continue;
    }
    irq_poll();
    func(args);
  }
}

int_fast8_t command_find_and_dispatch(const uint8_t* buf, uint_fast8_t buf_len,
                                      uint_fast8_t* pop_count) {
  int_fast8_t ret = command_find_block(buf, buf_len, pop_count);
  if (ret > 0) {
    command_dispatch(buf, *pop_count);
    command_send_ack();
  }
  return ret;
}

}  // namespace fw
