// WS2812 ("neopixel") LED chains, bit-banged (config_neopixel, neopixel_update, neopixel_send,
// neopixel_result). The host fills the colour buffer with neopixel_update and transmits it with
// neopixel_send. Each bit is a high pulse, short for 0 and long for 1, and consecutive bits must
// start within bit_max_ticks of each other or the LEDs latch early; the pulse edges are timed
// with interrupts off, the gaps with interrupts on, so a late interrupt can spoil a transfer:
// then it is retried, and the result tells the host whether one got through.
#include <string.h>

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

constexpr uint8_t kRetries = 8;

struct Neopixel {
  GpioOut pin;
  uint32_t bit_max_ticks, reset_min_ticks, last_req_time;
  uint16_t data_size;
  uint8_t* data;
};

uint32_t ns_to_ticks(uint32_t ns) { return timer_from_us(1000) * ns / 1000000; }

// Wait until `ticks` after `start`.
void wait_from(uint32_t start, uint32_t ticks) {
  uint32_t elapsed = timer_read_time() - start;
  if (elapsed < ticks) board_delay_ticks(ticks - elapsed);
}

// One attempt at the whole buffer; false when a bit started too late.
bool send_data(Neopixel* n) {
  // The chain latches after reset_min_ticks of low: keep that gap from the previous transfer.
  wait_from(n->last_req_time, n->reset_min_ticks);
  const uint32_t long_ticks = ns_to_ticks(650), short_ticks = ns_to_ticks(200);
  const uint32_t bit_min_ticks = ns_to_ticks(1250);
  GpioOut pin = n->pin;
  uint32_t last_start = timer_read_time();
  bool ok = true;
  for (uint16_t i = 0; i < n->data_size && ok; i++) {
    uint8_t byte = n->data[i];
    for (uint8_t bit = 0; bit < 8; bit++, byte = static_cast<uint8_t>(byte << 1)) {
      wait_from(last_start, bit_min_ticks);
      irq_disable();
      uint32_t start = timer_read_time();
      gpio_out_toggle_noirq(pin);
      if (byte & 0x80) {
        irq_enable();
        wait_from(start, long_ticks);  // a long pulse may stretch a little without harm
        irq_disable();
      } else {
        wait_from(start, short_ticks);
      }
      gpio_out_toggle_noirq(pin);
      irq_enable();
      if (start - last_start > n->bit_max_ticks) {
        ok = false;
        break;
      }
      last_start = start;
    }
  }
  if (!ok) gpio_out_write(pin, 0);
  n->last_req_time = timer_read_time();
  return ok;
}

}  // namespace

FW_COMMAND(command_config_neopixel,
           "config_neopixel oid=%c pin=%u data_size=%hu bit_max_ticks=%u reset_min_ticks=%u");
void command_config_neopixel(uint32_t* args) {
  GpioOut pin = gpio_out_setup(args[1], 0);
  uint16_t size = static_cast<uint16_t>(args[2]);
  if (size & 0x8000) fw_shutdown("Invalid neopixel data_size");
  Neopixel* n = oid_alloc_t<Neopixel>(static_cast<uint8_t>(args[0]), command_config_neopixel);
  n->pin = pin;
  n->data_size = size;
  n->data = static_cast<uint8_t*>(alloc_chunk(size ? size : 1));
  n->bit_max_ticks = args[3];
  n->reset_min_ticks = args[4];
}

FW_COMMAND(command_neopixel_update, "neopixel_update oid=%c pos=%hu data=%*s");
void command_neopixel_update(uint32_t* args) {
  Neopixel* n = oid_lookup_t<Neopixel>(static_cast<uint8_t>(args[0]), command_config_neopixel);
  uint32_t pos = args[1], len = args[2];
  if (pos + len > n->data_size) fw_shutdown("Invalid neopixel update command");
  memcpy(n->data + pos, command_decode_ptr(args[3]), len);
}

FW_COMMAND(command_neopixel_send, "neopixel_send oid=%c");
void command_neopixel_send(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Neopixel* n = oid_lookup_t<Neopixel>(oid, command_config_neopixel);
  uint8_t success = 0;
  for (uint8_t i = 0; i < kRetries && !success; i++) success = send_data(n) ? 1 : 0;
  FW_RESPONSE(resp_neopixel_result, "neopixel_result oid=%c success=%c");
  fw_sendf(resp_neopixel_result, oid, success);
}

}  // namespace fw
