// Push buttons and rotary encoders of a display (config_buttons, buttons_add, buttons_query,
// buttons_ack): up to 8 pins sampled every rest_ticks; a change that holds for two samples in a
// row is queued and reported in buttons_state until the host acknowledges it, resent after
// retransmit_count samples without an acknowledgement. Reports carry raw pin levels; `invert`
// of buttons_query is the level of the idle buttons, where the debouncing starts (as Klipper's
// MCU does: its host applies the inversion).
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

namespace {

constexpr uint8_t kMaxButtons = 8;
// retransmit_state: a countdown while a report waits for its ack, or one of these.
enum : uint8_t { BS_NO_RETRANSMIT = 0x80, BS_PENDING = 0xff, BS_ACKED = 0xfe };

struct Buttons {
  Timer timer;
  uint32_t rest_ticks;
  uint8_t pressed, last_sample;
  uint8_t report_count, reports[8];
  uint8_t ack_count, retransmit_state, retransmit_count;
  uint8_t button_count;
  GpioIn pins[kMaxButtons];
};

TaskWake g_buttons_wake;

uint_fast8_t buttons_event(Timer* t) {
  Buttons* b = reinterpret_cast<Buttons*>(t);
  uint8_t status = 0;
  for (uint8_t i = 0; i < b->button_count; i++)
    if (gpio_in_read(b->pins[i])) status = static_cast<uint8_t>(status | (1 << i));
  uint8_t changed = status ^ b->pressed;
  // A bit counts once it reads the same in this sample and the previous one (debouncing).
  uint8_t stable = static_cast<uint8_t>(~(status ^ b->last_sample));
  if (changed & stable) {
    b->pressed = static_cast<uint8_t>((b->pressed & ~stable) | (status & stable));
    if (b->report_count < sizeof(b->reports)) {
      b->reports[b->report_count++] = b->pressed;
      b->retransmit_state = BS_PENDING;
      sched_wake_task(&g_buttons_wake);
    }
  }
  b->last_sample = status;
  uint8_t rs = b->retransmit_state;
  if (!(rs & BS_NO_RETRANSMIT)) {
    rs--;
    if (rs & BS_NO_RETRANSMIT) {
      rs = BS_PENDING;  // no ack in time: send again
      sched_wake_task(&g_buttons_wake);
    }
    b->retransmit_state = rs;
  }
  b->timer.waketime += b->rest_ticks;
  return SF_RESCHEDULE;
}

}  // namespace

FW_COMMAND(command_config_buttons, "config_buttons oid=%c button_count=%c");
void command_config_buttons(uint32_t* args) {
  if (args[1] > kMaxButtons) fw_shutdown("Max of 8 buttons");
  Buttons* b = oid_alloc_t<Buttons>(static_cast<uint8_t>(args[0]), command_config_buttons);
  b->button_count = static_cast<uint8_t>(args[1]);
  b->timer.func = buttons_event;
  b->retransmit_state = BS_ACKED;
}

FW_COMMAND(command_buttons_add, "buttons_add oid=%c pos=%c pin=%u pull_up=%c");
void command_buttons_add(uint32_t* args) {
  Buttons* b = oid_lookup_t<Buttons>(static_cast<uint8_t>(args[0]), command_config_buttons);
  if (args[1] >= b->button_count) fw_shutdown("Set button past maximum button count");
  b->pins[args[1]] = gpio_in_setup(args[2], static_cast<int8_t>(args[3]));
}

FW_COMMAND(command_buttons_query,
           "buttons_query oid=%c clock=%u rest_ticks=%u retransmit_count=%c invert=%c");
void command_buttons_query(uint32_t* args) {
  Buttons* b = oid_lookup_t<Buttons>(static_cast<uint8_t>(args[0]), command_config_buttons);
  sched_del_timer(&b->timer);
  b->timer.waketime = args[1];
  b->rest_ticks = args[2];
  b->ack_count = b->report_count = 0;
  b->retransmit_state = BS_ACKED;
  b->retransmit_count = static_cast<uint8_t>(args[3]);
  b->pressed = b->last_sample = static_cast<uint8_t>(args[4]);
  if (b->retransmit_count >= BS_NO_RETRANSMIT) fw_shutdown("Invalid buttons retransmit count");
  if (!b->rest_ticks) return;
  sched_add_timer(&b->timer);
}

FW_COMMAND(command_buttons_ack, "buttons_ack oid=%c count=%c");
void command_buttons_ack(uint32_t* args) {
  Buttons* b = oid_lookup_t<Buttons>(static_cast<uint8_t>(args[0]), command_config_buttons);
  uint8_t count = static_cast<uint8_t>(args[1]);
  b->ack_count = static_cast<uint8_t>(b->ack_count + count);
  irq_disable();
  if (count >= b->report_count) {
    b->report_count = 0;
    b->retransmit_state = BS_ACKED;
  } else {
    uint8_t left = static_cast<uint8_t>(b->report_count - count);
    for (uint8_t i = 0; i < left; i++) b->reports[i] = b->reports[i + count];
    b->report_count = left;
  }
  irq_enable();
}

FW_TASK(buttons_task);
void buttons_task() {
  if (!sched_check_wake(&g_buttons_wake)) return;
  uint8_t oid;
  Buttons* b;
  FW_FOREACH_OID(oid, b, Buttons, command_config_buttons) {
    if (b->retransmit_state != BS_PENDING) continue;
    irq_disable();
    uint8_t count = b->report_count;
    if (!count) {
      irq_enable();
      continue;
    }
    uint8_t reports[8];
    for (uint8_t i = 0; i < count; i++) reports[i] = b->reports[i];
    b->retransmit_state = b->retransmit_count;
    irq_enable();
    FW_RESPONSE(resp_buttons_state, "buttons_state oid=%c ack_count=%c state=%*s");
    fw_sendf(resp_buttons_state, oid, b->ack_count, Bytes{reports, count});
  }
}

}  // namespace fw
