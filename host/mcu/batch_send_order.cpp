// Batch-mode message order (see batch_send_order.h).
#include "mcu/batch_send_order.h"

#include <algorithm>

#include "mcu/msgblock.h"

namespace kpp::mcu {

void BatchSendOrder::send(int queue, std::span<const uint8_t> msg, uint64_t req_clock) {
  if (queues_.empty() && req_clock != kBackgroundPriorityClock) {
    // Nothing waits: the message goes out at once (the common case, kept cheap).
    out_.message(msg);
    return;
  }
  enqueue(queue, std::vector<uint8_t>(msg.begin(), msg.end()), req_clock);
  run_writer();
}

void BatchSendOrder::send_batch(int queue, std::vector<QueuedMessage>& msgs) {
  bool direct = queues_.empty();
  for (const auto& m : msgs) direct = direct && m.req_clock != kBackgroundPriorityClock;
  if (direct) {
    for (const auto& m : msgs) out_.message(m);
  } else {
    uint8_t buf[kQueuedMaxBytes];
    for (const auto& m : msgs) {
      size_t n = encode_queued(m, buf);
      enqueue(queue, std::vector<uint8_t>(buf, buf + n), m.req_clock);
    }
    run_writer();
  }
  msgs.clear();
}

void BatchSendOrder::enqueue(int queue, std::vector<uint8_t> bytes, uint64_t req_clock) {
  auto it = std::find_if(queues_.begin(), queues_.end(),
                         [queue](const Queue& q) { return q.id == queue; });
  if (it == queues_.end()) {
    queues_.push_back(Queue{queue, {}});
    it = queues_.end() - 1;
  }
  ready_bytes_ += bytes.size();
  it->msgs.push_back(Msg{std::move(bytes), req_clock});
}

size_t BatchSendOrder::held_messages() const {
  size_t n = 0;
  for (const auto& q : queues_) n += q.msgs.size();
  return n;
}

bool BatchSendOrder::must_write() const {
  if (ready_bytes_ >= proto::kMessagePayloadMax) return true;
  // Only a queue's head counts: a real-clock message behind a background one waits.
  for (const auto& q : queues_)
    if (q.msgs.front().req_clock != kBackgroundPriorityClock) return true;
  return false;
}

void BatchSendOrder::run_writer() {
  if (!must_write()) return;
  out_.end_block();  // a writer run never appends to a block written before
  while (must_write()) build_block();
}

void BatchSendOrder::build_block() {
  size_t len = 0;
  while (!queues_.empty()) {
    // Most urgent head; on equal clocks the earliest listed queue.
    auto best = queues_.begin();
    for (auto it = queues_.begin(); it != queues_.end(); ++it)
      if (it->msgs.front().req_clock < best->msgs.front().req_clock) best = it;
    Msg& m = best->msgs.front();
    if (len + m.bytes.size() > proto::kMessagePayloadMax) break;
    out_.message(m.bytes);
    len += m.bytes.size();
    ready_bytes_ -= m.bytes.size();
    best->msgs.pop_front();
    if (best->msgs.empty()) queues_.erase(best);
  }
  out_.end_block();
}

void BatchSendOrder::drain() {
  if (queues_.empty()) return;
  out_.end_block();
  while (!queues_.empty()) build_block();
}

}  // namespace kpp::mcu
