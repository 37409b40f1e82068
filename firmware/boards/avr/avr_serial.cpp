// USART0 link to the host at 250000 baud (buffers and console task: boards/common/serial_irq).
#include "boards/common/serial_irq.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("SERIAL_BAUD", 250000);

namespace {
constexpr uint32_t kBaud = 250000;
}

FW_INIT_PRIO(serial_init, 20);
void serial_init() {
  // U2X: 16 MHz / (8 * (7 + 1)) = 250000 baud exactly.
  UCSR0A = 1 << U2X0;
  UBRR0 = static_cast<uint16_t>(F_CPU / (8 * kBaud) - 1);
  UCSR0C = (1 << UCSZ01) | (1 << UCSZ00);
  UCSR0B = (1 << RXEN0) | (1 << TXEN0) | (1 << RXCIE0) | (1 << UDRIE0);
}

ISR(USART0_RX_vect) { serial_rx_byte(UDR0); }

ISR(USART0_UDRE_vect) {
  uint8_t data;
  if (serial_tx_next(&data))
    UDR0 = data;
  else
    UCSR0B &= static_cast<uint8_t>(~(1 << UDRIE0));
}

void serial_enable_tx_irq() { UCSR0B |= 1 << UDRIE0; }

}  // namespace fw
