// AVR start-up, idle, memory arena, watchdog and the reset command.
#include <avr/sleep.h>
#include <avr/wdt.h>

#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

extern char __heap_start;

namespace fw {

namespace {
constexpr uint16_t kStackReserve = 640;
}

void irq_wait() {
  // "sei; sleep": the instruction after sei runs before any interrupt, so a wake-up cannot be
  // missed between the check and the sleep.
  asm volatile("sei\n\tsleep\n\tcli" ::: "memory");
}

// A longjmp leaves an AVR interrupt handler cleanly: nothing in the chip tracks it.
void board_shutdown_unwind() { longjmp(g_shutdown_jmp, 1); }

void board_arena(uint8_t** start, uint8_t** end) {
  *start = reinterpret_cast<uint8_t*>(&__heap_start);
  *end = reinterpret_cast<uint8_t*>(RAMEND - kStackReserve);
}

volatile uint8_t* board_debug_address(uint32_t addr) {
  return reinterpret_cast<volatile uint8_t*>(static_cast<uintptr_t>(addr));
}

// Watchdog: 500 ms without the task loop running first raises an interrupt (shutdown with a
// reason the host can show), then resets the chip.
ISR(WDT_vect) {
  wdt_reset();
  WDTCSR |= 1 << WDIE;
  fw_shutdown("Watchdog timer!");
}

FW_INIT_PRIO(watchdog_init, 5);
void watchdog_init() {
  wdt_enable(WDTO_500MS);
  WDTCSR |= 1 << WDIE;
}

FW_TASK(watchdog_task);
void watchdog_task() {
  wdt_reset();
  WDTCSR |= 1 << WDIE;
}

FW_COMMAND_IN_SHUTDOWN(command_reset, "reset");
void command_reset(uint32_t*) {
  irq_disable();
  wdt_enable(WDTO_15MS);
  for (;;) {
  }
}

}  // namespace fw

int main() {
  // A watchdog reset leaves the watchdog running: stop it before it fires during start-up.
  MCUSR = 0;
  wdt_disable();
  set_sleep_mode(SLEEP_MODE_IDLE);
  sleep_enable();
  fw::sched_main();
}
