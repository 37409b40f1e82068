// AVR hardware PWM on the timer compare outputs (8-bit fast PWM; timer1 is the clock).
#include "boards/avr/avr_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("PWM_MAX", 255);

namespace {
// Prescaler choice for a requested cycle: the slowest clock whose 256-step cycle fits.
uint8_t prescaler_bits(uint32_t cycle_ticks, bool timer2) {
  static const uint16_t kDiv[] = {1, 8, 64, 256, 1024};
  static const uint16_t kDiv2[] = {1, 8, 32, 64, 128, 256, 1024};
  const uint16_t* div = timer2 ? kDiv2 : kDiv;
  uint8_t n = timer2 ? 7 : 5, cs = 1;
  for (uint8_t i = 0; i < n; i++)
    if (256ul * div[i] <= cycle_ticks) cs = static_cast<uint8_t>(i + 1);
  return cs;
}
}  // namespace

GpioPwm gpio_pwm_setup(uint32_t pin, uint32_t cycle_ticks, uint32_t val) {
  for (uint8_t i = 0; i < avr::kPwmPinCount; i++) {
    avr::PwmInfo p;
    memcpy_pgm(&p, &avr::kPwmPins[i], sizeof(p));
    if (p.pin != pin) continue;
    if (p.tccra == reinterpret_cast<uintptr_t>(&TCCR1A))
      fw_shutdown("Can not use timer1 for PWM; timer1 is used for timers");
    volatile uint8_t* tccra = reinterpret_cast<volatile uint8_t*>(p.tccra);
    volatile uint8_t* tccrb = reinterpret_cast<volatile uint8_t*>(p.tccrb);
    bool timer2 = p.tccra == reinterpret_cast<uintptr_t>(&TCCR2A);
    uint8_t cs = prescaler_bits(cycle_ticks, timer2);
    irqstatus_t flag = irq_save();
    uint8_t old_cs = *tccrb & 0x07;
    if (old_cs && old_cs != cs) {
      irq_restore(flag);
      fw_shutdown("PWM already programmed at different speed");
    }
    // Fast PWM, 8 bits: WGM 3 on the 8-bit timers, WGM 5 on the 16-bit ones.
    *tccra = static_cast<uint8_t>((*tccra & 0xfc) | (1 << 0) | (p.is16 ? 0 : (1 << 1)));
    *tccrb = static_cast<uint8_t>((p.is16 ? (1 << 3) : 0) | cs);
    *tccra |= p.com_bits;
    irq_restore(flag);
    GpioPwm g = {reinterpret_cast<void*>(p.ocr), static_cast<uint8_t>(!p.is16)};
    gpio_pwm_write(g, val);
    gpio_out_setup(pin, 0);
    return g;
  }
  fw_shutdown("Not a valid PWM pin");
}

void gpio_pwm_write(GpioPwm g, uint32_t val) {
  if (val > 255) val = 255;
  if (g.size8) {
    *static_cast<volatile uint8_t*>(g.reg) = static_cast<uint8_t>(val);
  } else {
    irqstatus_t flag = irq_save();
    *static_cast<volatile uint16_t*>(g.reg) = static_cast<uint16_t>(val);
    irq_restore(flag);
  }
}

}  // namespace fw
