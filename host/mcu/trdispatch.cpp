// Multi-MCU trigger forwarding, run from the links' pumping threads.
#include "mcu/trdispatch.h"

#include "mcu/live_serial_queue.h"
#include "protocol/vlq.h"

namespace kpp {

namespace {

std::vector<uint8_t> encode_words(std::initializer_list<int32_t> words) {
  std::vector<uint8_t> out(words.size() * proto::kVlqMaxBytes);
  size_t n = 0;
  for (int32_t w : words) n += proto::vlq_encode(out.data() + n, w);
  out.resize(n);
  return out;
}

}  // namespace

std::shared_ptr<TrDispatch::Mcu> TrDispatch::add_mcu(LiveSerialQueue& queue, int cmd_queue,
                                                     uint32_t trsync_oid, int32_t set_timeout_tag,
                                                     int32_t trigger_tag, int32_t state_tag) {
  auto m = std::make_shared<Mcu>();
  m->queue = &queue;
  m->cmd_queue = cmd_queue;
  m->oid = trsync_oid;
  m->set_timeout_tag = set_timeout_tag;
  m->trigger_tag = trigger_tag;
  m->state_prefix = encode_words({state_tag, static_cast<int32_t>(trsync_oid)});
  std::lock_guard<std::mutex> g(lock_);
  mcus_.push_back(m);
  return m;
}

void TrDispatch::setup_mcu(Mcu& m, uint64_t last_status_clock, uint64_t expire_clock,
                           uint64_t expire_ticks, uint64_t min_extend_ticks) {
  ClockEstimate ce = m.queue->clock_estimate();
  std::lock_guard<std::mutex> g(lock_);
  m.last_status_clock = last_status_clock;
  m.expire_clock = expire_clock;
  m.expire_ticks = expire_ticks;
  m.min_extend_ticks = min_extend_ticks;
  m.ce = ce;
}

void TrDispatch::start(uint32_t dispatch_reason) {
  std::vector<std::shared_ptr<Mcu>> mcus;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (is_active_ || mcus_.empty()) return;
    dispatch_reason_ = dispatch_reason;
    is_active_ = can_trigger_ = true;
    mcus = mcus_;
  }
  for (auto& m : mcus) {
    Mcu* raw = m.get();
    m->reader = m->queue->add_fast_reader(
        m->state_prefix, [this, raw](std::span<const uint8_t> p) { handle_trsync_state(*raw, p); });
  }
}

void TrDispatch::stop() {
  std::vector<std::shared_ptr<Mcu>> mcus;
  {
    std::lock_guard<std::mutex> g(lock_);
    if (!is_active_) return;
    is_active_ = false;
    mcus = mcus_;
  }
  for (auto& m : mcus) {
    if (m->reader) m->queue->remove_fast_reader(m->reader);
    m->reader.reset();
  }
}

bool TrDispatch::is_active() const {
  std::lock_guard<std::mutex> g(lock_);
  return is_active_;
}

void TrDispatch::send_trigger(Mcu& m) {
  auto msg = encode_words({m.trigger_tag, static_cast<int32_t>(m.oid),
                           static_cast<int32_t>(dispatch_reason_)});
  m.queue->send(m.cmd_queue, msg, 0, 0);
  triggers_sent_++;
}

void TrDispatch::send_set_timeout(Mcu& m) {
  auto msg = encode_words({m.set_timeout_tag, static_cast<int32_t>(m.oid),
                           static_cast<int32_t>(static_cast<uint32_t>(m.expire_clock))});
  m.queue->send(m.cmd_queue, msg, 0, m.expire_clock);
  extensions_sent_++;
}

void TrDispatch::handle_trsync_state(Mcu& m, std::span<const uint8_t> payload) {
  // trsync_state oid=%c can_trigger=%c trigger_reason=%c clock=%u
  uint32_t fields[5];
  const uint8_t* p = payload.data();
  const uint8_t* end = p + payload.size();
  for (auto& f : fields)
    if (!proto::vlq_decode(&p, end, &f)) return;
  if (fields[1] != m.oid) return;
  uint32_t can_trigger = fields[2], clock = fields[4];
  ClockEstimate ce = m.queue->clock_estimate();

  std::lock_guard<std::mutex> g(lock_);
  if (!can_trigger_) return;
  if (!can_trigger) {
    // This MCU triggered or timed out: tell every MCU at once.
    can_trigger_ = false;
    for (auto& o : mcus_) send_trigger(*o);
    return;
  }
  // Still running: note how far this MCU has confirmed, in host time.
  m.ce = ce;
  m.last_status_clock = ce.clock_from_clock32(clock);
  double min_time = LinkCore::kNever, next_min_time = LinkCore::kNever;
  Mcu* min_mcu = nullptr;
  for (auto& o : mcus_) {
    double status_time = o->ce.clock_to_time(o->last_status_clock);
    if (status_time < next_min_time) {
      next_min_time = status_time;
      if (status_time < min_time) {
        next_min_time = min_time;
        min_time = status_time;
        min_mcu = o.get();
      }
    }
  }
  if (next_min_time == LinkCore::kNever) next_min_time = min_time;
  // Every MCU may run until the oldest confirmation of the others plus the timeout.
  for (auto& o : mcus_) {
    double status_time = o.get() == min_mcu ? next_min_time : min_time;
    uint64_t expire = o->ce.clock_from_time(status_time) + o->expire_ticks;
    if (static_cast<int64_t>(expire - o->expire_clock) >= static_cast<int64_t>(o->min_extend_ticks)) {
      o->expire_clock = expire;
      send_set_timeout(*o);
    }
  }
}

}  // namespace kpp
