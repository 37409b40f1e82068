// HD44780 character displays on the 4-bit parallel interface (config_hd44780,
// hd44780_send_cmds, hd44780_send_data). Each byte goes as two nibbles on D4-D7, latched by a
// pulse on E, at least delay_ticks after the previous byte (the controller's execution time).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

struct Hd44780 {
  uint32_t last_cmd_time, delay_ticks;
  GpioOut rs, e, d[4];
};

void xmit_nibble(Hd44780* h, uint8_t nibble) {
  for (uint8_t i = 0; i < 4; i++) gpio_out_write(h->d[i], (nibble >> i) & 1);
  gpio_out_write(h->e, 1);
  board_delay_ticks(timer_from_us(1) / 2);  // E high for at least 450 ns
  gpio_out_write(h->e, 0);  // the controller latches on the falling edge
}

void xmit(Hd44780* h, uint8_t rs, uint8_t len, const uint8_t* data) {
  gpio_out_write(h->rs, rs);
  while (len--) {
    uint8_t b = *data++;
    uint32_t elapsed = timer_read_time() - h->last_cmd_time;
    if (elapsed < h->delay_ticks) board_delay_ticks(h->delay_ticks - elapsed);
    xmit_nibble(h, b >> 4);
    xmit_nibble(h, b & 0x0f);
    h->last_cmd_time = timer_read_time();
  }
}

}  // namespace

FW_COMMAND(command_config_hd44780,
           "config_hd44780 oid=%c rs_pin=%u e_pin=%u d4_pin=%u d5_pin=%u d6_pin=%u d7_pin=%u "
           "delay_ticks=%u");
void command_config_hd44780(uint32_t* args) {
  Hd44780* h = oid_alloc_t<Hd44780>(static_cast<uint8_t>(args[0]), command_config_hd44780);
  h->rs = gpio_out_setup(args[1], 0);
  h->e = gpio_out_setup(args[2], 0);
  for (uint8_t i = 0; i < 4; i++) h->d[i] = gpio_out_setup(args[3 + i], 0);
  h->delay_ticks = args[7];
}

FW_COMMAND(command_hd44780_send_cmds, "hd44780_send_cmds oid=%c cmds=%*s");
void command_hd44780_send_cmds(uint32_t* args) {
  Hd44780* h = oid_lookup_t<Hd44780>(static_cast<uint8_t>(args[0]), command_config_hd44780);
  xmit(h, 0, static_cast<uint8_t>(args[1]), command_decode_ptr(args[2]));
}

FW_COMMAND(command_hd44780_send_data, "hd44780_send_data oid=%c data=%*s");
void command_hd44780_send_data(uint32_t* args) {
  Hd44780* h = oid_lookup_t<Hd44780>(static_cast<uint8_t>(args[0]), command_config_hd44780);
  xmit(h, 1, static_cast<uint8_t>(args[1]), command_decode_ptr(args[2]));
}

FW_SHUTDOWN(hd44780_shutdown);
void hd44780_shutdown() {
  uint8_t oid;
  Hd44780* h;
  FW_FOREACH_OID(oid, h, Hd44780, command_config_hd44780) {
    gpio_out_write(h->rs, 0);
    gpio_out_write(h->e, 0);
    for (uint8_t i = 0; i < 4; i++) gpio_out_write(h->d[i], 0);
  }
}

}  // namespace fw
