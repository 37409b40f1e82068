// Step lanes of the AVR board: the steppers that are stepping at a fast rate, kept out of the
// timer list in a small table that the timer interrupt (avr_timer_isr.S) scans with 16-bit
// keys. This header is shared by that assembly file and the C++ code, so the field offsets live
// in macros checked against the struct.
#pragma once

#define FW_LANES 4
#define FW_LANE_SIZE 18
#define FW_LANE_KEY 0       // uint16_t: next step time (low 16 bits of the clock)
#define FW_LANE_PIN 2       // GpioRegs*: PINx of the step pin
#define FW_LANE_BIT 4       // uint8_t: step pin bit mask
#define FW_LANE_PULSE 5     // uint8_t: step_pulse_ticks
#define FW_LANE_COUNT 6     // uint16_t: steps left in the move
#define FW_LANE_INTERVAL 8  // uint16_t: ticks to the step after the next
#define FW_LANE_ADD 10      // int16_t
#define FW_LANE_WAKE_HI 12  // uint16_t: high half of the next step time
#define FW_LANE_STEPPER 14  // Stepper*
#define FW_LANE_FLAGS 16    // uint8_t: FW_LANE_F_*
#define FW_LANE_F_ADD 0     // bit: the move has a non-zero add
// A lane's interval stays below this, so every key is within 2^14 ticks ahead of the clock.
#define FW_LANE_MAX_INTERVAL 0x4000
// Closer than this, the interrupt waits for the next event instead of leaving and re-entering.
#define FW_TIMER_MIN_TRY 180

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

#include "drivers/stepper.h"

namespace fw {
namespace avr {

struct Lane {
  uint16_t key;
  GpioRegs* pin;
  uint8_t bit;
  uint8_t pulse;
  uint16_t count;
  uint16_t interval;
  int16_t add;
  uint16_t wake_hi;
  Stepper* s;
  uint8_t flags;
  uint8_t pad;
};
static_assert(sizeof(Lane) == FW_LANE_SIZE, "lane layout");
static_assert(offsetof(Lane, pin) == FW_LANE_PIN, "lane layout");
static_assert(offsetof(Lane, bit) == FW_LANE_BIT, "lane layout");
static_assert(offsetof(Lane, pulse) == FW_LANE_PULSE, "lane layout");
static_assert(offsetof(Lane, count) == FW_LANE_COUNT, "lane layout");
static_assert(offsetof(Lane, interval) == FW_LANE_INTERVAL, "lane layout");
static_assert(offsetof(Lane, add) == FW_LANE_ADD, "lane layout");
static_assert(offsetof(Lane, wake_hi) == FW_LANE_WAKE_HI, "lane layout");
static_assert(offsetof(Lane, s) == FW_LANE_STEPPER, "lane layout");
static_assert(offsetof(Lane, flags) == FW_LANE_FLAGS, "lane layout");

}  // namespace avr
}  // namespace fw

// The table and what the interrupt calls back into (C linkage for the assembly).
extern "C" {
extern fw::avr::Lane fw_lanes[FW_LANES];
extern uint8_t fw_lane_count;
extern uint16_t fw_scan_entry;  // code address where the interrupt's scan starts
void fw_avr_run_generic();
void fw_avr_lane_next(fw::avr::Lane* lane, uint8_t pulse_start);
void fw_avr_lane_migrate(fw::avr::Lane* lane, uint8_t pulse_start);
uint8_t fw_avr_defer(uint16_t first_key);
}

#endif
