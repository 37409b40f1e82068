// A command waiting to be sent to an MCU: the message id and its integer parameters, plus the
// clocks that order it. Step generation produces these; the serial queue encodes them (VLQ)
// into message blocks. Sharing this record keeps motion code independent of the wire format.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace kpp {

struct QueuedMessage {
  static constexpr int kMaxWords = 8;
  // data[0] is the message id; the rest are the integer parameters in dictionary order.
  std::array<uint32_t, kMaxWords> data{};
  uint8_t len = 0;
  // Not to be sent before the MCU clock reaches min_clock (0: any time) ...
  uint64_t min_clock = 0;
  // ... and to be sent in time for the MCU to act at req_clock (the send order key).
  uint64_t req_clock = 0;
};

// Where ordered messages go: the serial queue of one MCU (or a batch-mode file writer).
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Take `msgs` (already in send order) for the MCU command queue `queue_id`.
  virtual void send_batch(int queue_id, std::vector<QueuedMessage>& msgs) = 0;
};

}  // namespace kpp
