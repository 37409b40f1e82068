// Board primitives of the STM32 chips (stm32f103, stm32f407): Cortex-M interrupts, flash that is
// ordinary memory, GPIO through the ODR/IDR registers.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace fw {

typedef uint32_t irqstatus_t;
inline void irq_disable() { asm volatile("cpsid i" ::: "memory"); }
inline void irq_enable() { asm volatile("cpsie i" ::: "memory"); }
inline irqstatus_t irq_save() {
  uint32_t flag;
  asm volatile("mrs %0, primask" : "=r"(flag)::"memory");
  irq_disable();
  return flag;
}
inline void irq_restore(irqstatus_t flag) { asm volatile("msr primask, %0" ::"r"(flag) : "memory"); }
void irq_wait();
inline void irq_poll() {}

#define FW_PROGMEM
template <class T>
inline T pgm_read(const T* p) {
  return *p;
}
inline void memcpy_pgm(void* dst, const void* src, size_t n) { memcpy(dst, src, n); }

struct GpioOut {
  volatile uint32_t* odr;
  uint32_t bit;
};
struct GpioIn {
  volatile uint32_t* idr;
  uint32_t bit;
};
struct GpioPwm {
  volatile uint32_t* ccr;
};
struct GpioAdc {
  uint8_t chan;
};
struct SpiConfig {
  uintptr_t spi;
  uint32_t cr1;
};
struct I2cConfig {
  uintptr_t i2c;
  uint8_t addr;
};

// Called with interrupts off: a read-modify-write of the output register is safe.
inline void gpio_out_toggle_noirq(GpioOut g) { *g.odr ^= g.bit; }

// One event per step on both edges while the step rate stays well below 8 MHz (as Klipper's
// STEPPER_OPTIMIZED_EDGE); otherwise separate step and unstep events.
constexpr int32_t kStepperEdgeMaxTicks = (KPP_CLOCK_FREQ + 7999999) / 8000000;
constexpr int32_t kStepperInlineUnstepMaxTicks = -1;

}  // namespace fw
