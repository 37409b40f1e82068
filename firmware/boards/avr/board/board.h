// Board primitives of the AVR chips (atmega2560 and relatives).
#pragma once

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace fw {

typedef uint8_t irqstatus_t;
inline void irq_disable() {
  asm volatile("cli" ::: "memory");
}
inline void irq_enable() {
  asm volatile("sei" ::: "memory");
}
inline irqstatus_t irq_save() {
  irqstatus_t flag = SREG;
  irq_disable();
  return flag;
}
inline void irq_restore(irqstatus_t flag) {
  asm volatile("" ::: "memory");
  SREG = flag;
}
void irq_wait();
inline void irq_poll() {}

#define FW_PROGMEM PROGMEM
template <class T>
inline T pgm_read(const T* p) {
  T v;
  memcpy_P(&v, p, sizeof(T));
  return v;
}
inline uint8_t pgm_read(const uint8_t* p) {
  return pgm_read_byte(p);
}
inline uint16_t pgm_read(const uint16_t* p) {
  return pgm_read_word(p);
}
inline uint32_t pgm_read(const uint32_t* p) {
  return pgm_read_dword(p);
}
inline void memcpy_pgm(void* dst, const void* src, size_t n) {
  memcpy_P(dst, src, n);
}

// A port is addressed through its PINx register; DDRx and PORTx follow it.
struct GpioRegs {
  volatile uint8_t in, ddr, out;
};
struct GpioOut {
  GpioRegs* regs;
  uint8_t bit;
};
struct GpioIn {
  GpioRegs* regs;
  uint8_t bit;
};
struct GpioPwm {
  void* reg;      // the OCRnx register
  uint8_t size8;  // 8-bit or 16-bit register
};
struct GpioAdc {
  uint8_t chan;
};
struct SpiConfig {
  uint8_t spcr, spsr;
};
struct I2cConfig {
  uint8_t addr;
};

// Writing a bit to PINx toggles it.
inline void gpio_out_toggle_noirq(GpioOut g) {
  g.regs->in = g.bit;
}

// The step event outlasts a 40-tick pulse; steppers with up to that many ticks raise and lower
// the pin in one event (STEPPER_OPTIMIZED_UNSTEP). Both-edge stepping uses the full path.
constexpr int32_t kStepperEdgeMaxTicks = -1;
constexpr int32_t kStepperInlineUnstepMaxTicks = 40;

}  // namespace fw
