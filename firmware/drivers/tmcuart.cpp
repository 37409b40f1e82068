// The single-wire UART of TMC stepper drivers (config_tmcuart, tmcuart_send, tmcuart_response),
// bit-banged from timers. The host hands over the raw line bits (start and stop bits included,
// least significant bit first) and gets back the raw bits it asked for, sampled from the first
// start bit of the reply, so all framing is the host's business. rx_pin == tx_pin means one
// wire: the pin is an output while sending and an input while listening.
#include <string.h>

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

enum : uint8_t {
  TU_ACTIVE = 1 << 0,
  TU_REPORT = 1 << 1,
  TU_PULLUP = 1 << 2,
  TU_SINGLE_WIRE = 1 << 3,
  TU_SEEN_IDLE = 1 << 4,  // the reply line was seen high (idle) before the start bit
};

// How long to wait for the reply's start bit, in bit times.
constexpr uint16_t kReplyTimeoutBits = 64;
constexpr uint8_t kSyncSamplesPerBit = 4;

struct TmcUart {
  Timer timer;
  GpioOut tx;
  GpioIn rx;
  uint32_t bit_time;
  uint16_t pos, count;  // bit position, bits to send or receive
  uint8_t flags, read_len;
  uint8_t data[10];
};

TaskWake g_tmcuart_wake;

void line_idle(TmcUart* t) {
  if (t->flags & TU_SINGLE_WIRE)
    gpio_out_reset(t->tx, 1);
  else
    gpio_out_write(t->tx, 1);
}

uint_fast8_t finish(TmcUart* t) {
  line_idle(t);
  t->flags = static_cast<uint8_t>((t->flags & (TU_PULLUP | TU_SINGLE_WIRE)) | TU_REPORT);
  sched_wake_task(&g_tmcuart_wake);
  return SF_DONE;
}

uint_fast8_t read_event(Timer* timer) {
  TmcUart* t = reinterpret_cast<TmcUart*>(timer);
  uint8_t mask = static_cast<uint8_t>(1 << (t->pos & 7));
  if (gpio_in_read(t->rx))
    t->data[t->pos >> 3] |= mask;
  else
    t->data[t->pos >> 3] &= static_cast<uint8_t>(~mask);
  if (++t->pos >= t->count) return finish(t);
  t->timer.waketime += t->bit_time;
  return SF_RESCHEDULE;
}

// Look for the falling edge of the reply's start bit, a few times per bit; once seen, the start
// bit is recorded and the rest is sampled in the middle of each bit.
uint_fast8_t sync_event(Timer* timer) {
  TmcUart* t = reinterpret_cast<TmcUart*>(timer);
  uint32_t step = t->bit_time / kSyncSamplesPerBit;
  if (gpio_in_read(t->rx)) {
    t->flags |= TU_SEEN_IDLE;
  } else if (t->flags & TU_SEEN_IDLE) {
    // The edge was less than `step` ago: the middle of the next bit is about 1.5 bits on.
    t->data[0] &= static_cast<uint8_t>(~1);
    t->pos = 1;
    t->timer.func = read_event;
    t->timer.waketime += t->bit_time + t->bit_time / 2 - step / 2;
    return SF_RESCHEDULE;
  }
  if (++t->pos >= kReplyTimeoutBits * kSyncSamplesPerBit) {
    t->count = 0;  // no reply: report nothing read
    return finish(t);
  }
  t->timer.waketime += step;
  return SF_RESCHEDULE;
}

uint_fast8_t send_event(Timer* timer) {
  TmcUart* t = reinterpret_cast<TmcUart*>(timer);
  if (t->pos < t->count) {
    gpio_out_write(t->tx, (t->data[t->pos >> 3] >> (t->pos & 7)) & 1);
    t->pos++;
    t->timer.waketime += t->bit_time;
    return SF_RESCHEDULE;
  }
  // The last bit has been on the line for a full bit time.
  if (!t->read_len) {
    t->count = 0;  // nothing to read back
    return finish(t);
  }
  if (t->flags & TU_SINGLE_WIRE) gpio_in_reset(t->rx, (t->flags & TU_PULLUP) ? 1 : 0);
  memset(t->data, 0, sizeof(t->data));
  t->pos = 0;
  t->count = static_cast<uint16_t>(t->read_len * 8);
  t->flags = static_cast<uint8_t>(t->flags & ~TU_SEEN_IDLE);
  t->timer.func = sync_event;
  t->timer.waketime += t->bit_time;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_tmcuart,
           "config_tmcuart oid=%c rx_pin=%u pull_up=%c tx_pin=%u bit_time=%u");
void command_config_tmcuart(uint32_t* args) {
  TmcUart* t = oid_alloc_t<TmcUart>(static_cast<uint8_t>(args[0]), command_config_tmcuart);
  uint8_t pull_up = args[2] ? 1 : 0;
  t->rx = gpio_in_setup(args[1], pull_up);
  t->tx = gpio_out_setup(args[3], 1);  // the line idles high
  t->bit_time = args[4];
  if (t->bit_time < kSyncSamplesPerBit) fw_shutdown("Invalid tmcuart bit_time");
  t->flags = static_cast<uint8_t>((pull_up ? TU_PULLUP : 0) |
                                  (args[1] == args[3] ? TU_SINGLE_WIRE : 0));
}

FW_COMMAND(command_tmcuart_send, "tmcuart_send oid=%c write=%*s read=%c");
void command_tmcuart_send(uint32_t* args) {
  TmcUart* t = oid_lookup_t<TmcUart>(static_cast<uint8_t>(args[0]), command_config_tmcuart);
  if (t->flags & TU_ACTIVE) return;  // busy: the host sends the request again
  uint8_t write_len = static_cast<uint8_t>(args[1]);
  uint8_t read_len = static_cast<uint8_t>(args[3]);
  if (write_len > sizeof(t->data) || read_len > sizeof(t->data))
    fw_shutdown("tmcuart data too large");
  memcpy(t->data, command_decode_ptr(args[2]), write_len);
  t->pos = 0;
  t->count = static_cast<uint16_t>(write_len * 8);
  t->read_len = read_len;
  t->flags = static_cast<uint8_t>((t->flags & (TU_PULLUP | TU_SINGLE_WIRE)) | TU_ACTIVE);
  t->timer.func = send_event;
  irq_disable();
  t->timer.waketime = timer_read_time() + timer_from_us(200);
  sched_add_timer(&t->timer);
  irq_enable();
}

FW_TASK(tmcuart_task);
void tmcuart_task() {
  if (!sched_check_wake(&g_tmcuart_wake)) return;
  uint8_t oid;
  TmcUart* t;
  FW_FOREACH_OID(oid, t, TmcUart, command_config_tmcuart) {
    if (!(t->flags & TU_REPORT)) continue;
    irq_disable();
    t->flags &= static_cast<uint8_t>(~TU_REPORT);
    irq_enable();
    FW_RESPONSE(resp_tmcuart_response, "tmcuart_response oid=%c read=%*s");
    fw_sendf(resp_tmcuart_response, oid, Bytes{t->data, static_cast<uint8_t>(t->count / 8)});
  }
}

FW_SHUTDOWN(tmcuart_shutdown);
void tmcuart_shutdown() {
  uint8_t oid;
  TmcUart* t;
  FW_FOREACH_OID(oid, t, TmcUart, command_config_tmcuart) {
    line_idle(t);
    t->flags &= static_cast<uint8_t>(TU_PULLUP | TU_SINGLE_WIRE);
  }
}

}  // namespace fw
