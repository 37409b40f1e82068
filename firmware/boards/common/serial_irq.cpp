// Interrupt-driven serial link buffers and the console task (see serial_irq.h).
#include "boards/common/serial_irq.h"

#include <string.h>

#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "protocol/msgblock.h"

namespace fw {

FW_CONSTANT("RECEIVE_WINDOW", 192);

namespace {
uint8_t g_rx[192];
volatile uint8_t g_rx_pos;
uint8_t g_tx[96];
volatile uint8_t g_tx_pos, g_tx_max;
TaskWake g_console_wake;
}  // namespace

void serial_rx_byte(uint8_t data) {
  uint8_t pos = g_rx_pos;
  if (pos >= sizeof(g_rx)) return;  // window overrun: the host retransmits
  g_rx[pos] = data;
  g_rx_pos = static_cast<uint8_t>(pos + 1);
  if (data == kpp::proto::kMessageSync) sched_wake_task(&g_console_wake);
}

uint_fast8_t serial_rx_space() { return static_cast<uint_fast8_t>(sizeof(g_rx) - g_rx_pos); }

bool serial_tx_next(uint8_t* data) {
  uint8_t pos = g_tx_pos;
  if (pos >= g_tx_max) return false;
  *data = g_tx[pos];
  g_tx_pos = static_cast<uint8_t>(pos + 1);
  return true;
}

uint8_t* console_tx_reserve(uint_fast8_t max_len) {
  irqstatus_t flag = irq_save();
  uint8_t tpos = g_tx_pos, tmax = g_tx_max;
  if (tpos >= tmax) {
    tpos = tmax = 0;
    g_tx_pos = g_tx_max = 0;
  }
  if (tmax + max_len > sizeof(g_tx)) {
    if (static_cast<uint_fast16_t>(tmax + max_len - tpos) > sizeof(g_tx)) {
      irq_restore(flag);
      return nullptr;  // full: the message is dropped
    }
    tmax = static_cast<uint8_t>(tmax - tpos);
    memmove(g_tx, g_tx + tpos, tmax);
    g_tx_pos = 0;
    g_tx_max = tmax;
  }
  irq_restore(flag);
  return g_tx + tmax;
}

void console_tx_commit(uint_fast8_t len) {
  irqstatus_t flag = irq_save();
  g_tx_max = static_cast<uint8_t>(g_tx_max + len);
  serial_enable_tx_irq();
  irq_restore(flag);
}

// Run the complete blocks received so far; each leaves the window before it runs, so a shutdown
// raised by one of its commands cannot make it run twice.
FW_TASK(console_task);
void console_task() {
  if (!sched_check_wake(&g_console_wake)) return;
  uint8_t block[64];
  for (;;) {
    uint_fast8_t avail = g_rx_pos, pop = 0;
    int_fast8_t ret = command_find_block(g_rx, avail, &pop);
    if (!ret) break;
    if (ret > 0) memcpy(block, g_rx, pop);
    irq_disable();
    uint8_t remaining = static_cast<uint8_t>(g_rx_pos - pop);
    memmove(g_rx, g_rx + pop, remaining);
    g_rx_pos = remaining;
    irq_enable();
    if (ret > 0) {
      command_dispatch(block, pop);
      command_send_ack();
    }
  }
}

}  // namespace fw
