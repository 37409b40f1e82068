// The order in which batch mode (`-o`) writes messages, as Klipper's serial queue thread
// produces it when it writes to a file.
//
// In batch mode Klipper's clock estimate runs at 10^12 Hz, so every message with a real
// req_clock is due at once and goes out as soon as it is queued. Messages queued with the
// background priority clock (display refreshes, LED updates) are different: the writer only
// sends them when nothing more urgent is ready and the (simulated) wire has been idle for 5 ms,
// which in a batch run hardly ever happens because the writer runs far ahead of the wall clock.
// What sends them is:
//  * the next message with a real req_clock on any queue: the writer then builds blocks, most
//    urgent queue head first (lowest req_clock; equal clocks: the queue that became non-empty
//    first), and fills the last block with background messages while they fit;
//  * at least one block's worth (kMessagePayloadMax bytes) of messages waiting: the writer
//    sends full blocks until less than that is left.
// Each writer run starts a fresh block. Messages of one command queue keep their order, so a
// real-clock message queued behind a background one on the same queue waits with it.
//
// BatchSendOrder reproduces that without a thread: send() and send_batch() run the writer at
// once, as if Klipper's thread woke up on each kick. Messages still held at the end are what
// Klipper's writer had not sent when klippy stopped it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "mcu/queued_message.h"

namespace kpp::mcu {

class BatchSendOrder {
 public:
  // Klipper's BACKGROUND_PRIORITY_CLOCK.
  static constexpr uint64_t kBackgroundPriorityClock = 0x7fffffff00000000ULL;

  // Where the ordered messages go (the block packer of the output file).
  class Output {
   public:
    virtual ~Output() = default;
    virtual void message(std::span<const uint8_t> msg) = 0;
    virtual void message(const QueuedMessage& msg) = 0;
    // Close the open block: the next message starts a new one.
    virtual void end_block() = 0;
  };

  explicit BatchSendOrder(Output& out) : out_(out) {}

  void send(int queue, std::span<const uint8_t> msg, uint64_t req_clock);
  // Takes the messages (clears `msgs`).
  void send_batch(int queue, std::vector<QueuedMessage>& msgs);

  // Messages not written yet (background ones waiting for a reason to go out).
  size_t held_messages() const;
  size_t held_bytes() const { return ready_bytes_; }
  // Write everything still held, in the order the writer would pick it.
  void drain();

 private:
  struct Msg {
    std::vector<uint8_t> bytes;
    uint64_t req_clock;
  };
  struct Queue {
    int id;
    std::deque<Msg> msgs;
  };

  void enqueue(int queue, std::vector<uint8_t> bytes, uint64_t req_clock);
  // Klipper's command_event: build blocks while something is due.
  void run_writer();
  bool must_write() const;
  void build_block();

  Output& out_;
  // Non-empty queues, in the order they became non-empty.
  std::vector<Queue> queues_;
  size_t ready_bytes_ = 0;
};

}  // namespace kpp::mcu
