// Reactor implementation: the loop runs in a fiber; a handler that pauses keeps its fiber and
// hands the loop over to a spare fiber, so other work goes on while it waits.
#include "core/reactor.h"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <stdexcept>

#include <boost/context/protected_fixedsize_stack.hpp>

#include "core/logging.h"

namespace kpp {

struct Reactor::Timer {
  TimerCallback callback;
  double waketime = kNever;
  bool alive = true;
  bool oneshot = false;  // register_callback(): drop after the first call
  int running = 0;       // callbacks in progress (possibly paused in a fiber)
};

struct Reactor::Fd {
  int fd = -1;
  Callback read_cb;
  Callback write_cb;
  uint32_t events = 0;
};

namespace {

constexpr size_t kFiberStackSize = 512 * 1024;

double timespec_to_double(const timespec& ts) { return ts.tv_sec + ts.tv_nsec * 1e-9; }

class RealTimeSource : public TimeSource {
 public:
  double monotonic() override {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return timespec_to_double(ts);
  }
  void sleep_until(double until) override {
    double delay = until - monotonic();
    if (delay <= 0. || until >= Reactor::kNever) return;
    timespec ts;
    ts.tv_sec = static_cast<time_t>(delay);
    ts.tv_nsec = static_cast<long>((delay - ts.tv_sec) * 1e9);
    nanosleep(&ts, nullptr);
  }
  int wait(int epfd, epoll_event* events, int max_events, double until) override {
    double delay = until - monotonic();
    int ms = delay <= 0. ? 0 : static_cast<int>(std::min(std::ceil(delay * 1000.), 1000.));
    int n = epoll_wait(epfd, events, max_events, ms);
    return n < 0 ? 0 : n;
  }
};

class VirtualTimeSource : public TimeSource {
 public:
  explicit VirtualTimeSource(double start) : now_(start) {}
  double monotonic() override { return now_; }
  bool is_virtual() const override { return true; }
  void sleep_until(double until) override {
    if (until > now_ && until < Reactor::kNever) now_ = until;
  }
  int wait(int epfd, epoll_event* events, int max_events, double until) override {
    int n = epoll_wait(epfd, events, max_events, 0);
    if (n <= 0) {
      if (until > now_ && until < Reactor::kNever) now_ = until;
      return 0;
    }
    return n;
  }

 private:
  double now_;
};

}  // namespace

std::unique_ptr<TimeSource> make_real_time_source() { return std::make_unique<RealTimeSource>(); }
std::unique_ptr<TimeSource> make_virtual_time_source(double start) {
  return std::make_unique<VirtualTimeSource>(start);
}

Reactor::Reactor(std::unique_ptr<TimeSource> time) : time_(std::move(time)) {
  virtual_time_ = time_->is_virtual();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  async_event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || async_event_fd_ < 0) throw std::runtime_error("reactor: epoll/eventfd failed");
  register_fd(async_event_fd_, [this](double eventtime) { drain_async(eventtime); });
}

Reactor::~Reactor() {
  // Unwind fibers still parked in pause() while the objects they reference are alive is the
  // owner's job (Printer closes them first); what is left here only holds reactor frames.
  paused_fibers_.clear();
  spare_fibers_.clear();
  timers_.clear();
  if (async_event_fd_ >= 0) close(async_event_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

// ---- timers ----------------------------------------------------------------------------

Reactor::Timer* Reactor::register_timer(TimerCallback cb, double waketime) {
  auto t = std::make_unique<Timer>();
  t->callback = std::move(cb);
  t->waketime = waketime;
  Timer* raw = t.get();
  timers_.push_back(std::move(t));
  next_timer_ = std::min(next_timer_, waketime);
  return raw;
}

void Reactor::update_timer(Timer* timer, double waketime) {
  timer->waketime = waketime;
  next_timer_ = std::min(next_timer_, waketime);
}

void Reactor::unregister_timer(Timer* timer) {
  if (!timer->alive) return;
  // Only mark it: a fiber may be inside this timer's callback right now. The entry is freed at
  // the start of the next check_timers(), which no paused dispatch frame survives (see below).
  timer->alive = false;
  timer->waketime = kNever;
  dead_timers_++;
}

void Reactor::register_callback(Callback cb, double waketime) {
  Timer* t = register_timer(
      [cb = std::move(cb)](double eventtime) -> double {
        cb(eventtime);
        return kNever;
      },
      waketime);
  t->oneshot = true;
}

void Reactor::register_async_callback(Callback cb) {
  {
    std::lock_guard<std::mutex> guard(async_lock_);
    async_queue_.push_back(std::move(cb));
  }
  uint64_t one = 1;
  ssize_t r = write(async_event_fd_, &one, sizeof(one));
  (void)r;
}

void Reactor::drain_async(double /*eventtime*/) {
  uint64_t count;
  ssize_t r = read(async_event_fd_, &count, sizeof(count));
  (void)r;
  std::vector<Callback> work;
  {
    std::lock_guard<std::mutex> guard(async_lock_);
    work.swap(async_queue_);
  }
  for (auto& cb : work) register_callback(std::move(cb), kNow);
}

double Reactor::check_timers(double eventtime, bool busy) {
  if (eventtime < next_timer_) {
    if (busy) return 0.;
    return std::min(1., std::max(0.001, next_timer_ - eventtime));
  }
  if (dead_timers_) {
    // A dead timer whose callback is still running (paused in a fiber) is kept until it ends.
    std::erase_if(timers_, [](const auto& t) { return !t->alive && !t->running; });
    dead_timers_ = std::count_if(timers_.begin(), timers_.end(),
                                 [](const auto& t) { return !t->alive; });
  }
  next_timer_ = kNever;
  uint64_t epoch = loop_epoch_;
  for (size_t i = 0; i < timers_.size(); i++) {
    Timer* t = timers_[i].get();
    if (eventtime >= t->waketime) {
      t->waketime = kNever;
      t->running++;
      double waketime = kNever;
      try {
        waketime = t->callback(eventtime);
      } catch (const std::exception& e) {
        // Never catch(...): boost's forced_unwind must pass through when fibers are closed.
        report_exception(e);
      }
      t->running--;
      if (t->oneshot) {
        unregister_timer(t);
      } else if (t->alive) {
        t->waketime = waketime;
      }
      if (epoch != loop_epoch_) {
        // This fiber paused inside the callback and has just been handed the loop back; the
        // timer list may have changed meanwhile, so start over from the top of the loop.
        next_timer_ = kNow;
        return 0.;
      }
    }
    next_timer_ = std::min(next_timer_, t->waketime);
  }
  return 0.;
}

// ---- file descriptors ------------------------------------------------------------------

Reactor::Fd* Reactor::register_fd(int fd, Callback read_cb, Callback write_cb) {
  auto h = std::make_unique<Fd>();
  h->fd = fd;
  h->read_cb = std::move(read_cb);
  h->write_cb = std::move(write_cb);
  h->events = EPOLLIN;
  epoll_event ev{};
  ev.events = h->events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
    if (errno != EPERM) throw std::runtime_error("reactor: cannot watch file descriptor");
    always_ready_fds_.push_back(fd);
  }
  Fd* raw = h.get();
  fds_[fd] = std::move(h);
  return raw;
}

void Reactor::unregister_fd(Fd* handle) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, handle->fd, nullptr);
  std::erase(always_ready_fds_, handle->fd);
  fds_.erase(handle->fd);
}

void Reactor::set_fd_wake(Fd* handle, bool is_readable, bool is_writable) {
  uint32_t events = (is_readable ? uint32_t(EPOLLIN) : 0u) | (is_writable ? uint32_t(EPOLLOUT) : 0u);
  if (events == handle->events) return;
  handle->events = events;
  if (std::find(always_ready_fds_.begin(), always_ready_fds_.end(), handle->fd) !=
      always_ready_fds_.end())
    return;
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = handle->fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, handle->fd, &ev);
}

// ---- fibers ----------------------------------------------------------------------------

void Reactor::switch_to(Fiber& target, Fiber* save_current) {
  Fiber next = std::move(target);
  std::move(next).resume_with([save_current](Fiber&& from) -> Fiber {
    *save_current = std::move(from);
    return Fiber{};
  });
}

Reactor::Fiber Reactor::take_loop_fiber() {
  if (!spare_fibers_.empty()) {
    Fiber f = std::move(spare_fibers_.back());
    spare_fibers_.pop_back();
    return f;
  }
  return Fiber(std::allocator_arg, boost::context::protected_fixedsize_stack(kFiberStackSize),
               [this](Fiber&& /*from*/) -> Fiber {
                 loop();
                 return std::move(thread_ctx_);
               });
}

double Reactor::pause(double waketime) { return pause(waketime, nullptr); }

double Reactor::pause(double waketime, Waiter* waiter) {
  if (!running_fiber_) {
    // Not inside the loop (start-up code): just wait.
    time_->sleep_until(waketime);
    return monotonic();
  }
  auto slot = paused_fibers_.emplace(paused_fibers_.end());
  double woke = 0.;
  Timer* t = register_timer(
      [this, slot, &woke](double eventtime) -> double {
        // Runs in whichever fiber drives the loop now: give the loop back to the paused
        // fiber and park this one as a spare until it is needed again.
        woke = eventtime;
        Fiber target = std::move(*slot);
        paused_fibers_.erase(slot);
        loop_epoch_++;
        spare_fibers_.emplace_back();
        switch_to(target, &spare_fibers_.back());
        return kNever;
      },
      waketime);
  if (waiter) waiter->timer = t;
  // The interrupted check_timers() pass did not see every timer: the next pass must look at all.
  next_timer_ = kNow;
  Fiber next = take_loop_fiber();
  loop_epoch_++;
  switch_to(next, &*slot);
  if (waiter) waiter->timer = nullptr;
  unregister_timer(t);
  return woke;
}

void Reactor::wake(Waiter* waiter) {
  if (waiter && waiter->timer) update_timer(waiter->timer, kNow);
}

void Reactor::loop() {
  bool busy = true;
  double eventtime = monotonic();
  epoll_event events[16];
  while (!must_exit_) {
    double timeout = check_timers(eventtime, busy);
    busy = false;
    if (!always_ready_fds_.empty()) timeout = 0.;
    int n = time_->wait(epoll_fd_, events, 16, eventtime + timeout);
    // Regular files are always readable (or writable).
    for (int fd : always_ready_fds_) {
      if (n >= 16) break;
      auto it = fds_.find(fd);
      if (it == fds_.end()) continue;
      events[n].events = it->second->events;
      events[n].data.fd = fd;
      n++;
    }
    eventtime = monotonic();
    uint64_t epoch = loop_epoch_;
    for (int i = 0; i < n && !must_exit_; i++) {
      busy = true;
      auto it = fds_.find(events[i].data.fd);
      if (it == fds_.end()) continue;
      Fd* h = it->second.get();
      try {
        if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && h->read_cb) {
          Callback cb = h->read_cb;  // the handler may unregister itself
          cb(eventtime);
        } else if ((events[i].events & EPOLLOUT) && h->write_cb) {
          Callback cb = h->write_cb;
          cb(eventtime);
        }
      } catch (const std::exception& e) {
        report_exception(e);
      }
      if (epoch != loop_epoch_) break;  // paused inside; other events come back next poll
    }
  }
}

void Reactor::run() {
  if (running_fiber_) throw std::logic_error("reactor: run() while already running");
  must_exit_ = false;
  Fiber f = take_loop_fiber();
  running_fiber_ = true;
  switch_to(f, &thread_ctx_);
  running_fiber_ = false;
}

void Reactor::end() { must_exit_ = true; }

void Reactor::report_exception(const std::exception& e) {
  if (exception_handler_) {
    exception_handler_(e);
    return;
  }
  log::error("Unhandled exception in reactor callback: {}", e.what());
}

void Reactor::close_fibers() {
  // Unwind handlers still parked in pause() (their destructors run now, while everything they
  // reference is alive), then the idle loop fibers.
  paused_fibers_.clear();
  spare_fibers_.clear();
}

// ---- mutex -----------------------------------------------------------------------------

void ReactorMutex::lock() {
  if (!locked_) {
    locked_ = true;
    return;
  }
  Reactor::Waiter w;
  queue_.push_back(&w);
  // unlock() hands the lock straight to the first waiter and wakes it.
  while (std::find(queue_.begin(), queue_.end(), &w) != queue_.end())
    reactor_.pause(Reactor::kNever, &w);
}

void ReactorMutex::unlock() {
  if (queue_.empty()) {
    locked_ = false;
    return;
  }
  Reactor::Waiter* next = queue_.front();
  queue_.pop_front();
  reactor_.wake(next);
}

}  // namespace kpp
