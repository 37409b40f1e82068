// STM32 start-up: the vector table, the reset handler (data/bss, clocks), the arena, sleeping,
// the reset command, and leaving a timer interrupt on shutdown.
#include <setjmp.h>

#include "boards/stm32/stm32_chip.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

extern "C" {
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack, _heap_start;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern void (*const stm32_vectors[])();
void stm32_reset_handler();
void stm32_default_handler();
void stm32_usart1_handler() __attribute__((weak, alias("stm32_default_handler")));
void stm32_usb_handler() __attribute__((weak, alias("stm32_default_handler")));
void stm32_hardfault_handler();
}

namespace fw {

namespace stm32 {

namespace {
constexpr uint32_t kStackReserve = 4096;
}  // namespace

// Leaving the timer interrupt on shutdown: the handler keeps a jmp_buf; a shutdown raised inside
// it jumps there, and the handler then returns from the exception into shutdown_trampoline()
// in thread mode (which longjmps to the main loop). Every interrupt has the same priority, so
// the timer interrupt never preempts another handler.
jmp_buf g_irq_jmp;
volatile bool g_in_timer_irq;

extern "C" void stm32_shutdown_trampoline() { longjmp(g_shutdown_jmp, 1); }

}  // namespace stm32

void board_shutdown_unwind() {
  uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  if (ipsr && stm32::g_in_timer_irq) longjmp(stm32::g_irq_jmp, 1);
  longjmp(g_shutdown_jmp, 1);
}

void board_arena(uint8_t** start, uint8_t** end) {
  *start = reinterpret_cast<uint8_t*>(&_heap_start);
  *end = reinterpret_cast<uint8_t*>(reinterpret_cast<uintptr_t>(&_estack) - stm32::kStackReserve);
}

volatile uint8_t* board_debug_address(uint32_t addr) {
  return reinterpret_cast<volatile uint8_t*>(static_cast<uintptr_t>(addr));
}

void irq_wait() { asm volatile("cpsie i\n\twfi\n\tcpsid i" ::: "memory"); }

FW_COMMAND_IN_SHUTDOWN(command_reset, "reset");
void command_reset(uint32_t*) {
  irq_disable();
  stm32::reg(stm32::kScbAircr) = (0x5FA << 16) | (1 << 2);  // SYSRESETREQ
  for (;;) {
  }
}

}  // namespace fw

// ---- reset and the default handler (the vector table is in stm32_vectors.S) ----

// Every peripheral interrupt lands here and is routed by its number (the vector table stays the
// same for both chips).
extern "C" void stm32_default_handler() {
  uint32_t ipsr;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  uint32_t irq = ipsr - 16;
  if (irq == fw::stm32::kUsart1Irq) {
    stm32_usart1_handler();
    return;
  }
  if (irq == fw::stm32::usb_irq()) {
    stm32_usb_handler();
    return;
  }
  for (;;) {
  }
}

extern "C" void stm32_hardfault_handler() {
  for (;;) {
  }
}

extern "C" void stm32_reset_handler() {
  uint32_t* src = &_sidata;
  for (uint32_t* dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  for (void (**f)() = __init_array_start; f < __init_array_end; f++) (*f)();
  fw::stm32::reg(fw::stm32::kScbVtor) = reinterpret_cast<uint32_t>(stm32_vectors);
  fw::stm32::clock_setup();
  fw::sched_main();
}
