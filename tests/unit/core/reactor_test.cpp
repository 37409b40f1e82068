// Reactor: timers, pausing fibers, completions, mutex hand-off, virtual time, async callbacks.
#include "core/reactor.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kpp {
namespace {

TEST(Reactor, TimersFireInOrderOfWaketime) {
  Reactor r(make_virtual_time_source(10.));
  std::vector<int> order;
  r.register_timer([&](double) { order.push_back(2); return Reactor::kNever; }, 12.);
  r.register_timer([&](double) { order.push_back(1); return Reactor::kNever; }, 11.);
  r.register_timer([&](double) { r.end(); return Reactor::kNever; }, 13.);
  r.run();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_DOUBLE_EQ(r.monotonic(), 13.);
}

TEST(Reactor, RepeatingTimerUsesReturnedWaketime) {
  Reactor r(make_virtual_time_source(0.));
  int count = 0;
  r.register_timer([&](double t) {
    if (++count == 5) r.end();
    return t + 0.5;
  }, 1.);
  r.run();
  EXPECT_EQ(count, 5);
  EXPECT_DOUBLE_EQ(r.monotonic(), 3.);
}

TEST(Reactor, PauseLetsOtherWorkRun) {
  Reactor r(make_virtual_time_source(0.));
  std::vector<std::string> log;
  r.register_callback([&](double) {
    log.push_back("a-start");
    double t = r.pause(5.);
    log.push_back("a-end@" + std::to_string(static_cast<int>(t)));
  });
  r.register_callback([&](double) {
    log.push_back("b-start");
    r.pause(2.);
    log.push_back("b-end");
  });
  r.register_callback([&](double) { r.end(); }, 10.);
  r.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a-start", "b-start", "b-end", "a-end@5"}));
}

TEST(Reactor, NestedPausesUnwindInAnyOrder) {
  Reactor r(make_virtual_time_source(0.));
  int done = 0;
  for (int i = 0; i < 20; i++) {
    r.register_callback([&, i](double) {
      r.pause(1. + (i * 7 % 20) * 0.1);
      r.pause(5. - (i % 3));
      done++;
    });
  }
  r.register_callback([&](double) { r.end(); }, 20.);
  r.run();
  EXPECT_EQ(done, 20);
}

TEST(Reactor, CompletionWakesWaiterEarly) {
  Reactor r(make_virtual_time_source(0.));
  Completion<int> c(r);
  std::optional<int> got;
  double when = -1;
  r.register_callback([&](double) {
    got = c.wait(100.);
    when = r.monotonic();
  });
  r.register_callback([&](double) { c.complete(42); }, 3.);
  r.register_callback([&](double) { r.end(); }, 50.);
  r.run();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, 42);
  EXPECT_DOUBLE_EQ(when, 3.);
}

TEST(Reactor, CompletionTimesOut) {
  Reactor r(make_virtual_time_source(0.));
  Completion<int> c(r);
  std::optional<int> got = 7;
  r.register_callback([&](double) {
    got = c.wait(4.);
    r.end();
  });
  r.run();
  EXPECT_FALSE(got.has_value());
  EXPECT_DOUBLE_EQ(r.monotonic(), 4.);
}

TEST(Reactor, MutexSerialisesHoldersAcrossPauses) {
  Reactor r(make_virtual_time_source(0.));
  ReactorMutex m(r);
  std::vector<std::string> log;
  for (int i = 0; i < 3; i++) {
    r.register_callback([&, i](double) {
      ReactorLock lock(m);
      log.push_back("in" + std::to_string(i));
      r.pause(r.monotonic() + 1.);
      log.push_back("out" + std::to_string(i));
    });
  }
  r.register_callback([&](double) { r.end(); }, 10.);
  r.run();
  EXPECT_EQ(log, (std::vector<std::string>{"in0", "out0", "in1", "out1", "in2", "out2"}));
  EXPECT_FALSE(m.test());
}

TEST(Reactor, UnregisterTimerInsideItsOwnCallback) {
  Reactor r(make_virtual_time_source(0.));
  int calls = 0;
  Reactor::Timer* t = nullptr;
  t = r.register_timer([&](double now) {
    calls++;
    r.unregister_timer(t);
    return now + 1.;
  }, 1.);
  r.register_callback([&](double) { r.end(); }, 5.);
  r.run();
  EXPECT_EQ(calls, 1);
}

TEST(Reactor, AsyncCallbackFromAnotherThread) {
  Reactor r;  // real time: the other thread must wake the loop through the eventfd
  bool ran = false;
  std::thread th([&] { r.register_async_callback([&](double) { ran = true; r.end(); }); });
  r.register_callback([&](double) { r.end(); }, r.monotonic() + 5.);
  r.run();
  th.join();
  EXPECT_TRUE(ran);
}

TEST(Reactor, PauseOutsideLoopSleeps) {
  Reactor r(make_virtual_time_source(1.));
  EXPECT_DOUBLE_EQ(r.pause(3.), 3.);
}

TEST(Reactor, CloseFibersUnwindsPausedHandlers) {
  struct Guard {
    bool* flag;
    ~Guard() { *flag = true; }
  };
  bool unwound = false;
  {
    Reactor r(make_virtual_time_source(0.));
    r.register_callback([&](double) {
      Guard g{&unwound};
      r.pause(Reactor::kNever);
    });
    r.register_callback([&](double) { r.end(); }, 1.);
    r.run();
    EXPECT_FALSE(unwound);
    r.close_fibers();
    EXPECT_TRUE(unwound);
  }
}

}  // namespace
}  // namespace kpp
