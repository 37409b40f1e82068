// The stepper object (shared with board code that runs the step path in its timer interrupt).
#pragma once

#include <stdint.h>

#include "core/basecmd.h"
#include "core/board.h"
#include "core/sched.h"
#include "drivers/trsync.h"

namespace fw {

// The step path picks the event function; flags describe direction and mode.
enum : uint8_t {
  SF_LAST_DIR = 1 << 0,  // dir of the last queued move
  SF_NEXT_DIR = 1 << 1,  // dir requested by set_next_step_dir
  SF_INVERT_STEP = 1 << 2,
  SF_NEED_RESET = 1 << 3,    // stopped by a trsync: ignore moves until reset_step_clock
  SF_SINGLE_SCHED = 1 << 4,  // one event per step (edge and inline modes)
  SF_CUR_DIR = 1 << 5,       // dir of the move being executed
  SF_EDGE = 1 << 6,          // step on both edges
  SF_HAVE_ADD = 1 << 7,      // the current move has a non-zero add
};

struct Stepper {
  Timer time;
  uint32_t interval;  // ticks to the step after the next one
  union {
    uint32_t count;    // events left in the current move
    uint16_t count16;  // its low half (inline mode: count <= 65535)
  };
  GpioOut step_pin;
  int16_t add;
  uint8_t flags;
  uint8_t pulse8;  // step_pulse_ticks, capped at 255, for the inline path
  GpioOut dir_pin;
  uint32_t next_step_time, step_pulse_ticks;
  int32_t position;  // position once the current move is done (dir=1 counts up)
  MoveQueueHead mq;
  TrsyncSignal stop_signal;
};

// How a board schedules step events (interrupts disabled). Boards without a faster step path
// build drivers/stepper_sched.cpp (plain scheduler timers); the AVR keeps active steppers in
// its own step lanes (boards/avr/avr_lanes.cpp).
//   start: the stepper has a first step at s->time.waketime;
//   stop:  cancel it (wherever it is), and leave s->count/interval/waketime current;
//   sync:  make s->count/interval/waketime current (before reading them from a command).
void board_stepper_start(Stepper* s);
void board_stepper_stop(Stepper* s);
void board_stepper_sync(Stepper* s);

// Take the next queued move (interrupts disabled); SF_DONE when the queue is empty.
uint_fast8_t stepper_load_next(Stepper* s);
// The inline-unstep step event (boards may run an equivalent of it inside their dispatch loop).
uint_fast8_t stepper_event_inline(Timer* t);

}  // namespace fw
