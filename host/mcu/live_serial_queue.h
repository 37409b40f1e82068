// The live serial queue of one MCU: a LinkCore (link_core.h) over a transport, pumped either
//
//  * by its own I/O thread in real time (ARCHITECTURE.md §3: the thread owns the link, reads and
//    writes without waiting for the reactor, and hands received messages to the reactor through
//    a locked inbox and one async callback per batch), or
//  * by the reactor itself (an fd callback and one timer at the core's next deadline), which is
//    what virtual time needs: nothing sleeps in a thread, the reactor sees every pending deadline
//    and host and in-process MCU advance together, deterministically.
//
// Both modes run the same state machine; only who calls receive()/run_timers() differs.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/reactor.h"
#include "mcu/fault_injector.h"
#include "mcu/link_core.h"
#include "mcu/link_transport.h"
#include "mcu/serial_queue.h"

namespace kpp {

class LiveSerialQueue : public SerialQueue {
 public:
  enum class Mode { kThread, kReactor };
  // Called on the reactor thread for every received message (payload, sent/receive times).
  using ReceiveHandler = std::function<void(const LinkReceived&)>;

  // The mode for `reactor`: kReactor in virtual time, else kThread (KPP_LINK_MODE=reactor or
  // =thread overrides it in real time).
  static Mode default_mode(const Reactor& reactor);

  // `faults` wraps the transport in a FaultInjector.
  LiveSerialQueue(Reactor& reactor, std::unique_ptr<LinkTransport> transport, Mode mode,
                  std::string name, std::optional<FaultSpec> faults = std::nullopt);
  ~LiveSerialQueue() override;

  void set_receive_handler(ReceiveHandler handler);
  // Start reading and writing (after the receive handler is in place).
  void start();
  Mode mode() const { return mode_; }

  // ---- SerialQueue ----
  void send(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
            uint64_t req_clock) override;
  // Throws McuError when the link closes before the ack arrives.
  void send_wait_ack(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                     uint64_t req_clock) override;
  void send_batch(int queue_id, std::vector<QueuedMessage>& msgs) override;
  void close() override;
  bool is_fileoutput() const override { return false; }
  std::string stats() const override;

  // ---- link settings (any thread) ----
  void set_wire_frequency(double frequency);
  void set_receive_window(int bytes);
  void set_clock_estimate(const ClockEstimate& ce);
  ClockEstimate clock_estimate() const;
  std::shared_ptr<LinkCore::FastReader> add_fast_reader(
      std::vector<uint8_t> prefix, std::function<void(std::span<const uint8_t>)> func);
  void remove_fast_reader(const std::shared_ptr<LinkCore::FastReader>& fr);

  LinkStats link_stats() const;
  std::optional<FaultCounters> fault_counters() const;
  std::vector<LinkCore::DebugBlock> recent_sent() const;
  std::vector<LinkCore::DebugBlock> recent_received() const;
  // True once the transport reported end of file or an error.
  bool link_lost() const { return lost_.load(); }
  std::string describe() const { return description_; }
  // Host time now, on the clock this queue stamps messages with.
  double monotonic() const;

 private:
  struct Inbox;

  void pump_input();
  double pump_timers(double now);
  void deliver(std::vector<LinkReceived>& got, std::vector<LinkCore::FastCall>& fast);
  void kick();
  void thread_main();
  void on_lost();

  Reactor& reactor_;
  Mode mode_;
  std::string name_;
  std::unique_ptr<LinkTransport> transport_;
  FaultInjector* injector_ = nullptr;  // inside transport_, when faults are injected
  std::string description_;
  mutable std::mutex lock_;  // protects core_ and the injector
  LinkCore core_;
  std::shared_ptr<Inbox> inbox_;
  std::atomic<bool> lost_{false};
  bool started_ = false, closed_ = false;
  uint64_t next_notify_id_ = 0;
  // thread mode
  std::thread thread_;
  int kick_fd_ = -1;
  std::atomic<bool> exit_{false};
  // reactor mode
  Reactor::Fd* fd_handle_ = nullptr;
  Reactor::Timer* timer_ = nullptr;
};

}  // namespace kpp
