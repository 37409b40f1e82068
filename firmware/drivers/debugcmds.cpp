// Debugging commands: memory peek/poke, ping and no-op (debug_read, debug_write, debug_ping,
// debug_nop).
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {
volatile uint8_t* debug_address(uint32_t addr) {
  volatile uint8_t* p = board_debug_address(addr);
  if (!p) fw_shutdown("Invalid debug address");
  return p;
}
}  // namespace

FW_COMMAND_IN_SHUTDOWN(command_debug_read, "debug_read order=%c addr=%u");
void command_debug_read(uint32_t* args) {
  uint8_t order = static_cast<uint8_t>(args[0]);
  volatile uint8_t* ptr = debug_address(args[1]);
  uint32_t v;
  irqstatus_t flag = irq_save();
  switch (order) {
    default:
    case 0:
      v = *ptr;
      break;
    case 1:
      v = *reinterpret_cast<volatile uint16_t*>(ptr);
      break;
    case 2:
      v = *reinterpret_cast<volatile uint32_t*>(ptr);
      break;
  }
  irq_restore(flag);
  FW_RESPONSE(resp_debug_result, "debug_result val=%u");
  fw_sendf(resp_debug_result, v);
}

FW_COMMAND_IN_SHUTDOWN(command_debug_write, "debug_write order=%c addr=%u val=%u");
void command_debug_write(uint32_t* args) {
  uint8_t order = static_cast<uint8_t>(args[0]);
  volatile uint8_t* ptr = debug_address(args[1]);
  uint32_t v = args[2];
  irqstatus_t flag = irq_save();
  switch (order) {
    default:
    case 0:
      *ptr = static_cast<uint8_t>(v);
      break;
    case 1:
      *reinterpret_cast<volatile uint16_t*>(ptr) = static_cast<uint16_t>(v);
      break;
    case 2:
      *reinterpret_cast<volatile uint32_t*>(ptr) = v;
      break;
  }
  irq_restore(flag);
}

FW_COMMAND_IN_SHUTDOWN(command_debug_ping, "debug_ping data=%*s");
void command_debug_ping(uint32_t* args) {
  FW_RESPONSE(resp_pong, "pong data=%*s");
  fw_sendf(resp_pong, Bytes{command_decode_ptr(args[1]), static_cast<uint8_t>(args[0])});
}

FW_COMMAND_IN_SHUTDOWN(command_debug_nop, "debug_nop");
void command_debug_nop(uint32_t*) {}

}  // namespace fw
