// Timers, tasks and shutdown handling.
//
// Timers live in one singly linked list sorted by waketime. Two scheduler timers make the list
// code branch-free: `periodic` runs every 100 ms (it wakes the tasks so statistics get sent),
// and `sentinel` always sits last with a waketime half the clock range after periodic's, so any
// legitimately added timer sorts before it and the walk never meets a null pointer.
#include "core/sched.h"

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"

namespace fw {

using sched_list::g_timer_list;
using sched_list::insert_after;

namespace {

uint_fast8_t periodic_event(Timer* t);
uint_fast8_t sentinel_event(Timer* t);
uint_fast8_t deleted_event(Timer* t);

Timer g_sentinel = {nullptr, 0x80000000u, sentinel_event};
Timer g_periodic = {&g_sentinel, 0, periodic_event};
// Stands in for a deleted first timer, so the board's pending interrupt still finds a timer
// with the expected waketime at the head of the list.
Timer g_deleted = {nullptr, 0, deleted_event};

uint_fast8_t periodic_event(Timer*) {
  sched_wake_tasks();
  g_periodic.waketime += timer_from_us(100000);
  g_sentinel.waketime = g_periodic.waketime + 0x80000000u;
  return SF_RESCHEDULE;
}

uint_fast8_t sentinel_event(Timer*) {
  fw_shutdown("sentinel timer called");
}

uint_fast8_t deleted_event(Timer*) {
  return SF_DONE;
}

}  // namespace

Timer* sched_list::g_timer_list = &g_periodic;

void sched_add_timer(Timer* add) {
  uint32_t waketime = add->waketime;
  irqstatus_t flag = irq_save();
  Timer* tl = g_timer_list;
  if (fw_unlikely(timer_is_before(waketime, tl->waketime))) {
    // New first timer: put it behind g_deleted so a dispatch already under way is not confused
    // and the hardware timer gets reprogrammed.
    if (timer_is_before(waketime, timer_read_time())) fw_try_shutdown("Timer too close");
    add->next = (tl == &g_deleted) ? g_deleted.next : tl;
    g_deleted.waketime = waketime;
    g_deleted.next = add;
    g_timer_list = &g_deleted;
    timer_kick();
  } else {
    insert_after(tl, add, waketime);
  }
  irq_restore(flag);
}

void sched_insert_timer(Timer* t) {
  uint32_t waketime = t->waketime;
  Timer* tl = g_timer_list;
  if (timer_is_before(waketime, tl->waketime)) {
    t->next = tl;
    g_timer_list = t;
  } else {
    insert_after(tl, t, waketime);
  }
}

void sched_del_timer(Timer* del) {
  irqstatus_t flag = irq_save();
  if (g_timer_list == del) {
    g_deleted.waketime = del->waketime;
    g_deleted.next = del->next;
    g_timer_list = &g_deleted;
  } else {
    for (Timer* pos = g_timer_list; pos->next; pos = pos->next) {
      if (pos->next == del) {
        pos->next = del->next;
        break;
      }
    }
  }
  irq_restore(flag);
}

uint32_t sched_timer_dispatch() {
  Timer* t = g_timer_list;
  uint_fast8_t res = t->func(t);
  uint32_t updated = t->waketime;
  Timer* next = t->next;
  if (fw_unlikely(res == SF_DONE)) {
    g_timer_list = next;
    return next->waketime;
  }
  if (!timer_is_before(updated, next->waketime)) {
    g_timer_list = next;
    insert_after(next, t, updated);
    return next->waketime;
  }
  return updated;
}

uint32_t sched_next_waketime() {
  return g_timer_list->waketime;
}

void sched_timer_reset() {
  g_timer_list = &g_deleted;
  g_deleted.waketime = g_periodic.waketime;
  g_deleted.next = &g_periodic;
  g_periodic.next = &g_sentinel;
  timer_kick();
}

// ---- tasks ----

namespace {
enum : int8_t { TS_IDLE = -1, TS_REQUESTED = 0, TS_RUNNING = 1 };
volatile int8_t g_tasks_status = TS_REQUESTED;
}  // namespace

void sched_wake_tasks() {
  g_tasks_status = TS_REQUESTED;
}

bool sched_tasks_busy() {
  return g_tasks_status >= TS_REQUESTED;
}

void sched_wake_task(TaskWake* w) {
  sched_wake_tasks();
  w->wake = 1;
}

bool sched_check_wake(TaskWake* w) {
  if (!w->wake) return false;
  w->wake = 0;
  return true;
}

bool sched_run_tasks_pass() {
  if (g_tasks_status != TS_REQUESTED) return false;
  g_tasks_status = TS_RUNNING;
  run_task_functions();
  return true;
}

// ---- shutdown ----

jmp_buf g_shutdown_jmp;

namespace {
uint8_t g_shutdown_status;  // 0 running, 1 shut down, 2 running the shutdown handlers
uint32_t g_shutdown_reason;
}  // namespace

bool sched_is_shutdown() {
  return g_shutdown_status != 0;
}

void sched_clear_shutdown() {
  if (!g_shutdown_status) fw_shutdown("Shutdown cleared when not shutdown");
  if (g_shutdown_status == 2) return;
  g_shutdown_status = 0;
}

void sched_shutdown(uint32_t reason_hash) {
  irq_disable();
  if (!g_shutdown_status) g_shutdown_reason = reason_hash;
  board_shutdown_unwind();
}

void sched_try_shutdown(uint32_t reason_hash) {
  if (!g_shutdown_status) sched_shutdown(reason_hash);
}

void sched_run_shutdown() {
  irq_disable();
  uint32_t cur = timer_read_time();
  g_shutdown_status = 2;
  sched_timer_reset();
  run_shutdown_functions();
  g_shutdown_status = 1;
  irq_enable();
  FW_RESPONSE(resp_shutdown, "shutdown clock=%u static_string_id=%hu");
  fw_sendf(resp_shutdown, cur, static_string_id(g_shutdown_reason));
}

void sched_report_shutdown() {
  FW_RESPONSE(resp_is_shutdown, "is_shutdown static_string_id=%hu");
  fw_sendf(resp_is_shutdown, static_string_id(g_shutdown_reason));
}

// ---- reset, start-up and main loop ----

void firmware_reset(bool keep_link) {
  irq_disable();
  g_shutdown_status = 0;
  g_shutdown_reason = 0;
  g_tasks_status = TS_REQUESTED;
  g_periodic.waketime = timer_read_time() + timer_from_us(100000);
  g_sentinel.waketime = g_periodic.waketime + 0x80000000u;
  sched_timer_reset();
  basecmd_reset();
  if (!keep_link) command_reset_link();
  irq_enable();
}

void sched_startup() {
  run_init_functions();
  FW_RESPONSE(resp_starting, "starting");
  fw_sendf(resp_starting);
}

void sched_main() {
  sched_startup();
  irq_disable();
  if (setjmp(g_shutdown_jmp)) sched_run_shutdown();
  irq_enable();
  uint32_t start = timer_read_time();
  for (;;) {
    if (g_tasks_status != TS_REQUESTED) {
      start -= timer_read_time();
      irq_disable();
      if (g_tasks_status != TS_REQUESTED) {
        g_tasks_status = TS_IDLE;
        do {
          irq_wait();
        } while (g_tasks_status != TS_REQUESTED);
      }
      irq_enable();
      start += timer_read_time();
    }
    g_tasks_status = TS_RUNNING;
    run_task_functions();
    uint32_t cur = timer_read_time();
    stats_update(start, cur);
    start = cur;
  }
}

}  // namespace fw
