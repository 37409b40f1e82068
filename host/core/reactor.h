// The host's event loop: timers, file descriptors and fibers on one thread (ARCHITECTURE.md §3).
//
// Handlers are written as straight-line code: one that must wait (for a time, an MCU reply, a
// heater) calls pause() or waits on a Completion, and the loop keeps serving other work in the
// meantime. Only the reactor thread touches printer state; other threads hand work over with
// register_async_callback().
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <deque>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/context/fiber.hpp>

namespace kpp {

// Where the reactor gets its time and how it sleeps. Real time sleeps in epoll; virtual time
// jumps straight to the next timer when no file descriptor is ready, so host and simulator can
// run together faster than real time.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual double monotonic() = 0;
  // Wait for events on `epfd` until monotonic time `until` at the latest.
  virtual int wait(int epfd, epoll_event* events, int max_events, double until) = 0;
  // Block the thread until `until` (used outside the loop, e.g. during start-up).
  virtual void sleep_until(double until) = 0;
  // True when time only moves when the loop is idle (nothing may wait for real time then).
  virtual bool is_virtual() const { return false; }
};

std::unique_ptr<TimeSource> make_real_time_source();
// Virtual time starting at `start`. Time only moves when every fd is idle.
std::unique_ptr<TimeSource> make_virtual_time_source(double start = 1.0);

class Reactor {
 public:
  static constexpr double kNow = 0.;
  static constexpr double kNever = 9999999999999999.;

  using TimerCallback = std::function<double(double eventtime)>;
  using Callback = std::function<void(double eventtime)>;

  struct Timer;
  struct Fd;
  // A handle a paused fiber leaves behind so that something else can wake it early.
  struct Waiter {
    Timer* timer = nullptr;
  };

  explicit Reactor(std::unique_ptr<TimeSource> time = make_real_time_source());
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  double monotonic() { return time_->monotonic(); }
  bool is_virtual_time() const { return virtual_time_; }

  // A timer calls `cb` at `waketime`; the callback returns its next waketime (kNever to stop).
  Timer* register_timer(TimerCallback cb, double waketime = kNever);
  void update_timer(Timer* timer, double waketime);
  void unregister_timer(Timer* timer);

  // Run `cb` once at `waketime` (kNow: as soon as the loop runs).
  void register_callback(Callback cb, double waketime = kNow);
  // Thread-safe: run `cb` on the reactor thread as soon as possible.
  void register_async_callback(Callback cb);

  // File descriptors: callbacks run when `fd` is readable / writable.
  Fd* register_fd(int fd, Callback read_cb, Callback write_cb = {});
  void unregister_fd(Fd* handle);
  void set_fd_wake(Fd* handle, bool is_readable, bool is_writable);

  // Suspend the calling handler until `waketime` (or an earlier wake()); returns the time.
  // Outside the loop (before run()) this simply sleeps.
  double pause(double waketime);
  double pause(double waketime, Waiter* waiter);
  void wake(Waiter* waiter);
  bool in_loop() const { return running_fiber_; }

  // Called with an exception that escaped a timer or fd callback (the loop keeps running).
  void set_exception_handler(std::function<void(const std::exception&)> handler) {
    exception_handler_ = std::move(handler);
  }

  void run();
  void end();
  bool is_running() const { return !must_exit_; }
  // Unwind handlers still suspended in pause(); the owner calls this before destroying the
  // objects those handlers use.
  void close_fibers();

 private:
  using Fiber = boost::context::fiber;

  void loop();
  double check_timers(double eventtime, bool busy);
  void switch_to(Fiber& target, Fiber* save_current);
  Fiber take_loop_fiber();
  void drain_async(double eventtime);
  void report_exception(const std::exception& e);

  std::unique_ptr<TimeSource> time_;
  bool virtual_time_ = false;
  int epoll_fd_ = -1;
  int async_event_fd_ = -1;

  std::vector<std::unique_ptr<Timer>> timers_;
  size_t dead_timers_ = 0;
  double next_timer_ = kNever;
  uint64_t loop_epoch_ = 0;  // bumped whenever the loop moves to another fiber
  std::unordered_map<int, std::unique_ptr<Fd>> fds_;
  // Regular files cannot be watched by epoll; like poll(), treat them as always ready.
  std::vector<int> always_ready_fds_;

  std::mutex async_lock_;
  std::vector<Callback> async_queue_;

  std::function<void(const std::exception&)> exception_handler_;
  bool must_exit_ = false;
  bool running_fiber_ = false;
  Fiber thread_ctx_;               // where run() returns to
  std::vector<Fiber> spare_fibers_;  // parked loop fibers, ready to take over the loop
  std::list<Fiber> paused_fibers_;   // fibers suspended in pause()
};

// A one-shot result that fibers can wait for (Klipper's completion).
template <class T>
class Completion {
 public:
  explicit Completion(Reactor& reactor) : reactor_(reactor) {}
  void complete(T value) {
    if (result_) return;
    result_ = std::move(value);
    for (auto* w : waiters_) reactor_.wake(w);
  }
  bool test() const { return result_.has_value(); }
  const std::optional<T>& result() const { return result_; }
  // Wait until completed or until `waketime`; returns the result or nullopt on timeout.
  std::optional<T> wait(double waketime = Reactor::kNever) {
    while (!result_) {
      Reactor::Waiter w;
      waiters_.push_back(&w);
      double now = reactor_.pause(waketime, &w);
      std::erase(waiters_, &w);
      if (now >= waketime) break;
    }
    return result_;
  }

 private:
  Reactor& reactor_;
  std::optional<T> result_;
  std::vector<Reactor::Waiter*> waiters_;
};

// A lock held across pauses (Klipper's ReactorMutex), e.g. the G-code mutex.
class ReactorMutex {
 public:
  explicit ReactorMutex(Reactor& reactor) : reactor_(reactor) {}
  bool test() const { return locked_; }
  void lock();
  void unlock();

 private:
  Reactor& reactor_;
  bool locked_ = false;
  std::deque<Reactor::Waiter*> queue_;
};

// Scoped holder for ReactorMutex.
class ReactorLock {
 public:
  explicit ReactorLock(ReactorMutex& m) : m_(m) { m_.lock(); }
  ~ReactorLock() { m_.unlock(); }
  ReactorLock(const ReactorLock&) = delete;
  ReactorLock& operator=(const ReactorLock&) = delete;

 private:
  ReactorMutex& m_;
};

}  // namespace kpp
