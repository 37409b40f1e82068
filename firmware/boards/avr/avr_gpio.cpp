// AVR digital pins: PINx/DDRx/PORTx of each port, pins numbered 8 per port in port order.
#include "boards/avr/avr_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

namespace {
GpioRegs* port_regs(uint32_t pin) {
  uint8_t port = static_cast<uint8_t>(pin / 8);
  if (pin >= 8u * avr::kPortCount) return nullptr;
  uint16_t addr = pgm_read(&avr::kPortRegs[port]);
  return reinterpret_cast<GpioRegs*>(addr);
}
}  // namespace

GpioOut gpio_out_setup(uint32_t pin, uint8_t val) {
  GpioRegs* regs = port_regs(pin);
  if (!regs) fw_shutdown("Not an output pin");
  GpioOut g = {regs, static_cast<uint8_t>(1 << (pin % 8))};
  gpio_out_reset(g, val);
  return g;
}

void gpio_out_reset(GpioOut g, uint8_t val) {
  irqstatus_t flag = irq_save();
  if (val)
    g.regs->out |= g.bit;
  else
    g.regs->out &= static_cast<uint8_t>(~g.bit);
  g.regs->ddr |= g.bit;
  irq_restore(flag);
}

void gpio_out_toggle(GpioOut g) {
  gpio_out_toggle_noirq(g);
}

void gpio_out_write(GpioOut g, uint8_t val) {
  irqstatus_t flag = irq_save();
  if (val)
    g.regs->out |= g.bit;
  else
    g.regs->out &= static_cast<uint8_t>(~g.bit);
  irq_restore(flag);
}

GpioIn gpio_in_setup(uint32_t pin, int8_t pull_up) {
  GpioRegs* regs = port_regs(pin);
  if (!regs) fw_shutdown("Not a valid input pin");
  GpioIn g = {regs, static_cast<uint8_t>(1 << (pin % 8))};
  gpio_in_reset(g, pull_up);
  return g;
}

void gpio_in_reset(GpioIn g, int8_t pull_up) {
  irqstatus_t flag = irq_save();
  if (pull_up > 0)
    g.regs->out |= g.bit;
  else
    g.regs->out &= static_cast<uint8_t>(~g.bit);
  g.regs->ddr &= static_cast<uint8_t>(~g.bit);
  irq_restore(flag);
}

uint8_t gpio_in_read(GpioIn g) {
  return (g.regs->in & g.bit) ? 1 : 0;
}

}  // namespace fw
