// Step events as ordinary scheduler timers (every board but the AVR; see board_stepper_start()).
#include "drivers/stepper.h"

namespace fw {

void board_stepper_start(Stepper* s) {
  sched_add_timer(&s->time);
}

void board_stepper_stop(Stepper* s) {
  sched_del_timer(&s->time);
}

void board_stepper_sync(Stepper*) {}

}  // namespace fw
