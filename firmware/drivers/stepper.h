// The stepper object (shared with board code that wants a faster step path).
#pragma once

#include <stdint.h>

#include "core/basecmd.h"
#include "core/board.h"
#include "core/sched.h"
#include "drivers/trsync.h"

namespace fw {

struct Stepper {
  Timer time;
  uint32_t interval;  // ticks to the step after the next one
  int16_t add;
  uint32_t count;  // events left in the current move
  uint32_t next_step_time, step_pulse_ticks;
  GpioOut step_pin, dir_pin;
  int32_t position;  // position once the current move is done (dir=1 counts up)
  MoveQueueHead mq;
  TrsyncSignal stop_signal;
  uint8_t flags;
};

}  // namespace fw
