// ST7920 graphic displays (12864 "full graphic" LCDs) on their serial interface (config_st7920,
// st7920_send_cmds, st7920_send_data): a sync byte selects command or data, then every byte goes
// as two bytes holding one nibble each in their high half, MSB first, clocked on SCLK's rising
// edge. CS stays selected. Each clock level is held sync_delay_ticks; a command must not end
// before cmd_delay_ticks after the previous one (the controller's execution time).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

constexpr uint8_t kSyncCmd = 0xf8, kSyncData = 0xfa;

struct St7920 {
  uint32_t last_cmd_time, sync_delay_ticks, cmd_delay_ticks;
  GpioOut sclk, sid;
};

// Seven bits and the first half of the eighth clock: the caller finishes the byte (so a command
// can wait for the controller before its last edge).
void xmit_byte_start(St7920* s, uint8_t b) {
  for (uint8_t i = 0; i < 8; i++, b = static_cast<uint8_t>(b << 1)) {
    gpio_out_write(s->sid, b & 0x80);
    board_delay_ticks(s->sync_delay_ticks);
    gpio_out_write(s->sclk, 1);
    board_delay_ticks(s->sync_delay_ticks);
    if (i < 7) gpio_out_write(s->sclk, 0);
  }
}

void xmit_byte(St7920* s, uint8_t b) {
  xmit_byte_start(s, b);
  gpio_out_write(s->sclk, 0);
}

}  // namespace

FW_COMMAND(command_config_st7920,
           "config_st7920 oid=%c cs_pin=%u sclk_pin=%u sid_pin=%u sync_delay_ticks=%u "
           "cmd_delay_ticks=%u");
void command_config_st7920(uint32_t* args) {
  St7920* s = oid_alloc_t<St7920>(static_cast<uint8_t>(args[0]), command_config_st7920);
  gpio_out_setup(args[1], 1);  // chip select, active high, always on
  s->sclk = gpio_out_setup(args[2], 0);
  s->sid = gpio_out_setup(args[3], 0);
  s->sync_delay_ticks = args[4];
  s->cmd_delay_ticks = args[5];
}

FW_COMMAND(command_st7920_send_cmds, "st7920_send_cmds oid=%c cmds=%*s");
void command_st7920_send_cmds(uint32_t* args) {
  St7920* s = oid_lookup_t<St7920>(static_cast<uint8_t>(args[0]), command_config_st7920);
  uint8_t len = static_cast<uint8_t>(args[1]);
  const uint8_t* cmds = command_decode_ptr(args[2]);
  xmit_byte(s, kSyncCmd);
  while (len--) {
    uint8_t cmd = *cmds++;
    xmit_byte(s, cmd & 0xf0);
    xmit_byte_start(s, static_cast<uint8_t>(cmd << 4));
    uint32_t elapsed = timer_read_time() - s->last_cmd_time;
    if (elapsed < s->cmd_delay_ticks) board_delay_ticks(s->cmd_delay_ticks - elapsed);
    gpio_out_write(s->sclk, 0);
    s->last_cmd_time = timer_read_time();
  }
}

FW_COMMAND(command_st7920_send_data, "st7920_send_data oid=%c data=%*s");
void command_st7920_send_data(uint32_t* args) {
  St7920* s = oid_lookup_t<St7920>(static_cast<uint8_t>(args[0]), command_config_st7920);
  uint8_t len = static_cast<uint8_t>(args[1]);
  const uint8_t* data = command_decode_ptr(args[2]);
  xmit_byte(s, kSyncData);
  while (len--) {
    uint8_t b = *data++;
    xmit_byte(s, b & 0xf0);
    xmit_byte(s, static_cast<uint8_t>(b << 4));
  }
}

FW_SHUTDOWN(st7920_shutdown);
void st7920_shutdown() {
  uint8_t oid;
  St7920* s;
  FW_FOREACH_OID(oid, s, St7920, command_config_st7920) {
    gpio_out_write(s->sclk, 0);
    gpio_out_write(s->sid, 0);
  }
}

}  // namespace fw
