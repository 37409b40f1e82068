// The Cortex-M clock and timer interrupt: the DWT cycle counter is the 32-bit MCU clock, SysTick
// fires the timer dispatch (its 24-bit reload limits one wait to 2^24 cycles, after which the
// handler simply looks again).
#include <setjmp.h>

#include "boards/stm32/stm32_chip.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

// Both-edge stepping, one event per step below kStepperEdgeMaxTicks (board/board.h).
FW_CONSTANT("STEPPER_STEP_BOTH_EDGE", 1);
FW_CONSTANT("STEPPER_OPTIMIZED_EDGE", (KPP_CLOCK_FREQ + 7999999) / 8000000);

namespace stm32 {
extern jmp_buf g_irq_jmp;
extern volatile bool g_in_timer_irq;
extern "C" void stm32_shutdown_trampoline();
}  // namespace stm32

namespace {

using stm32::reg;

constexpr uint32_t kMinTryTicks = KPP_CLOCK_FREQ / 2000000;  // 0.5 us
constexpr uint32_t kRepeatTicks = KPP_CLOCK_FREQ / 10000;    // 100 us
constexpr uint32_t kIdleRepeatTicks = KPP_CLOCK_FREQ / 2000;  // 500 us
constexpr uint32_t kDeferTicks = KPP_CLOCK_FREQ / 200000;     // 5 us
uint32_t g_repeat_until;

inline uint32_t cycles() { return reg(stm32::kDwtCyccnt); }

// SysTick interrupt in `ticks` cycles (at least a few, at most 2^24).
void systick_in(int32_t ticks) {
  if (ticks < 32) ticks = 32;
  if (ticks > 0xffffff) ticks = 0xffffff;
  reg(stm32::kSysTick + 4) = static_cast<uint32_t>(ticks) - 1;  // LOAD
  reg(stm32::kSysTick + 8) = 0;                                 // VAL: reload now
}

}  // namespace


uint32_t timer_read_time() { return cycles(); }

uint32_t timer_from_us(uint32_t us) { return us * (KPP_CLOCK_FREQ / 1000000); }

uint32_t board_max_lateness() { return KPP_CLOCK_FREQ / 1000; }

void board_delay_ticks(uint32_t ticks) {
  uint32_t start = cycles();
  while (cycles() - start < ticks) {
  }
}

void timer_kick() { reg(stm32::kScbIcsr) = 1 << 26; }  // PENDSTSET

FW_INIT_PRIO(timer_init, 20);
void timer_init() {
  reg(stm32::kDemcr) |= 1 << 24;  // trace enable (DWT)
  reg(stm32::kDwtCyccnt) = 0;
  reg(stm32::kDwtCtrl) |= 1;  // CYCCNTENA
  // Same priority as every other interrupt (see board_shutdown_unwind()).
  reg(stm32::kScbShpr3) = (reg(stm32::kScbShpr3) & 0x00ffffff) | (0x80u << 24);
  g_repeat_until = cycles() + kIdleRepeatTicks;
  systick_in(1000);
  reg(stm32::kSysTick) = 7;  // core clock, interrupt, enable
}

// Run the timers that are due; return when the next one is far enough to sleep until.
static void timer_dispatch() {
  uint32_t next = sched_timer_dispatch();
  for (;;) {
    uint32_t now = cycles();
    int32_t diff = static_cast<int32_t>(next - now);
    if (diff > static_cast<int32_t>(kMinTryTicks)) {
      systick_in(diff);
      return;
    }
    if (fw_unlikely(timer_is_before(g_repeat_until, now))) {
      // Busy for a while: check lateness, and let waiting tasks run.
      if (diff < -static_cast<int32_t>(board_max_lateness()))
        fw_try_shutdown("Rescheduled timer in the past");
      if (sched_tasks_busy()) {
        g_repeat_until = now + kRepeatTicks;
        systick_in(static_cast<int32_t>(kDeferTicks));
        return;
      }
      g_repeat_until = now + kIdleRepeatTicks;
    }
    while (timer_is_before(cycles(), next)) {
    }
    next = sched_timer_dispatch();
  }
}

extern "C" void stm32_systick_dispatch(uint32_t* frame) {
  volatile uint32_t* saved_frame = frame;
  if (setjmp(stm32::g_irq_jmp)) {
    // A timer shut the MCU down: return from the exception into the shutdown trampoline.
    stm32::g_in_timer_irq = false;
    saved_frame[6] = reinterpret_cast<uint32_t>(stm32::stm32_shutdown_trampoline);
    saved_frame[7] = (saved_frame[7] & (1u << 9)) | 0x01000000u;  // thumb; keep the align bit
    return;
  }
  stm32::g_in_timer_irq = true;
  timer_dispatch();
  stm32::g_in_timer_irq = false;
}

// A task ran: give the timers a longer uninterrupted run again.
FW_TASK(timer_task);
void timer_task() {
  irq_disable();
  g_repeat_until = cycles() + kIdleRepeatTicks;
  irq_enable();
}

}  // namespace fw

// The exception frame (stacked r0-r3, r12, lr, pc, xpsr) is on the main stack.
extern "C" __attribute__((naked)) void stm32_systick_handler() {
  asm volatile(
      "mrs r0, msp\n\t"
      "b stm32_systick_dispatch\n\t");
}
