// Pumping a LinkCore: an I/O thread in real time, or reactor callbacks in virtual time.
#include "mcu/live_serial_queue.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/logging.h"
#include "mcu/msgblock.h"

namespace kpp {

namespace {
double real_monotonic() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
}  // namespace

// Received messages on their way to the reactor thread. Shared with pending async callbacks,
// so it outlives the queue if need be.
struct LiveSerialQueue::Inbox {
  std::mutex lock;
  std::deque<LinkReceived> items;
  bool scheduled = false;
  // Reactor thread only:
  bool closed = false;
  ReceiveHandler handler;
  std::map<uint64_t, std::shared_ptr<Completion<bool>>> waiters;

  void dispatch(std::deque<LinkReceived>& batch) {
    for (auto& item : batch) {
      if (closed) return;
      if (item.notify_id) {
        auto it = waiters.find(item.notify_id);
        if (it == waiters.end()) continue;
        auto c = it->second;
        waiters.erase(it);
        c->complete(true);
        continue;
      }
      if (handler) handler(item);
    }
  }
  void drain() {
    std::deque<LinkReceived> batch;
    {
      std::lock_guard<std::mutex> g(lock);
      batch.swap(items);
      scheduled = false;
    }
    dispatch(batch);
  }
  void fail_waiters() {
    auto w = std::move(waiters);
    waiters.clear();
    for (auto& [id, c] : w) c->complete(false);
  }
};

LiveSerialQueue::Mode LiveSerialQueue::default_mode(const Reactor& reactor) {
  if (reactor.is_virtual_time()) return Mode::kReactor;
  const char* env = std::getenv("KPP_LINK_MODE");
  if (env && std::strcmp(env, "reactor") == 0) return Mode::kReactor;
  return Mode::kThread;
}

LiveSerialQueue::LiveSerialQueue(Reactor& reactor, std::unique_ptr<LinkTransport> transport,
                                 Mode mode, std::string name, std::optional<FaultSpec> faults)
    : reactor_(reactor),
      mode_(reactor.is_virtual_time() ? Mode::kReactor : mode),
      name_(std::move(name)),
      transport_(faults ? std::make_unique<FaultInjector>(std::move(transport), *faults)
                        : std::move(transport)),
      injector_(faults ? static_cast<FaultInjector*>(transport_.get()) : nullptr),
      description_(transport_->describe()),
      core_(*transport_, transport_->kind()),
      inbox_(std::make_shared<Inbox>()) {}

LiveSerialQueue::~LiveSerialQueue() { close(); }

double LiveSerialQueue::monotonic() const {
  return mode_ == Mode::kReactor ? reactor_.monotonic() : real_monotonic();
}

void LiveSerialQueue::set_receive_handler(ReceiveHandler handler) {
  inbox_->handler = std::move(handler);
}

void LiveSerialQueue::start() {
  if (started_) return;
  started_ = true;
  if (mode_ == Mode::kThread) {
    kick_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (kick_fd_ < 0) throw std::runtime_error("link: eventfd failed");
    thread_ = std::thread([this] { thread_main(); });
    return;
  }
  fd_handle_ = reactor_.register_fd(transport_->fd(), [this](double) { pump_input(); });
  timer_ = reactor_.register_timer([this](double eventtime) { return pump_timers(eventtime); },
                                   Reactor::kNow);
}

// ---- pumping -----------------------------------------------------------------------------------

void LiveSerialQueue::pump_input() {
  std::vector<uint8_t> data;
  bool ok = transport_->read_available(data);
  double now = monotonic();
  std::vector<LinkReceived> got;
  std::vector<LinkCore::FastCall> fast;
  double wake;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (injector_) {
      injector_->set_time(now);
      data = injector_->filter_rx(std::move(data));
    }
    if (!data.empty()) core_.receive(data, now, got, fast);
    wake = core_.next_wake();
    if (injector_) wake = std::min(wake, injector_->next_wake());
  }
  deliver(got, fast);
  if (mode_ == Mode::kReactor && timer_) reactor_.update_timer(timer_, wake);
  if (!ok) on_lost();
}

double LiveSerialQueue::pump_timers(double now) {
  std::vector<LinkReceived> got;
  std::vector<LinkCore::FastCall> fast;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (injector_) {
      auto rx = injector_->pump(now);
      if (!rx.empty()) core_.receive(rx, now, got, fast);
    }
    core_.run_timers(now, &got);
  }
  deliver(got, fast);
  std::lock_guard<std::mutex> g(lock_);
  double wake = core_.next_wake();
  if (injector_) wake = std::min(wake, injector_->next_wake());
  return wake;
}

void LiveSerialQueue::deliver(std::vector<LinkReceived>& got,
                              std::vector<LinkCore::FastCall>& fast) {
  // Fast readers run here, on the pumping thread, without waiting for the reactor.
  for (auto& f : fast) f.reader->func(f.payload);
  if (got.empty()) return;
  if (mode_ == Mode::kReactor) {
    std::deque<LinkReceived> batch(std::make_move_iterator(got.begin()),
                                   std::make_move_iterator(got.end()));
    inbox_->dispatch(batch);
    return;
  }
  bool schedule = false;
  {
    std::lock_guard<std::mutex> g(inbox_->lock);
    for (auto& r : got) inbox_->items.push_back(std::move(r));
    if (!inbox_->scheduled) schedule = inbox_->scheduled = true;
  }
  if (schedule) {
    std::shared_ptr<Inbox> inbox = inbox_;
    reactor_.register_async_callback([inbox](double) { inbox->drain(); });
  }
}

void LiveSerialQueue::kick() {
  if (mode_ == Mode::kReactor) {
    if (timer_) reactor_.update_timer(timer_, Reactor::kNow);
    return;
  }
  if (kick_fd_ >= 0) {
    uint64_t one = 1;
    ssize_t r = ::write(kick_fd_, &one, sizeof(one));
    (void)r;
  }
}

void LiveSerialQueue::thread_main() {
  int fd = transport_->fd();
  while (!exit_.load()) {
    double wake = pump_timers(real_monotonic());
    pollfd pfd[2] = {{kick_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
    nfds_t n = fd >= 0 ? 2 : 1;
    double delay = wake - real_monotonic();
    timespec ts{};
    timespec* tsp = nullptr;
    if (wake < LinkCore::kNever) {
      // Poll at most a second at a time so an exit request never waits long.
      delay = std::clamp(delay, 0., 1.);
      ts.tv_sec = static_cast<time_t>(delay);
      ts.tv_nsec = static_cast<long>((delay - ts.tv_sec) * 1e9);
      tsp = &ts;
    }
    int r = ppoll(pfd, n, tsp, nullptr);
    if (r <= 0) continue;
    if (pfd[0].revents & POLLIN) {
      uint64_t v;
      ssize_t k = ::read(kick_fd_, &v, sizeof(v));
      (void)k;
      std::lock_guard<std::mutex> g(lock_);
      core_.kick();
    }
    if (n > 1 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      pump_input();
      if (lost_.load()) fd = -1;  // nothing more will come; keep serving timers and exit
    }
  }
}

void LiveSerialQueue::on_lost() {
  if (lost_.exchange(true)) return;
  if (mode_ == Mode::kReactor) {
    if (fd_handle_) reactor_.unregister_fd(fd_handle_);
    fd_handle_ = nullptr;
    log::info("mcu '{}': link {} closed by the other end", name_, description_);
    std::shared_ptr<Inbox> inbox = inbox_;
    inbox->fail_waiters();
    return;
  }
  // I/O thread: report on the reactor thread.
  std::shared_ptr<Inbox> inbox = inbox_;
  std::string msg = fmt::format("mcu '{}': link {} closed by the other end", name_, description_);
  reactor_.register_async_callback([inbox, msg](double) {
    log::info("{}", msg);
    inbox->fail_waiters();
  });
}

// ---- sending -----------------------------------------------------------------------------------

void LiveSerialQueue::send(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                           uint64_t req_clock) {
  bool must_kick;
  {
    std::lock_guard<std::mutex> g(lock_);
    must_kick = core_.send(queue, msg, min_clock, req_clock);
  }
  if (must_kick) kick();
}

void LiveSerialQueue::send_wait_ack(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                                    uint64_t req_clock) {
  if (closed_ || lost_.load()) throw McuError("Serial connection closed");
  uint64_t id = ++next_notify_id_;
  auto completion = std::make_shared<Completion<bool>>(reactor_);
  std::shared_ptr<Inbox> inbox = inbox_;
  inbox->waiters[id] = completion;
  bool must_kick;
  {
    std::lock_guard<std::mutex> g(lock_);
    must_kick = core_.send(queue, msg, min_clock, req_clock, id);
  }
  if (must_kick) kick();
  auto ok = completion->wait();
  if (!ok || !*ok) throw McuError("Serial connection closed");
}

void LiveSerialQueue::send_batch(int queue_id, std::vector<QueuedMessage>& msgs) {
  if (msgs.empty()) return;
  std::vector<LinkCore::Pending> batch;
  batch.reserve(msgs.size());
  for (auto& m : msgs) {
    LinkCore::Pending p;
    uint8_t buf[mcu::kQueuedMaxBytes];
    size_t n = mcu::encode_queued(m, buf);
    if (n > sizeof(p.data)) continue;
    p.len = static_cast<uint8_t>(n);
    std::memcpy(p.data, buf, n);
    p.min_clock = m.min_clock;
    p.req_clock = m.req_clock;
    p.notify_id = 0;
    batch.push_back(p);
  }
  msgs.clear();
  bool must_kick;
  {
    std::lock_guard<std::mutex> g(lock_);
    must_kick = core_.send_batch(queue_id, batch);
  }
  if (must_kick) kick();
}

void LiveSerialQueue::close() {
  if (closed_) return;
  closed_ = true;
  if (thread_.joinable()) {
    exit_.store(true);
    kick();
    thread_.join();
  }
  if (kick_fd_ >= 0) ::close(kick_fd_);
  kick_fd_ = -1;
  if (fd_handle_) reactor_.unregister_fd(fd_handle_);
  fd_handle_ = nullptr;
  if (timer_) reactor_.unregister_timer(timer_);
  timer_ = nullptr;
  transport_->close();
  inbox_->closed = true;
  inbox_->fail_waiters();
}

// ---- settings and stats ------------------------------------------------------------------------

void LiveSerialQueue::set_wire_frequency(double frequency) {
  std::lock_guard<std::mutex> g(lock_);
  core_.set_wire_frequency(frequency);
}

void LiveSerialQueue::set_receive_window(int bytes) {
  std::lock_guard<std::mutex> g(lock_);
  core_.set_receive_window(bytes);
}

void LiveSerialQueue::set_clock_estimate(const ClockEstimate& ce) {
  std::lock_guard<std::mutex> g(lock_);
  core_.set_clock_estimate(ce);
}

ClockEstimate LiveSerialQueue::clock_estimate() const {
  std::lock_guard<std::mutex> g(lock_);
  return core_.clock_estimate();
}

std::shared_ptr<LinkCore::FastReader> LiveSerialQueue::add_fast_reader(
    std::vector<uint8_t> prefix, std::function<void(std::span<const uint8_t>)> func) {
  std::lock_guard<std::mutex> g(lock_);
  return core_.add_fast_reader(std::move(prefix), std::move(func));
}

void LiveSerialQueue::remove_fast_reader(const std::shared_ptr<LinkCore::FastReader>& fr) {
  std::lock_guard<std::mutex> g(lock_);
  core_.remove_fast_reader(fr);
}

LinkStats LiveSerialQueue::link_stats() const {
  std::lock_guard<std::mutex> g(lock_);
  return core_.stats();
}

std::string LiveSerialQueue::stats() const { return link_stats().text(); }

std::optional<FaultCounters> LiveSerialQueue::fault_counters() const {
  std::lock_guard<std::mutex> g(lock_);
  if (!injector_) return std::nullopt;
  return injector_->counters();
}

std::vector<LinkCore::DebugBlock> LiveSerialQueue::recent_sent() const {
  std::lock_guard<std::mutex> g(lock_);
  return core_.recent_sent();
}

std::vector<LinkCore::DebugBlock> LiveSerialQueue::recent_received() const {
  std::lock_guard<std::mutex> g(lock_);
  return core_.recent_received();
}

}  // namespace kpp
