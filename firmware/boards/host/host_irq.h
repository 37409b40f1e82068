// Interrupt and flash-access primitives of the boards that run as a Linux process (linux, sim):
// there are no interrupts (timers run from the main loop), and "flash" is ordinary memory.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace fw {

typedef uint8_t irqstatus_t;
inline void irq_disable() {}
inline void irq_enable() {}
inline irqstatus_t irq_save() {
  return 0;
}
inline void irq_restore(irqstatus_t) {}
// Sleep until the next timer is due or the host sends data.
void irq_wait();
// Run the timers that are due.
void irq_poll();

#define FW_PROGMEM
template <class T>
inline T pgm_read(const T* p) {
  return *p;
}
inline void memcpy_pgm(void* dst, const void* src, size_t n) {
  __builtin_memcpy(dst, src, n);
}

}  // namespace fw
