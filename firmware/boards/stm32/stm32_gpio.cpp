// STM32 digital pins (numbered 16 per port: PA0 = 0, PB0 = 16, ...).
#include "boards/stm32/stm32_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

namespace {
uint32_t check_pin(uint32_t pin) {
  if (pin >= stm32::kPinsPerPort * stm32::gpio_port_count()) fw_shutdown("Not a valid pin");
  return pin;
}
}  // namespace

GpioOut gpio_out_setup(uint32_t pin, uint8_t val) {
  check_pin(pin);
  GpioOut g = {stm32::gpio_odr(pin / stm32::kPinsPerPort), 1u << (pin % stm32::kPinsPerPort)};
  irqstatus_t flag = irq_save();
  gpio_out_write(g, val);
  stm32::gpio_mode_output(pin);
  irq_restore(flag);
  return g;
}

void gpio_out_reset(GpioOut g, uint8_t val) {
  // The pin number is recovered from the register address and the bit.
  uint32_t port = 0;
  while (stm32::gpio_odr(port) != g.odr) port++;
  uint32_t bit = static_cast<uint32_t>(__builtin_ctz(g.bit));
  irqstatus_t flag = irq_save();
  gpio_out_write(g, val);
  stm32::gpio_mode_output(port * stm32::kPinsPerPort + bit);
  irq_restore(flag);
}

void gpio_out_write(GpioOut g, uint8_t val) {
  irqstatus_t flag = irq_save();
  if (val)
    *g.odr |= g.bit;
  else
    *g.odr &= ~g.bit;
  irq_restore(flag);
}

void gpio_out_toggle(GpioOut g) {
  irqstatus_t flag = irq_save();
  gpio_out_toggle_noirq(g);
  irq_restore(flag);
}

GpioIn gpio_in_setup(uint32_t pin, int8_t pull_up) {
  check_pin(pin);
  GpioIn g = {stm32::gpio_idr(pin / stm32::kPinsPerPort), 1u << (pin % stm32::kPinsPerPort)};
  irqstatus_t flag = irq_save();
  stm32::gpio_mode_input(pin, pull_up);
  irq_restore(flag);
  return g;
}

void gpio_in_reset(GpioIn g, int8_t pull_up) {
  uint32_t port = 0;
  while (stm32::gpio_idr(port) != g.idr) port++;
  irqstatus_t flag = irq_save();
  stm32::gpio_mode_input(port * stm32::kPinsPerPort + static_cast<uint32_t>(__builtin_ctz(g.bit)),
                         pull_up);
  irq_restore(flag);
}

uint8_t gpio_in_read(GpioIn g) { return (*g.idr & g.bit) ? 1 : 0; }

}  // namespace fw
