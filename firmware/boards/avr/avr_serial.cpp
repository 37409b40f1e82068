// USART0 link to the host: bytes arrive by interrupt into the receive window, blocks leave
// from the transmit buffer by interrupt.
#include <string.h>

#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "protocol/msgblock.h"

namespace fw {

FW_CONSTANT("SERIAL_BAUD", 250000);
FW_CONSTANT("RECEIVE_WINDOW", 192);

namespace {

constexpr uint32_t kBaud = 250000;
uint8_t g_rx[192];
volatile uint8_t g_rx_pos;
uint8_t g_tx[96];
volatile uint8_t g_tx_pos, g_tx_max;
TaskWake g_console_wake;

}  // namespace

FW_INIT_PRIO(serial_init, 20);
void serial_init() {
  // U2X: 16 MHz / (8 * (7 + 1)) = 250000 baud exactly.
  UCSR0A = 1 << U2X0;
  UBRR0 = static_cast<uint16_t>(F_CPU / (8 * kBaud) - 1);
  UCSR0C = (1 << UCSZ01) | (1 << UCSZ00);
  UCSR0B = (1 << RXEN0) | (1 << TXEN0) | (1 << RXCIE0) | (1 << UDRIE0);
}

ISR(USART0_RX_vect) {
  uint8_t data = UDR0;
  uint8_t pos = g_rx_pos;
  if (pos >= sizeof(g_rx)) return;  // window overrun: the host will retransmit
  g_rx[pos] = data;
  g_rx_pos = static_cast<uint8_t>(pos + 1);
  if (data == kpp::proto::kMessageSync) sched_wake_task(&g_console_wake);
}

ISR(USART0_UDRE_vect) {
  uint8_t pos = g_tx_pos;
  if (pos >= g_tx_max) {
    UCSR0B &= static_cast<uint8_t>(~(1 << UDRIE0));  // nothing left
    return;
  }
  UDR0 = g_tx[pos];
  g_tx_pos = static_cast<uint8_t>(pos + 1);
}

uint8_t* console_tx_reserve(uint_fast8_t max_len) {
  uint8_t tpos = g_tx_pos, tmax = g_tx_max;
  if (tpos >= tmax) {
    tpos = tmax = 0;
    g_tx_max = 0;
    g_tx_pos = 0;
  }
  if (tmax + max_len > sizeof(g_tx)) {
    if (static_cast<uint_fast16_t>(tmax + max_len - tpos) > sizeof(g_tx))
      return nullptr;  // full: drop the message
    irq_disable();
    tpos = g_tx_pos;
    tmax = static_cast<uint8_t>(g_tx_max - tpos);
    memmove(g_tx, g_tx + tpos, tmax);
    g_tx_pos = 0;
    g_tx_max = tmax;
    irq_enable();
  }
  return g_tx + tmax;
}

void console_tx_commit(uint_fast8_t len) {
  irq_disable();
  g_tx_max = static_cast<uint8_t>(g_tx_max + len);
  UCSR0B |= 1 << UDRIE0;
  irq_enable();
}

// Run the complete blocks received so far; each leaves the window before it runs.
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
