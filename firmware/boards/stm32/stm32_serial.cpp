// USART1 link to the host (PA9 TX, PA10 RX) at 250000 baud, interrupt driven (buffers and
// console task: boards/common/serial_irq).
#include "boards/common/serial_irq.h"
#include "boards/stm32/stm32_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("SERIAL_BAUD", 250000);
FW_CONSTANT_STR("RESERVE_PINS_serial", "PA10,PA9");

namespace {
constexpr uint32_t kBaud = 250000;
stm32::UsartRegs* usart() { return reinterpret_cast<stm32::UsartRegs*>(stm32::usart1()); }
}  // namespace

FW_INIT_PRIO(serial_init, 20);
void serial_init() {
  stm32::periph_enable(stm32::usart1());
  stm32::gpio_mode_af(stm32::kUsart1Tx, stm32::kUsart1Af, false);
  stm32::gpio_mode_input(stm32::kUsart1Rx, 1);
  stm32::gpio_mode_af(stm32::kUsart1Rx, stm32::kUsart1Af, false);
  usart()->BRR = (stm32::periph_clock(stm32::usart1()) + kBaud / 2) / kBaud;
  usart()->CR1 = stm32::USART_CR1_UE | stm32::USART_CR1_RE | stm32::USART_CR1_TE |
                 stm32::USART_CR1_RXNEIE;
  stm32::nvic_enable(stm32::kUsart1Irq, 0x80);
}

void serial_enable_tx_irq() { usart()->CR1 |= stm32::USART_CR1_TXEIE; }

}  // namespace fw

extern "C" void stm32_usart1_handler() {
  using namespace fw;
  uint32_t sr = usart()->SR;
  if (sr & (stm32::USART_SR_RXNE | stm32::USART_SR_ORE))
    serial_rx_byte(static_cast<uint8_t>(usart()->DR));
  if ((sr & stm32::USART_SR_TXE) && (usart()->CR1 & stm32::USART_CR1_TXEIE)) {
    uint8_t data;
    if (serial_tx_next(&data))
      usart()->DR = data;
    else
      usart()->CR1 &= ~stm32::USART_CR1_TXEIE;
  }
}
