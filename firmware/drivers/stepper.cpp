// Steppers: a queue of (interval, count, add) step sequences per stepper, executed from timers
// (config_stepper, queue_step, set_next_step_dir, reset_step_clock, stepper_get_position,
// stepper_stop_on_trigger).
//
// Three ways to produce steps, chosen per stepper at config time from the board's limits:
//  * edge: invert_step=-1, every toggle of the step pin is a step (one event per step);
//  * inline unstep: the pulse is shorter than the event's own run time, so the event raises and
//    lowers the pin itself (one event per step; AVR);
//  * full: separate step and unstep events, honouring step_pulse_ticks exactly.
#include "drivers/stepper.h"

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/trsync.h"

namespace fw {

namespace {

struct StepperMove {
  MoveNode node;
  uint32_t interval;
  int16_t add;
  uint16_t count;
  uint8_t flags;
};
enum : uint8_t { MF_DIR = 1 << 0 };

uint_fast8_t stepper_event_edge(Timer* t);
uint_fast8_t stepper_event_full(Timer* t);

}  // namespace

uint_fast8_t stepper_load_next(Stepper* s) {
  if (move_queue_empty(&s->mq)) {
    s->count = 0;
    return SF_DONE;
  }
  StepperMove* m = reinterpret_cast<StepperMove*>(move_queue_pop(&s->mq));
  uint32_t move_interval = m->interval;
  uint16_t move_count = m->count;
  int16_t move_add = m->add;
  bool dir_change = m->flags & MF_DIR;
  move_free(m);

  uint8_t flags = static_cast<uint8_t>(s->flags & ~SF_HAVE_ADD);
  if (dir_change) flags ^= SF_CUR_DIR;
  if (move_add) flags |= SF_HAVE_ADD;
  s->position +=
      (flags & SF_CUR_DIR) ? static_cast<int32_t>(move_count) : -static_cast<int32_t>(move_count);
  s->flags = flags;
  s->add = move_add;
  s->interval = move_interval + static_cast<uint32_t>(static_cast<int32_t>(move_add));
  if (s->time.func != stepper_event_full) {
    s->time.waketime += move_interval;
    s->count = move_count;
    if (dir_change) gpio_out_toggle_noirq(s->dir_pin);
    return SF_RESCHEDULE;
  }

  bool was_active = s->count != 0;
  uint32_t min_next_time = s->time.waketime;
  s->next_step_time += move_interval;
  s->time.waketime = s->next_step_time;
  s->count = (flags & SF_SINGLE_SCHED) ? move_count : static_cast<uint32_t>(move_count) * 2;
  if (was_active && timer_is_before(s->next_step_time, min_next_time)) {
    if (static_cast<int32_t>(s->next_step_time - min_next_time) <
        -static_cast<int32_t>(board_max_lateness()))
      fw_shutdown("Stepper too far in past");
    s->time.waketime = min_next_time;
  }
  if (dir_change) {
    if (was_active && (flags & SF_SINGLE_SCHED)) {
      // Keep the last step edge and the direction change apart.
      while (timer_is_before(timer_read_time(), min_next_time)) {
      }
    }
    gpio_out_toggle_noirq(s->dir_pin);
    uint32_t earliest = timer_read_time() + s->step_pulse_ticks;
    if (was_active && timer_is_before(s->time.waketime, earliest)) s->time.waketime = earliest;
  }
  return SF_RESCHEDULE;
}

namespace {

// Step on both edges: every event toggles the pin once.
uint_fast8_t stepper_event_edge(Timer* t) {
  Stepper* s = reinterpret_cast<Stepper*>(t);
  gpio_out_toggle_noirq(s->step_pin);
  uint32_t count = s->count - 1;
  if (fw_likely(count)) {
    s->count = count;
    s->time.waketime += s->interval;
    s->interval += static_cast<uint32_t>(static_cast<int32_t>(s->add));
    return SF_RESCHEDULE;
  }
  return stepper_load_next(s);
}

// Separate step and unstep events, step_pulse_ticks apart at least.
uint_fast8_t stepper_event_full(Timer* t) {
  Stepper* s = reinterpret_cast<Stepper*>(t);
  gpio_out_toggle_noirq(s->step_pin);
  uint32_t min_next_time = timer_read_time() + s->step_pulse_ticks;
  uint32_t count = s->count - 1;
  if ((count & 1) && !(s->flags & SF_SINGLE_SCHED)) {
    s->count = count;  // the unstep event comes next
    s->time.waketime = min_next_time;
    return SF_RESCHEDULE;
  }
  if (fw_likely(count)) {
    s->count = count;
    s->next_step_time += s->interval;
    s->interval += static_cast<uint32_t>(static_cast<int32_t>(s->add));
    s->time.waketime =
        timer_is_before(s->next_step_time, min_next_time) ? min_next_time : s->next_step_time;
    return SF_RESCHEDULE;
  }
  s->time.waketime = min_next_time;
  return stepper_load_next(s);
}

Stepper* stepper_oid_lookup(uint8_t oid);

}  // namespace

// Step and unstep in one event (the event lasts longer than the pulse must).
uint_fast8_t stepper_event_inline(Timer* t) {
  Stepper* s = reinterpret_cast<Stepper*>(t);
  gpio_out_toggle_noirq(s->step_pin);
  uint16_t count = static_cast<uint16_t>(s->count16 - 1);
  if (fw_likely(count)) {
    s->count16 = count;
    s->time.waketime += s->interval;
    if (s->flags & SF_HAVE_ADD) s->interval += static_cast<uint32_t>(static_cast<int32_t>(s->add));
    gpio_out_toggle_noirq(s->step_pin);
    return SF_RESCHEDULE;
  }
  uint_fast8_t ret = stepper_load_next(s);
  gpio_out_toggle_noirq(s->step_pin);
  return ret;
}

FW_COMMAND(command_config_stepper,
           "config_stepper oid=%c step_pin=%c dir_pin=%c invert_step=%c step_pulse_ticks=%u");
void command_config_stepper(uint32_t* args) {
  Stepper* s = oid_alloc_t<Stepper>(static_cast<uint8_t>(args[0]), command_config_stepper);
  int8_t invert_step = static_cast<int8_t>(args[3]);
  s->flags = invert_step > 0 ? SF_INVERT_STEP : 0;
  s->step_pin = gpio_out_setup(args[1], invert_step > 0 ? 1 : 0);
  s->dir_pin = gpio_out_setup(args[2], 0);
  s->step_pulse_ticks = args[4];
  s->pulse8 = static_cast<uint8_t>(args[4] > 255 ? 255 : args[4]);
  move_queue_setup(&s->mq, sizeof(StepperMove));
  if (invert_step < 0) {
    s->flags |= SF_SINGLE_SCHED | SF_EDGE;
    s->time.func = static_cast<int32_t>(s->step_pulse_ticks) <= kStepperEdgeMaxTicks
                       ? stepper_event_edge
                       : stepper_event_full;
  } else if (static_cast<int32_t>(s->step_pulse_ticks) <= kStepperInlineUnstepMaxTicks) {
    s->flags |= SF_SINGLE_SCHED;
    s->time.func = stepper_event_inline;
  } else {
    s->time.func = stepper_event_full;
  }
}

namespace {
Stepper* stepper_oid_lookup(uint8_t oid) {
  return oid_lookup_t<Stepper>(oid, command_config_stepper);
}
}  // namespace

FW_COMMAND(command_queue_step, "queue_step oid=%c interval=%u count=%hu add=%hi");
void command_queue_step(uint32_t* args) {
  Stepper* s = stepper_oid_lookup(static_cast<uint8_t>(args[0]));
  StepperMove* m = static_cast<StepperMove*>(move_alloc());
  m->interval = args[1];
  m->count = static_cast<uint16_t>(args[2]);
  if (!m->count) fw_shutdown("Invalid count parameter");
  m->add = static_cast<int16_t>(args[3]);
  m->flags = 0;

  irq_disable();
  uint8_t flags = s->flags;
  if (!!(flags & SF_LAST_DIR) != !!(flags & SF_NEXT_DIR)) {
    flags ^= SF_LAST_DIR;
    m->flags |= MF_DIR;
  }
  if (s->count) {
    s->flags = flags;
    move_queue_push(&m->node, &s->mq);
  } else if (flags & SF_NEED_RESET) {
    move_free(m);
  } else {
    s->flags = flags;
    move_queue_push(&m->node, &s->mq);
    stepper_load_next(s);
    board_stepper_start(s);
  }
  irq_enable();
}

FW_COMMAND(command_set_next_step_dir, "set_next_step_dir oid=%c dir=%c");
void command_set_next_step_dir(uint32_t* args) {
  Stepper* s = stepper_oid_lookup(static_cast<uint8_t>(args[0]));
  uint8_t nextdir = args[1] ? SF_NEXT_DIR : 0;
  irq_disable();
  s->flags = static_cast<uint8_t>((s->flags & ~SF_NEXT_DIR) | nextdir);
  irq_enable();
}

FW_COMMAND(command_reset_step_clock, "reset_step_clock oid=%c clock=%u");
void command_reset_step_clock(uint32_t* args) {
  Stepper* s = stepper_oid_lookup(static_cast<uint8_t>(args[0]));
  uint32_t waketime = args[1];
  irq_disable();
  if (s->count) fw_shutdown("Can't reset time when stepper active");
  s->next_step_time = s->time.waketime = waketime;
  s->flags &= static_cast<uint8_t>(~SF_NEED_RESET);
  irq_enable();
}

namespace {
// Steps taken so far, dir=1 counting up (interrupts disabled).
int32_t stepper_position(Stepper* s) {
  uint32_t remaining = (s->flags & SF_SINGLE_SCHED) ? s->count : s->count / 2;
  return (s->flags & SF_CUR_DIR) ? s->position - static_cast<int32_t>(remaining)
                                 : s->position + static_cast<int32_t>(remaining);
}
}  // namespace

FW_COMMAND(command_stepper_get_position, "stepper_get_position oid=%c");
void command_stepper_get_position(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Stepper* s = stepper_oid_lookup(oid);
  irq_disable();
  board_stepper_sync(s);
  int32_t position = stepper_position(s);
  irq_enable();
  FW_RESPONSE(resp_stepper_position, "stepper_position oid=%c pos=%i");
  fw_sendf(resp_stepper_position, oid, position);
}

namespace {
// Stop at once and forget the queue (interrupts disabled): a trsync fired, or shutdown.
void stepper_stop(TrsyncSignal* tss, uint8_t) {
  Stepper* s = container_of(tss, &Stepper::stop_signal);
  board_stepper_stop(s);
  s->position = stepper_position(s);
  s->next_step_time = s->time.waketime = 0;
  s->count = 0;
  s->flags = static_cast<uint8_t>((s->flags & (SF_INVERT_STEP | SF_SINGLE_SCHED | SF_EDGE)) |
                                  SF_NEED_RESET);
  gpio_out_write(s->dir_pin, 0);
  if (!(s->flags & SF_EDGE)) gpio_out_write(s->step_pin, (s->flags & SF_INVERT_STEP) ? 1 : 0);
  move_queue_clear(&s->mq);
}
}  // namespace

FW_COMMAND(command_stepper_stop_on_trigger, "stepper_stop_on_trigger oid=%c trsync_oid=%c");
void command_stepper_stop_on_trigger(uint32_t* args) {
  Stepper* s = stepper_oid_lookup(static_cast<uint8_t>(args[0]));
  Trsync* ts = trsync_oid_lookup(static_cast<uint8_t>(args[1]));
  trsync_add_signal(ts, &s->stop_signal, stepper_stop);
}

FW_SHUTDOWN(stepper_shutdown);
void stepper_shutdown() {
  uint8_t i;
  Stepper* s;
  FW_FOREACH_OID(i, s, Stepper, command_config_stepper) {
    move_queue_clear(&s->mq);
    stepper_stop(&s->stop_signal, 0);
  }
}

}  // namespace fw
