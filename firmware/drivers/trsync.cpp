// trsync: the meeting point of endstops and steppers during homing (config_trsync,
// trsync_start, trsync_set_timeout, trsync_trigger; reports trsync_state).
#include "drivers/trsync.h"

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

struct Trsync {
  Timer report_time;
  Timer expire_time;
  uint32_t report_ticks;
  TrsyncSignal* signals;
  uint8_t flags, trigger_reason, expire_reason;
};

namespace {
enum : uint8_t { TSF_CAN_TRIGGER = 1 << 0, TSF_REPORT = 1 << 2 };
TaskWake g_trsync_wake;

uint_fast8_t trsync_expire_event(Timer* t) {
  Trsync* ts = container_of(t, &Trsync::expire_time);
  trsync_do_trigger(ts, ts->expire_reason);
  return SF_DONE;
}

uint_fast8_t trsync_report_event(Timer* t) {
  Trsync* ts = container_of(t, &Trsync::report_time);
  ts->flags |= TSF_REPORT;
  sched_wake_task(&g_trsync_wake);
  ts->report_time.waketime += ts->report_ticks;
  return SF_RESCHEDULE;
}

// Disarm and forget every signal (interrupts disabled).
void trsync_clear(Trsync* ts) {
  sched_del_timer(&ts->report_time);
  sched_del_timer(&ts->expire_time);
  TrsyncSignal* tss = ts->signals;
  while (tss) {
    TrsyncSignal* next = tss->next;
    tss->func = nullptr;
    tss->next = nullptr;
    tss = next;
  }
  ts->signals = nullptr;
  ts->flags = ts->trigger_reason = ts->expire_reason = 0;
}

}  // namespace

static void trsync_report(uint8_t oid, uint8_t flags, uint8_t reason, uint32_t clock) {
  FW_RESPONSE(resp_trsync_state, "trsync_state oid=%c can_trigger=%c trigger_reason=%c clock=%u");
  fw_sendf(resp_trsync_state, oid, static_cast<uint8_t>((flags & TSF_CAN_TRIGGER) ? 1 : 0), reason,
           clock);
}

void trsync_do_trigger(Trsync* ts, uint8_t reason) {
  uint8_t flags = ts->flags;
  if (!(flags & TSF_CAN_TRIGGER)) return;
  ts->trigger_reason = reason;
  ts->flags = static_cast<uint8_t>((flags & ~TSF_CAN_TRIGGER) | TSF_REPORT);
  while (ts->signals) {
    TrsyncSignal* tss = ts->signals;
    TrsyncCallback func = tss->func;
    ts->signals = tss->next;
    tss->next = nullptr;
    tss->func = nullptr;
    func(tss, reason);
  }
  sched_wake_task(&g_trsync_wake);
}

FW_COMMAND(command_config_trsync, "config_trsync oid=%c");
void command_config_trsync(uint32_t* args) {
  Trsync* ts = oid_alloc_t<Trsync>(static_cast<uint8_t>(args[0]), command_config_trsync);
  ts->report_time.func = trsync_report_event;
  ts->expire_time.func = trsync_expire_event;
}

Trsync* trsync_oid_lookup(uint8_t oid) {
  return oid_lookup_t<Trsync>(oid, command_config_trsync);
}

void trsync_add_signal(Trsync* ts, TrsyncSignal* tss, TrsyncCallback func) {
  irqstatus_t flag = irq_save();
  if (tss->func || !func) fw_shutdown("Can't add signal that is already active");
  tss->func = func;
  tss->next = ts->signals;
  ts->signals = tss;
  irq_restore(flag);
}

FW_COMMAND(command_trsync_start,
           "trsync_start oid=%c report_clock=%u report_ticks=%u expire_reason=%c");
void command_trsync_start(uint32_t* args) {
  Trsync* ts = trsync_oid_lookup(static_cast<uint8_t>(args[0]));
  irq_disable();
  trsync_clear(ts);
  ts->flags = TSF_CAN_TRIGGER;
  ts->report_time.waketime = args[1];
  ts->report_ticks = args[2];
  if (ts->report_ticks) sched_add_timer(&ts->report_time);
  ts->expire_reason = static_cast<uint8_t>(args[3]);
  irq_enable();
}

FW_COMMAND(command_trsync_set_timeout, "trsync_set_timeout oid=%c clock=%u");
void command_trsync_set_timeout(uint32_t* args) {
  Trsync* ts = trsync_oid_lookup(static_cast<uint8_t>(args[0]));
  irq_disable();
  if (ts->flags & TSF_CAN_TRIGGER) {
    sched_del_timer(&ts->expire_time);
    ts->expire_time.waketime = args[1];
    sched_add_timer(&ts->expire_time);
  }
  irq_enable();
}

FW_COMMAND(command_trsync_trigger, "trsync_trigger oid=%c reason=%c");
void command_trsync_trigger(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  Trsync* ts = trsync_oid_lookup(oid);
  irq_disable();
  trsync_do_trigger(ts, static_cast<uint8_t>(args[1]));
  sched_del_timer(&ts->report_time);
  sched_del_timer(&ts->expire_time);
  ts->flags = 0;
  uint8_t reason = ts->trigger_reason;
  irq_enable();
  trsync_report(oid, 0, reason, 0);
}

FW_TASK(trsync_task);
void trsync_task() {
  if (!sched_check_wake(&g_trsync_wake)) return;
  uint8_t oid;
  Trsync* ts;
  FW_FOREACH_OID(oid, ts, Trsync, command_config_trsync) {
    if (!(ts->flags & TSF_REPORT)) continue;
    uint32_t time = timer_read_time();
    irq_disable();
    uint8_t reason = ts->trigger_reason, flags = ts->flags;
    ts->flags = static_cast<uint8_t>(flags & ~TSF_REPORT);
    irq_enable();
    trsync_report(oid, flags, reason, time);
  }
}

FW_SHUTDOWN(trsync_shutdown);
void trsync_shutdown() {
  uint8_t oid;
  Trsync* ts;
  FW_FOREACH_OID(oid, ts, Trsync, command_config_trsync) trsync_clear(ts);
}

}  // namespace fw
