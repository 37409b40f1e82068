// The AVR clock and timer interrupt: timer1 counts CPU cycles; its overflows extend it to 32
// bits; compare unit A fires the timer dispatch, compare unit B bounds how long one interrupt
// may keep running timers while tasks wait.
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("CLOCK_FREQ", F_CPU);

namespace {

constexpr uint16_t kRepeatTicks = 3000;
constexpr uint16_t kIdleRepeatTicks = 8000;
constexpr uint16_t kDeferTicks = 256;

// The clock is timer1's 16-bit count extended with the wrap timer: it runs every 0x4000 ticks
// and records its own (32-bit) waketime, so the current time is that plus the 16-bit distance
// from it. No overflow flag is involved (simavr raises TOV1 early after TCNT1 is written).
volatile uint32_t g_last_wrap;

inline void repeat_set(uint16_t when) {
  OCR1B = when;
  TIFR1 = 1 << OCF1B;
}

// Extends the clock (see g_last_wrap), and keeps a timer in the list at most 0x4000 ticks ahead:
// the interrupt orders its candidates by 16-bit differences, which that bound keeps unambiguous.
uint_fast8_t wrap_event(Timer* t);
Timer g_wrap_timer = {nullptr, 0x4000, wrap_event};

uint_fast8_t wrap_event(Timer* t) {
  g_last_wrap = t->waketime;
  t->waketime += 0x4000;
  return SF_RESCHEDULE;
}

}  // namespace

uint32_t timer_from_us(uint32_t us) {
  return us * (F_CPU / 1000000);
}

uint32_t board_max_lateness() {
  return F_CPU / 1000;
}

// Short waits count on the 16-bit hardware counter, so they work with interrupts off too.
void board_delay_ticks(uint32_t ticks) {
  if (ticks < 0x8000) {
    uint16_t start = TCNT1;
    while (static_cast<uint16_t>(TCNT1 - start) < ticks) {
    }
    return;
  }
  uint32_t end = timer_read_time() + ticks;
  while (timer_is_before(timer_read_time(), end)) {
  }
}

uint32_t timer_read_time() {
  irqstatus_t flag = irq_save();
  uint16_t low = TCNT1;
  uint32_t base = g_last_wrap;
  irq_restore(flag);
  return base + static_cast<uint16_t>(low - static_cast<uint16_t>(base));
}

void timer_kick() {
  OCR1A = TCNT1 + 50;
  TIFR1 = 1 << OCF1A;
}

FW_INIT_PRIO(timer_init, 20);
void timer_init() {
  irqstatus_t flag = irq_save();
  TCCR1A = 0;
  TCCR1B = 1 << CS10;  // count every cycle
  TCNT1 = 0;
  g_last_wrap = 0;
  timer_kick();
  repeat_set(TCNT1 + 50);
  g_wrap_timer.waketime = 0x4000;
  sched_add_timer(&g_wrap_timer);
  TIMSK1 = 1 << OCIE1A;
  irq_restore(flag);
}

// The scheduler dropped every timer (shutdown): put the clock keeper back.
FW_SHUTDOWN(timer_shutdown);
void timer_shutdown() {
  TIMSK1 = 1 << OCIE1A;  // a shutdown may have left the interrupt from inside
  uint32_t now = timer_read_time();
  g_last_wrap = now & ~static_cast<uint32_t>(0x3fff);
  g_wrap_timer.waketime = g_last_wrap + 0x4000;
  sched_add_timer(&g_wrap_timer);
}

// The timer interrupt itself is in avr_timer_isr.S. When it has run timers for a while it asks
// here: are the timers falling behind (shutdown), and are tasks waiting (then pause)? Returns 1
// when the interrupt should leave (OCR1A is set), 0 to carry on.
extern "C" uint8_t fw_avr_defer(uint16_t first_key) {
  uint16_t now = TCNT1;
  if (static_cast<int16_t>(first_key - now) < -static_cast<int16_t>(F_CPU / 1000))
    fw_try_shutdown("Rescheduled timer in the past");
  if (sched_tasks_busy()) {
    repeat_set(now + kRepeatTicks);
    OCR1A = now + kDeferTicks;
    TIFR1 = 1 << OCF1A;
    return 1;
  }
  repeat_set(now + kIdleRepeatTicks);
  return 0;
}

// A task ran: give the timers a longer uninterrupted run again.
FW_TASK(timer_task);
void timer_task() {
  irq_disable();
  repeat_set(TCNT1 + kIdleRepeatTicks);
  irq_enable();
}

}  // namespace fw
