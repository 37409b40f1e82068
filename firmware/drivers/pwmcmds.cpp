// Hardware PWM outputs with scheduled duty changes and the max_duration watchdog
// (config_pwm_out, queue_pwm_out, set_pwm_out).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

struct PwmOut {
  Timer timer;
  GpioPwm pin;
  uint32_t max_duration;
  uint16_t default_value;
  MoveQueueHead mq;
};

struct PwmMove {
  MoveNode node;
  uint32_t waketime;
  uint16_t value;
};

uint_fast8_t pwm_end_event(Timer*) {
  fw_shutdown("Missed scheduling of next hard pwm event");
}

uint_fast8_t pwm_event(Timer* timer) {
  PwmOut* p = reinterpret_cast<PwmOut*>(timer);
  PwmMove* m = reinterpret_cast<PwmMove*>(move_queue_pop(&p->mq));
  uint16_t value = m->value;
  gpio_pwm_write(p->pin, value);
  move_free(m);
  if (move_queue_empty(&p->mq)) {
    if (value == p->default_value || !p->max_duration) return SF_DONE;
    // Off the default with nothing queued: the watchdog.
    p->timer.waketime += p->max_duration;
    p->timer.func = pwm_end_event;
    return SF_RESCHEDULE;
  }
  uint32_t wake = reinterpret_cast<PwmMove*>(move_queue_first(&p->mq))->waketime;
  if (value != p->default_value && p->max_duration &&
      timer_is_before(p->timer.waketime + p->max_duration, wake))
    fw_shutdown("Scheduled pwm event will exceed max_duration");
  p->timer.waketime = wake;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_pwm_out,
           "config_pwm_out oid=%c pin=%u cycle_ticks=%u value=%hu default_value=%hu "
           "max_duration=%u");
void command_config_pwm_out(uint32_t* args) {
  GpioPwm pin = gpio_pwm_setup(args[1], args[2], args[3]);
  PwmOut* p = oid_alloc_t<PwmOut>(static_cast<uint8_t>(args[0]), command_config_pwm_out);
  p->pin = pin;
  p->default_value = static_cast<uint16_t>(args[4]);
  p->max_duration = args[5];
  p->timer.func = pwm_event;
  move_queue_setup(&p->mq, sizeof(PwmMove));
}

FW_COMMAND(command_queue_pwm_out, "queue_pwm_out oid=%c clock=%u value=%hu");
void command_queue_pwm_out(uint32_t* args) {
  PwmOut* p = oid_lookup_t<PwmOut>(static_cast<uint8_t>(args[0]), command_config_pwm_out);
  PwmMove* m = static_cast<PwmMove*>(move_alloc());
  m->waketime = args[1];
  m->value = static_cast<uint16_t>(args[2]);
  irq_disable();
  bool first = move_queue_push(&m->node, &p->mq);
  irq_enable();
  if (!first) return;
  sched_del_timer(&p->timer);
  if (p->timer.func == pwm_end_event && timer_is_before(p->timer.waketime, m->waketime))
    fw_shutdown("Scheduled pwm event will exceed max_duration");
  p->timer.func = pwm_event;
  p->timer.waketime = m->waketime;
  sched_add_timer(&p->timer);
}

FW_SHUTDOWN(pwm_shutdown);
void pwm_shutdown() {
  uint8_t i;
  PwmOut* p;
  FW_FOREACH_OID(i, p, PwmOut, command_config_pwm_out) {
    gpio_pwm_write(p->pin, p->default_value);
    p->timer.func = pwm_event;
    move_queue_clear(&p->mq);
  }
}

FW_COMMAND(command_set_pwm_out, "set_pwm_out pin=%u cycle_ticks=%u value=%hu");
void command_set_pwm_out(uint32_t* args) {
  gpio_pwm_setup(args[0], args[1], args[2]);
}

}  // namespace fw
