// Trigger synchronisation (homing, probing): endstops trigger a trsync, which stops every
// stepper signed up with it and reports to the host.
#pragma once

#include <stdint.h>

namespace fw {

struct Trsync;
struct TrsyncSignal;
using TrsyncCallback = void (*)(TrsyncSignal* tss, uint8_t reason);

struct TrsyncSignal {
  TrsyncSignal* next;
  TrsyncCallback func;
};

Trsync* trsync_oid_lookup(uint8_t oid);
// Run `func` when `ts` triggers (once).
void trsync_add_signal(Trsync* ts, TrsyncSignal* tss, TrsyncCallback func);
// Trigger (interrupts disabled): runs the signals and wakes the report task. Ignored when the
// trsync is not armed.
void trsync_do_trigger(Trsync* ts, uint8_t reason);

}  // namespace fw
