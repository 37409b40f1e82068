// Digital outputs with scheduled changes, software PWM and the max_duration watchdog that keeps
// heaters safe (config_digital_out, set_digital_out_pwm_cycle, queue_digital_out,
// update_digital_out, set_digital_out).
//
// A digital_out holds a queue of (clock, on_ticks) updates. At each update the pin is set on
// (on_ticks > 0) or off; with a pwm cycle and 0 < on_ticks < cycle it then toggles on/off. When
// max_duration is set and the pin is not at its default, the next update must come within
// max_duration, or the MCU shuts down.
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

struct DigitalOut {
  Timer timer;
  uint32_t on_duration, off_duration, end_time;
  GpioOut pin;
  uint32_t max_duration, cycle_time;
  MoveQueueHead mq;
  uint8_t flags;
};

struct DigitalMove {
  MoveNode node;
  uint32_t waketime, on_duration;
};

enum : uint8_t {
  DF_ON = 1 << 0,         // pin currently on
  DF_TOGGLING = 1 << 1,   // software pwm running
  DF_CHECK_END = 1 << 2,  // end_time is a deadline (next update or watchdog)
  DF_DEFAULT_ON = 1 << 4,
};

uint_fast8_t digital_load_event(Timer* timer);

// Software PWM edge.
uint_fast8_t digital_toggle_event(Timer* timer) {
  DigitalOut* d = reinterpret_cast<DigitalOut*>(timer);
  gpio_out_toggle_noirq(d->pin);
  d->flags ^= DF_ON;
  uint32_t waketime = d->timer.waketime + ((d->flags & DF_ON) ? d->on_duration : d->off_duration);
  if ((d->flags & DF_CHECK_END) && !timer_is_before(waketime, d->end_time)) {
    // Reached the next update (or the watchdog deadline).
    d->timer.func = digital_load_event;
    waketime = d->end_time;
  }
  d->timer.waketime = waketime;
  return SF_RESCHEDULE;
}

// Apply the next queued update; with none queued this is the max_duration watchdog firing.
uint_fast8_t digital_load_event(Timer* timer) {
  DigitalOut* d = reinterpret_cast<DigitalOut*>(timer);
  if (move_queue_empty(&d->mq)) fw_shutdown("Missed scheduling of next digital out event");
  DigitalMove* m = reinterpret_cast<DigitalMove*>(move_queue_pop(&d->mq));
  uint32_t on_duration = m->on_duration;
  uint8_t flags = on_duration ? DF_ON : 0;
  gpio_out_write(d->pin, flags);
  move_free(m);

  uint32_t end_time = 0;
  bool steady = !flags || on_duration >= d->cycle_time;
  bool at_default = !flags == !(d->flags & DF_DEFAULT_ON);
  if (steady) {
    if (!at_default && d->max_duration) {
      end_time = d->timer.waketime + d->max_duration;
      flags |= DF_CHECK_END;
    }
  } else {
    flags |= DF_TOGGLING;
    if (d->max_duration) {
      end_time = d->timer.waketime + d->max_duration;
      flags |= DF_CHECK_END;
    }
  }
  if (!move_queue_empty(&d->mq)) {
    uint32_t wake = reinterpret_cast<DigitalMove*>(move_queue_first(&d->mq))->waketime;
    if ((flags & DF_CHECK_END) && timer_is_before(end_time, wake))
      fw_shutdown("Scheduled digital out event will exceed max_duration");
    end_time = wake;
    flags |= DF_CHECK_END;
  }
  d->end_time = end_time;
  d->flags = static_cast<uint8_t>(flags | (d->flags & DF_DEFAULT_ON));

  if (!(flags & DF_TOGGLING)) {
    if (!(flags & DF_CHECK_END)) return SF_DONE;
    d->timer.waketime = end_time;
    return SF_RESCHEDULE;
  }
  uint32_t waketime = d->timer.waketime + on_duration;
  if ((flags & DF_CHECK_END) && !timer_is_before(waketime, end_time)) {
    d->timer.waketime = end_time;
    return SF_RESCHEDULE;
  }
  d->timer.func = digital_toggle_event;
  d->timer.waketime = waketime;
  d->on_duration = on_duration;
  d->off_duration = d->cycle_time - on_duration;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_digital_out,
           "config_digital_out oid=%c pin=%u value=%c default_value=%c max_duration=%u");
void command_config_digital_out(uint32_t* args) {
  GpioOut pin = gpio_out_setup(args[1], args[2] ? 1 : 0);
  DigitalOut* d =
      oid_alloc_t<DigitalOut>(static_cast<uint8_t>(args[0]), command_config_digital_out);
  d->pin = pin;
  d->flags = static_cast<uint8_t>((args[2] ? DF_ON : 0) | (args[3] ? DF_DEFAULT_ON : 0));
  d->max_duration = args[4];
  move_queue_setup(&d->mq, sizeof(DigitalMove));
}

FW_COMMAND(command_set_digital_out_pwm_cycle, "set_digital_out_pwm_cycle oid=%c cycle_ticks=%u");
void command_set_digital_out_pwm_cycle(uint32_t* args) {
  DigitalOut* d =
      oid_lookup_t<DigitalOut>(static_cast<uint8_t>(args[0]), command_config_digital_out);
  irq_disable();
  if (!move_queue_empty(&d->mq))
    fw_shutdown("Can not set soft pwm cycle ticks while updates pending");
  d->cycle_time = args[1];
  irq_enable();
}

FW_COMMAND(command_queue_digital_out, "queue_digital_out oid=%c clock=%u on_ticks=%u");
void command_queue_digital_out(uint32_t* args) {
  DigitalOut* d =
      oid_lookup_t<DigitalOut>(static_cast<uint8_t>(args[0]), command_config_digital_out);
  DigitalMove* m = static_cast<DigitalMove*>(move_alloc());
  uint32_t time = m->waketime = args[1];
  m->on_duration = args[2];

  irq_disable();
  if (!move_queue_push(&m->node, &d->mq)) {
    irq_enable();
    return;
  }
  uint8_t flags = d->flags;
  if ((flags & DF_CHECK_END) && timer_is_before(d->end_time, time))
    fw_shutdown("Scheduled digital out event will exceed max_duration");
  d->end_time = time;
  d->flags = flags | DF_CHECK_END;
  if (!((flags & DF_TOGGLING) && timer_is_before(d->timer.waketime, time))) {
    // Not pwm-toggling up to that time: load the update at its clock (a toggling pin picks
    // it up by itself at end_time).
    sched_del_timer(&d->timer);
    d->timer.waketime = time;
    d->timer.func = digital_load_event;
    sched_add_timer(&d->timer);
  }
  irq_enable();
}

FW_COMMAND(command_update_digital_out, "update_digital_out oid=%c value=%c");
void command_update_digital_out(uint32_t* args) {
  DigitalOut* d =
      oid_lookup_t<DigitalOut>(static_cast<uint8_t>(args[0]), command_config_digital_out);
  sched_del_timer(&d->timer);
  if (!move_queue_empty(&d->mq)) fw_shutdown("update_digital_out not valid with active queue");
  uint8_t flags = d->flags, on_flag = args[1] ? DF_ON : 0;
  gpio_out_write(d->pin, on_flag);
  if (!on_flag != !(flags & DF_DEFAULT_ON) && d->max_duration) {
    // Off the default: the watchdog fires unless an update comes in time.
    d->timer.waketime = d->end_time = timer_read_time() + d->max_duration;
    d->timer.func = digital_load_event;
    d->flags = static_cast<uint8_t>((flags & DF_DEFAULT_ON) | on_flag | DF_CHECK_END);
    sched_add_timer(&d->timer);
  } else {
    d->flags = static_cast<uint8_t>((flags & DF_DEFAULT_ON) | on_flag);
  }
}

FW_SHUTDOWN(digital_out_shutdown);
void digital_out_shutdown() {
  uint8_t i;
  DigitalOut* d;
  FW_FOREACH_OID(i, d, DigitalOut, command_config_digital_out) {
    gpio_out_write(d->pin, (d->flags & DF_DEFAULT_ON) ? 1 : 0);
    d->flags = (d->flags & DF_DEFAULT_ON) ? DF_ON | DF_DEFAULT_ON : 0;
    move_queue_clear(&d->mq);
  }
}

FW_COMMAND(command_set_digital_out, "set_digital_out pin=%u value=%c");
void command_set_digital_out(uint32_t* args) {
  gpio_out_setup(args[0], args[1] ? 1 : 0);
}

}  // namespace fw
