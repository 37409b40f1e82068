// The state machine of a live MCU link (the behaviour of Klipper's serialqueue): message blocks
// with sequence numbers, a send window, acks and naks, retransmits with an RTO from srtt/rttvar,
// command queues ordered by the clock each message is needed at and held back until their
// min_clock, and decoding of received blocks.
//
// LinkCore does no I/O and knows no thread: the owner feeds it received bytes and the current
// time, runs its timers when next_wake() comes, and hands its writes to a LinkWriter. The same
// core is pumped by an I/O thread in real time or by the reactor in virtual time
// (live_serial_queue.h). It is not thread safe; the owner locks around every call.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "protocol/msgblock.h"

namespace kpp {

// Clock estimate shared by clock sync and the link (Klipper's struct clock_estimate): the MCU
// clock was `conv_clock` at host time `conv_time` and runs at `est_freq` ticks per second;
// `last_clock` is the latest clock seen, for extending 32-bit clocks.
struct ClockEstimate {
  uint64_t last_clock = 0, conv_clock = 0;
  double conv_time = 0., est_freq = 0.;

  // Nearest clock at host time `time`.
  uint64_t clock_from_time(double time) const;
  // Host time of `clock`.
  double clock_to_time(uint64_t clock) const;
  // A 32-bit clock extended to 64 bits near last_clock.
  uint64_t clock_from_clock32(uint32_t clock32) const;
};

// Where the core's bytes go (the transport, possibly through a fault injector).
class LinkWriter {
 public:
  virtual ~LinkWriter() = default;
  virtual void write(const uint8_t* data, size_t len) = 0;
  // Before a retransmit: drop output not yet on the wire (tcflush on a UART).
  virtual void discard_output() {}
};

// One message received from the MCU (a block's payload), or the acknowledgement of a message
// sent with a notify id (empty payload).
struct LinkReceived {
  std::vector<uint8_t> payload;
  double sent_time = 0.;     // host time the block this answers was sent (0: unknown)
  double receive_time = 0.;  // host time it arrived
  uint64_t notify_id = 0;
};

struct LinkStats {
  uint64_t bytes_write = 0, bytes_read = 0, bytes_retransmit = 0, bytes_invalid = 0;
  uint64_t send_seq = 0, receive_seq = 0, retransmit_seq = 0;
  double srtt = 0., rttvar = 0., rto = 0.;
  uint64_t ready_bytes = 0, upcoming_bytes = 0;
  // Scheduling margin (not in the Stats line): over every message sent with a deadline, the
  // smallest (deadline in host time - send time), and how many messages that covers.
  double min_margin = 0.;
  uint64_t deadline_messages = 0;
  // The Stats line text of Klipper's serialqueue ("bytes_write=.. ... upcoming_bytes=..").
  std::string text() const;
};

class LinkCore {
 public:
  static constexpr double kNow = 0.;
  static constexpr double kNever = 9999999999999999.;
  static constexpr uint64_t kMaxClock = 0x7fffffffffffffffULL;
  // A req_clock meaning "whenever there is nothing more urgent" (displays, LEDs).
  static constexpr uint64_t kBackgroundPriorityClock = 0x7fffffff00000000ULL;
  static constexpr double kMinRto = 0.025;
  static constexpr double kMaxRto = 5.000;
  static constexpr int kMaxPendingBlocks = 12;
  // Messages go out this long before their req_clock.
  static constexpr double kMinReqtimeDelta = 0.250;
  static constexpr double kMinBackgroundDelta = 0.005;

  enum class WireKind { kStream, kCan };

  // A handler called (on the pumping thread, without the owner's lock) for every received
  // message whose payload starts with `prefix` (Klipper's fast readers, used by trdispatch).
  struct FastReader {
    std::vector<uint8_t> prefix;
    std::function<void(std::span<const uint8_t> payload)> func;
  };
  // A matched fast reader and the payload to call it with.
  struct FastCall {
    std::shared_ptr<FastReader> reader;
    std::vector<uint8_t> payload;
  };

  explicit LinkCore(LinkWriter& writer, WireKind kind = WireKind::kStream);

  // ---- configuration ----
  // Bits per second on the wire (SERIAL_BAUD or CANBUS_FREQUENCY): the time a block takes on the
  // wire counts into send and receive times.
  void set_wire_frequency(double frequency);
  // The MCU's RECEIVE_WINDOW: at most this many unacknowledged bytes in flight.
  void set_receive_window(int bytes) { receive_window_ = bytes; }
  void set_clock_estimate(const ClockEstimate& ce) { ce_ = ce; }
  const ClockEstimate& clock_estimate() const { return ce_; }

  // ---- sending (any time) ----
  // Queue one encoded message on command queue `queue`. Returns true when the pump must run
  // the command timer now (a message may go out earlier than the current wake time).
  bool send(int queue, std::span<const uint8_t> msg, uint64_t min_clock, uint64_t req_clock,
            uint64_t notify_id = 0);
  struct Pending {
    uint8_t len;
    uint8_t data[proto::kMessagePayloadMax];
    uint64_t min_clock, req_clock, notify_id;
  };
  bool send_batch(int queue, std::vector<Pending>& msgs);

  // ---- pumping ----
  // Bytes received at host time `eventtime`. Received messages and acknowledged notifications
  // are appended to `out`; fast readers that match are appended to `fast` (call them after
  // releasing the lock).
  void receive(std::span<const uint8_t> data, double eventtime, std::vector<LinkReceived>& out,
               std::vector<FastCall>& fast);
  // Run the retransmit, command and notification timers that are due at `eventtime`;
  // notifications released late (see notify_time_) are appended to `out`.
  void run_timers(double eventtime, std::vector<LinkReceived>* out = nullptr);
  // Host time of the next timer (kNow: at once; kNever: nothing to do).
  double next_wake() const {
    return std::min({retransmit_time_, command_time_, notify_time_});
  }
  // Ask for the command timer to run now (what a kick of Klipper's background thread does).
  void kick() { command_time_ = kNow; }

  // Fast readers live as long as the owner keeps the returned handle.
  std::shared_ptr<FastReader> add_fast_reader(std::vector<uint8_t> prefix,
                                              std::function<void(std::span<const uint8_t>)> f);
  void remove_fast_reader(const std::shared_ptr<FastReader>& fr);

  LinkStats stats() const;
  // Messages still to be sent (ready or upcoming), and blocks awaiting an ack.
  bool idle() const { return !ready_bytes_ && !upcoming_bytes_ && sent_queue_.empty(); }
  uint64_t send_seq() const { return send_seq_; }
  uint64_t receive_seq() const { return receive_seq_; }
  double rto() const { return rto_; }

  // The last blocks sent and received, for the log after a shutdown (Klipper's dump_debug).
  struct DebugBlock {
    std::vector<uint8_t> data;
    double time_a = 0., time_b = 0.;
  };
  std::vector<DebugBlock> recent_sent() const { return {old_sent_.begin(), old_sent_.end()}; }
  std::vector<DebugBlock> recent_received() const {
    return {old_receive_.begin(), old_receive_.end()};
  }

 private:
  struct CommandQueue {
    std::deque<Pending> upcoming, ready;
    bool listed = false;
  };
  struct SentBlock {
    uint8_t len;
    uint8_t data[proto::kMessageMax];
    double sent_time;
    double receive_time;  // when the block is fully on the wire
  };
  struct Notify {
    uint64_t notify_id;
    uint64_t sent_seq;
  };

  double bittime(uint32_t bytes) const;
  CommandQueue& queue_for(int queue);
  bool enqueue(int queue, std::deque<Pending>& msgs);
  void handle_block(const uint8_t* block, size_t len, double eventtime,
                    std::vector<LinkReceived>& out,
                    std::vector<FastCall>& fast);
  void update_receive_seq(double eventtime, uint64_t rseq);
  void release_notifications(uint64_t wake_seq, double eventtime, std::vector<LinkReceived>& out);
  double retransmit_event(double eventtime);
  double command_event(double eventtime);
  double check_send_command(int pending, double eventtime);
  int build_and_send_command(uint8_t* buf, int pending, double eventtime);
  void debug_add(std::deque<DebugBlock>& q, const uint8_t* data, size_t len, double a, double b);

  LinkWriter& writer_;
  WireKind kind_;
  // input
  std::vector<uint8_t> input_;
  bool need_sync_ = false;
  // wire timing and clock
  int receive_window_ = 0;
  double bittime_adjust_ = 0., idle_time_ = 0.;
  ClockEstimate ce_;
  double last_receive_sent_time_ = 0.;
  // retransmit
  uint64_t send_seq_ = 1, receive_seq_ = 1;
  uint64_t ignore_nak_seq_ = 0, last_ack_seq_ = 0, retransmit_seq_ = 0, rtt_sample_seq_ = 0;
  std::deque<SentBlock> sent_queue_;
  double srtt_ = 0., rttvar_ = 0., rto_ = kMinRto;
  // pending messages
  std::vector<CommandQueue> queues_;
  std::vector<int> pending_queues_;  // queue ids with messages, in the order they got them
  uint64_t ready_bytes_ = 0, upcoming_bytes_ = 0;
  int need_ack_bytes_ = 0, last_ack_bytes_ = 0;
  uint64_t need_kick_clock_ = kMaxClock;
  std::deque<Notify> notify_queue_;
  // timers
  double retransmit_time_ = kNever, command_time_ = kNever;
  // A notification waits for the MCU's empty ack block after the block's responses. When that
  // ack is lost and the MCU has nothing more to say, nothing else would release it (every block
  // is acknowledged, so nothing is retransmitted): after one RTO it is released anyway.
  double notify_time_ = kNever;
  // fast readers
  std::vector<std::shared_ptr<FastReader>> fast_readers_;
  // debugging
  std::deque<DebugBlock> old_sent_, old_receive_;
  // stats
  uint64_t bytes_write_ = 0, bytes_read_ = 0, bytes_retransmit_ = 0, bytes_invalid_ = 0;
  double min_margin_ = kNever;
  uint64_t deadline_messages_ = 0;
};

}  // namespace kpp
