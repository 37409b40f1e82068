// Endstops: sample a pin on a schedule during homing and trigger a trsync once the pin has held
// the requested level for sample_count samples (config_endstop, endstop_home,
// endstop_query_state).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/trsync.h"

namespace fw {

namespace {

struct Endstop {
  Timer time;
  GpioIn pin;
  uint32_t rest_time, sample_time, nextwake;
  Trsync* ts;
  uint8_t flags, sample_count, trigger_count, trigger_reason;
};

enum : uint8_t { ESF_PIN_HIGH = 1 << 0, ESF_HOMING = 1 << 1 };

uint_fast8_t endstop_oversample_event(Timer* t);

bool pin_matches(Endstop* e) {
  uint8_t val = gpio_in_read(e->pin);
  return (val ? 1 : 0) == ((e->flags & ESF_PIN_HIGH) ? 1 : 0);
}

// Waiting for the pin to reach the requested level.
uint_fast8_t endstop_event(Timer* t) {
  Endstop* e = reinterpret_cast<Endstop*>(t);
  uint32_t nextwake = e->time.waketime + e->rest_time;
  if (!pin_matches(e)) {
    e->time.waketime = nextwake;
    return SF_RESCHEDULE;
  }
  e->nextwake = nextwake;
  e->time.func = endstop_oversample_event;
  return endstop_oversample_event(t);
}

// The pin matched: confirm it with further samples sample_time apart.
uint_fast8_t endstop_oversample_event(Timer* t) {
  Endstop* e = reinterpret_cast<Endstop*>(t);
  if (!pin_matches(e)) {
    e->time.func = endstop_event;
    e->time.waketime = e->nextwake;
    e->trigger_count = e->sample_count;
    return SF_RESCHEDULE;
  }
  uint8_t count = static_cast<uint8_t>(e->trigger_count - 1);
  if (!count) {
    trsync_do_trigger(e->ts, e->trigger_reason);
    return SF_DONE;
  }
  e->trigger_count = count;
  e->time.waketime += e->sample_time;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_endstop, "config_endstop oid=%c pin=%c pull_up=%c");
void command_config_endstop(uint32_t* args) {
  Endstop* e = oid_alloc_t<Endstop>(static_cast<uint8_t>(args[0]), command_config_endstop);
  e->pin = gpio_in_setup(args[1], static_cast<int8_t>(args[2]));
}

FW_COMMAND(command_endstop_home,
           "endstop_home oid=%c clock=%u sample_ticks=%u sample_count=%c rest_ticks=%u "
           "pin_value=%c trsync_oid=%c trigger_reason=%c");
void command_endstop_home(uint32_t* args) {
  Endstop* e = oid_lookup_t<Endstop>(static_cast<uint8_t>(args[0]), command_config_endstop);
  sched_del_timer(&e->time);
  e->time.waketime = args[1];
  e->sample_time = args[2];
  e->sample_count = static_cast<uint8_t>(args[3]);
  if (!e->sample_count) {
    // Homing off.
    e->ts = nullptr;
    e->flags = 0;
    return;
  }
  e->rest_time = args[4];
  e->time.func = endstop_event;
  e->trigger_count = e->sample_count;
  e->flags = static_cast<uint8_t>(ESF_HOMING | (args[5] ? ESF_PIN_HIGH : 0));
  e->ts = trsync_oid_lookup(static_cast<uint8_t>(args[6]));
  e->trigger_reason = static_cast<uint8_t>(args[7]);
  sched_add_timer(&e->time);
}

FW_COMMAND(command_endstop_query_state, "endstop_query_state oid=%c");
void command_endstop_query_state(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Endstop* e = oid_lookup_t<Endstop>(oid, command_config_endstop);
  irq_disable();
  uint8_t eflags = e->flags;
  uint32_t nextwake = e->nextwake;
  irq_enable();
  FW_RESPONSE(resp_endstop_state, "endstop_state oid=%c homing=%c next_clock=%u pin_value=%c");
  fw_sendf(resp_endstop_state, oid, static_cast<uint8_t>((eflags & ESF_HOMING) ? 1 : 0), nextwake,
           gpio_in_read(e->pin));
}

}  // namespace fw
