// The scheduler on its own: ordering of timers, rescheduling, deleting the first timer, the
// "Timer too close" and lateness checks.
#include <gtest/gtest.h>

#include <vector>

#include "core/sched.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::SimLink;

namespace {

struct Recorded {
  fw::Timer timer;
  int id;
  int repeats;
  uint32_t period;
};

std::vector<std::pair<int, uint64_t>> g_runs;

uint_fast8_t record_event(fw::Timer* t) {
  Recorded* r = reinterpret_cast<Recorded*>(t);
  g_runs.emplace_back(r->id, fw::sim::now());
  if (--r->repeats <= 0) return fw::SF_DONE;
  r->timer.waketime += r->period;
  return fw::SF_RESCHEDULE;
}

Recorded make(int id, uint32_t waketime, int repeats = 1, uint32_t period = 0) {
  Recorded r{};
  r.timer.waketime = waketime;
  r.timer.func = record_event;
  r.id = id;
  r.repeats = repeats;
  r.period = period;
  return r;
}

TEST(FirmwareSched, TimersRunInWaketimeOrderAtTheirTime) {
  SimLink link;
  g_runs.clear();
  uint32_t base = static_cast<uint32_t>(link.now()) + 10000;
  Recorded a = make(1, base + 300), b = make(2, base + 100), c = make(3, base + 200);
  fw::sched_add_timer(&a.timer);
  fw::sched_add_timer(&b.timer);
  fw::sched_add_timer(&c.timer);
  link.run_until(base + 1000);
  ASSERT_EQ(g_runs.size(), 3u);
  EXPECT_EQ(g_runs[0], std::make_pair(2, uint64_t{base + 100}));
  EXPECT_EQ(g_runs[1], std::make_pair(3, uint64_t{base + 200}));
  EXPECT_EQ(g_runs[2], std::make_pair(1, uint64_t{base + 300}));
}

TEST(FirmwareSched, RescheduledTimersInterleave) {
  SimLink link;
  g_runs.clear();
  uint32_t base = static_cast<uint32_t>(link.now()) + 1000;
  Recorded a = make(1, base, 4, 300), b = make(2, base + 100, 3, 400);
  fw::sched_add_timer(&a.timer);
  fw::sched_add_timer(&b.timer);
  link.run_until(base + 5000);
  std::vector<std::pair<int, uint64_t>> want = {{1, base},       {2, base + 100}, {1, base + 300},
                                                {2, base + 500}, {1, base + 600}, {2, base + 900},
                                                {1, base + 900}};
  EXPECT_EQ(g_runs, want);
}

TEST(FirmwareSched, DeletingTheFirstTimer) {
  SimLink link;
  g_runs.clear();
  uint32_t base = static_cast<uint32_t>(link.now()) + 1000;
  Recorded a = make(1, base), b = make(2, base + 50);
  fw::sched_add_timer(&a.timer);
  fw::sched_add_timer(&b.timer);
  fw::sched_del_timer(&a.timer);
  link.run_until(base + 100);
  ASSERT_EQ(g_runs.size(), 1u);
  EXPECT_EQ(g_runs[0].first, 2);
}

TEST(FirmwareSched, WrappingClock) {
  SimLink link(0xfffff000ull);
  g_runs.clear();
  Recorded a = make(1, 0x00000100u), b = make(2, 0xffffff80u);
  fw::sched_add_timer(&a.timer);
  fw::sched_add_timer(&b.timer);
  link.run_until(0x100000200ull);
  ASSERT_EQ(g_runs.size(), 2u);
  EXPECT_EQ(g_runs[0], std::make_pair(2, uint64_t{0xffffff80u}));
  EXPECT_EQ(g_runs[1], std::make_pair(1, uint64_t{0x100000100ull}));
}

TEST(FirmwareSched, TimerInThePastIsTooClose) {
  SimLink link(100000);
  link.run_until(200000);
  // A command that schedules before "now": the digital out update at a past clock.
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PA1 value=0 default_value=0 max_duration=0",
             "finalize_config crc=0", "queue_digital_out oid=0 clock=150000 on_ticks=1"});
  auto msgs = link.run_for(1000);
  bool shut = false;
  for (const Msg& m : msgs)
    if (m.name == "shutdown") {
      shut = true;
      EXPECT_EQ(link.static_string(static_cast<int>(m["static_string_id"])), "Timer too close");
    }
  EXPECT_TRUE(shut);
}

}  // namespace
