// Step lanes of the AVR board (see avr_lanes.h and avr_timer_isr.S): which stepper gets a lane,
// and the rare events the timer interrupt hands over to C++.
#include "boards/avr/avr_lanes.h"

#include "core/board.h"
#include "core/sched.h"

extern "C" {
fw::avr::Lane fw_lanes[FW_LANES];
uint8_t fw_lane_count;
uint16_t fw_scan_entry;
// Entry points of the interrupt's unrolled scan (assembly labels).
void fw_scan_done();
void fw_scan_one();
void fw_scan_l1();
void fw_scan_l2();
void fw_scan_l3();
}

namespace fw {

FW_CONSTANT("STEPPER_OPTIMIZED_UNSTEP", 40);
FW_CONSTANT("STEPPER_STEP_BOTH_EDGE", 1);

namespace avr {

namespace {

// Largest lateness a lane may have when it is (re)filled; keeps every key comparable.
constexpr int32_t kMaxBehind = 12000;

void set_scan_entry() {
  static void (*const kEntries[FW_LANES + 1])() = {fw_scan_done, fw_scan_one, fw_scan_l1,
                                                   fw_scan_l2, fw_scan_l3};
  fw_scan_entry = reinterpret_cast<uint16_t>(kEntries[fw_lane_count]);
}

Lane* lane_of(Stepper* s) {
  for (uint8_t i = 0; i < fw_lane_count; i++)
    if (fw_lanes[i].s == s) return &fw_lanes[i];
  return nullptr;
}

// A stepper on the inline path whose next step is close, with a short interval.
bool lane_fits(Stepper* s) {
  if (s->time.func != stepper_event_inline || s->interval >= FW_LANE_MAX_INTERVAL) return false;
  int32_t ahead = static_cast<int32_t>(s->time.waketime - timer_read_time());
  return ahead > -kMaxBehind && ahead < FW_LANE_MAX_INTERVAL;
}

void lane_fill(Lane* l, Stepper* s) {
  l->key = static_cast<uint16_t>(s->time.waketime);
  l->wake_hi = static_cast<uint16_t>(s->time.waketime >> 16);
  l->pin = s->step_pin.regs;
  l->bit = s->step_pin.bit;
  l->pulse = s->pulse8;
  l->count = s->count16;
  l->interval = static_cast<uint16_t>(s->interval);
  l->add = s->add;
  l->flags = (s->flags & SF_HAVE_ADD) ? (1 << FW_LANE_F_ADD) : 0;
  l->s = s;
}

// The stepper's own fields from the lane.
void lane_sync(Lane* l) {
  Stepper* s = l->s;
  s->time.waketime = static_cast<uint32_t>(l->wake_hi) << 16 | l->key;
  s->count = l->count;
  s->interval = l->interval;
}

void lane_remove(Lane* l) {
  Lane* last = &fw_lanes[--fw_lane_count];
  if (l != last) *l = *last;
  set_scan_entry();
}

bool lane_try_add(Stepper* s) {
  if (fw_lane_count >= FW_LANES || !lane_fits(s)) return false;
  lane_fill(&fw_lanes[fw_lane_count++], s);
  set_scan_entry();
  return true;
}

// Lower the step pin once the pulse has lasted long enough.
void unstep(GpioRegs* pin, uint8_t bit, uint8_t pulse, uint8_t start) {
  while (static_cast<uint8_t>(TCNT1L - start) < pulse) {
  }
  pin->in = bit;
}

// The inline step event for a stepper in the timer list (pulse width checked).
uint_fast8_t list_step_event(Stepper* s) {
  uint8_t start = TCNT1L;
  gpio_out_toggle_noirq(s->step_pin);
  uint16_t count = static_cast<uint16_t>(s->count16 - 1);
  uint_fast8_t ret = SF_RESCHEDULE;
  if (fw_likely(count)) {
    s->count16 = count;
    s->time.waketime += s->interval;
    if (s->flags & SF_HAVE_ADD) s->interval += static_cast<uint32_t>(static_cast<int32_t>(s->add));
  } else {
    ret = stepper_load_next(s);
  }
  unstep(s->step_pin.regs, s->step_pin.bit, s->pulse8, start);
  return ret;
}

}  // namespace

}  // namespace avr

// Reset with the scheduler (shutdown): the steppers' own shutdown handler has synced them.
FW_SHUTDOWN(lanes_shutdown);
void lanes_shutdown() {
  fw_lane_count = 0;
  avr::set_scan_entry();
}

FW_INIT(lanes_init);
void lanes_init() {
  avr::set_scan_entry();
}

void board_stepper_start(Stepper* s) {
  if (avr::lane_try_add(s)) {
    if (timer_is_before(s->time.waketime, timer_read_time())) fw_try_shutdown("Timer too close");
    timer_kick();
    return;
  }
  sched_add_timer(&s->time);
}

void board_stepper_stop(Stepper* s) {
  avr::Lane* l = avr::lane_of(s);
  if (!l) {
    sched_del_timer(&s->time);
    return;
  }
  avr::lane_sync(l);
  avr::lane_remove(l);
}

void board_stepper_sync(Stepper* s) {
  avr::Lane* l = avr::lane_of(s);
  if (l) avr::lane_sync(l);
}

}  // namespace fw

using fw::avr::Lane;

// The first list timer is due: run it as sched_timer_dispatch() would; an inline stepper whose
// next step is close moves into a lane instead of going back into the list.
extern "C" void fw_avr_run_generic() {
  using fw::sched_list::g_timer_list;
  fw::Timer* t = g_timer_list;
  uint_fast8_t res;
  bool stepper = t->func == fw::stepper_event_inline;
  if (stepper)
    res = fw::avr::list_step_event(reinterpret_cast<fw::Stepper*>(t));
  else
    res = t->func(t);
  fw::Timer* next = t->next;
  if (res == fw::SF_DONE) {
    g_timer_list = next;
    return;
  }
  if (stepper && fw::avr::lane_try_add(reinterpret_cast<fw::Stepper*>(t))) {
    g_timer_list = next;
    return;
  }
  uint32_t waketime = t->waketime;
  if (!fw::timer_is_before(waketime, next->waketime)) {
    g_timer_list = next;
    fw::sched_list::insert_after(next, t, waketime);
  }
}

// A lane finished its move: load the next one (the step pin is still high).
extern "C" void fw_avr_lane_next(Lane* l, uint8_t pulse_start) {
  fw::Stepper* s = l->s;
  fw::avr::lane_sync(l);
  uint_fast8_t res = fw::stepper_load_next(s);
  fw::avr::unstep(l->pin, l->bit, l->pulse, pulse_start);
  if (res == fw::SF_DONE) {
    fw::avr::lane_remove(l);
  } else if (fw::avr::lane_fits(s)) {
    fw::avr::lane_fill(l, s);
  } else {
    fw::avr::lane_remove(l);
    fw::sched_insert_timer(&s->time);
  }
}

// A lane's interval left the lane range: the stepper continues from the timer list.
extern "C" void fw_avr_lane_migrate(Lane* l, uint8_t pulse_start) {
  fw::Stepper* s = l->s;
  fw::avr::lane_sync(l);
  s->interval =
      static_cast<uint32_t>(l->interval) + static_cast<uint32_t>(static_cast<int32_t>(l->add));
  fw::avr::unstep(l->pin, l->bit, l->pulse, pulse_start);
  fw::avr::lane_remove(l);
  fw::sched_insert_timer(&s->time);
}
