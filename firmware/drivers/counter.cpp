// Pulse counters (config_counter, query_counter, counter_state), e.g. fan tachometers: the pin is
// polled every poll_ticks and every change of level (both edges) counts; every sample_ticks the
// host gets the count and the clock of the last change. The count's parity follows the pin
// level, as the host's frequency calculation assumes.
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

struct Counter {
  Timer timer;
  uint32_t poll_ticks, sample_ticks, next_sample_time;
  uint32_t count, last_count_time;
  GpioIn pin;
  uint8_t pending;
};

TaskWake g_counter_wake;

uint_fast8_t counter_event(Timer* t) {
  Counter* c = reinterpret_cast<Counter*>(t);
  uint32_t time = c->timer.waketime;
  uint8_t value = gpio_in_read(c->pin);
  if (value != (c->count & 1)) {
    c->count++;
    c->last_count_time = time;
  }
  if (timer_is_before(c->next_sample_time, time)) {
    c->pending = 1;
    c->next_sample_time = time + c->sample_ticks;
    sched_wake_task(&g_counter_wake);
  }
  c->timer.waketime += c->poll_ticks;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_counter, "config_counter oid=%c pin=%u pull_up=%c");
void command_config_counter(uint32_t* args) {
  Counter* c = oid_alloc_t<Counter>(static_cast<uint8_t>(args[0]), command_config_counter);
  c->pin = gpio_in_setup(args[1], static_cast<int8_t>(args[2]));
  c->timer.func = counter_event;
}

FW_COMMAND(command_query_counter, "query_counter oid=%c clock=%u poll_ticks=%u sample_ticks=%u");
void command_query_counter(uint32_t* args) {
  Counter* c = oid_lookup_t<Counter>(static_cast<uint8_t>(args[0]), command_config_counter);
  sched_del_timer(&c->timer);
  if (!args[2]) return;
  c->timer.waketime = args[1];
  c->poll_ticks = args[2];
  c->sample_ticks = args[3];
  c->next_sample_time = args[1];
  sched_add_timer(&c->timer);
}

FW_TASK(counter_task);
void counter_task() {
  if (!sched_check_wake(&g_counter_wake)) return;
  uint8_t oid;
  Counter* c;
  FW_FOREACH_OID(oid, c, Counter, command_config_counter) {
    if (!c->pending) continue;
    irq_disable();
    uint32_t next_clock = c->timer.waketime, count = c->count, count_clock = c->last_count_time;
    c->pending = 0;
    irq_enable();
    FW_RESPONSE(resp_counter_state, "counter_state oid=%c next_clock=%u count=%u count_clock=%u");
    fw_sendf(resp_counter_state, oid, next_clock, count, count_clock);
  }
}

}  // namespace fw
