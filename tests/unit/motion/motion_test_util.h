// Helpers for the motion tests: decode queue_step / set_next_step_dir messages back into
// absolute step clocks, and a MessageSink that records what it is sent.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "mcu/queued_message.h"
#include "motion/stepcompress.h"

namespace kpp::motion::testing {

constexpr uint32_t kQueueStepTag = 11;
constexpr uint32_t kSetDirTag = 12;

struct DecodedStep {
  uint64_t clock;
  int dir;
};

// Replays queue_step/set_next_step_dir like the MCU does: absolute clock of every step.
class StepDecoder {
 public:
  explicit StepDecoder(uint64_t start_clock = 0) : last_clock_(start_clock) {}
  void feed(const QueuedMessage& qm) {
    if (qm.data[0] == kSetDirTag) {
      dir_ = static_cast<int>(qm.data[2]);
      return;
    }
    if (qm.data[0] != kQueueStepTag) return;
    uint32_t interval = qm.data[2];
    uint32_t count = qm.data[3];
    int32_t add = static_cast<int32_t>(qm.data[4]);
    for (uint32_t i = 0; i < count; i++) {
      last_clock_ += interval;
      steps.push_back({last_clock_, dir_});
      interval += static_cast<uint32_t>(add);
    }
  }
  void feed_all(MessageQueue& q) {
    while (!q.empty()) {
      messages.push_back(q.front());
      feed(q.front());
      q.pop_front();
    }
  }
  std::vector<DecodedStep> steps;
  std::vector<QueuedMessage> messages;

 private:
  uint64_t last_clock_;
  int dir_ = -1;
};

// Records batches per queue id.
class RecordingSink : public MessageSink {
 public:
  void send_batch(int queue_id, std::vector<QueuedMessage>& msgs) override {
    for (auto& m : msgs) sent[queue_id].push_back(m);
    batches++;
  }
  std::map<int, std::vector<QueuedMessage>> sent;
  int batches = 0;
};

}  // namespace kpp::motion::testing
