// The live link state machine: sequence numbers, acks/naks, retransmits, clock-ordered sending.
#include "mcu/link_core.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace kpp {

namespace {

constexpr size_t kDebugQueueLen = 100;
// Bits of a CAN 2.0A frame besides its data (start, id, control, CRC, ack, end) and the
// inter-frame space that the last frame of a transfer does not need.
constexpr uint32_t kCanFrameBits = (1 + 11 + 3 + 4) + (16 + 2 + 7 + 3);
constexpr uint32_t kCanIfsBits = 4;

}  // namespace

// ---- clock estimate ----------------------------------------------------------------------------

uint64_t ClockEstimate::clock_from_time(double time) const {
  return static_cast<uint64_t>(static_cast<int64_t>((time - conv_time) * est_freq + .5)) +
         conv_clock;
}

double ClockEstimate::clock_to_time(uint64_t clock) const {
  return conv_time + static_cast<double>(static_cast<int64_t>(clock - conv_clock)) / est_freq;
}

uint64_t ClockEstimate::clock_from_clock32(uint32_t clock32) const {
  return last_clock +
         static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(
             clock32 - static_cast<uint32_t>(last_clock))));
}

std::string LinkStats::text() const {
  return fmt::format(
      "bytes_write={} bytes_read={} bytes_retransmit={} bytes_invalid={} send_seq={} "
      "receive_seq={} retransmit_seq={} srtt={:.3f} rttvar={:.3f} rto={:.3f} ready_bytes={} "
      "upcoming_bytes={}",
      bytes_write, bytes_read, bytes_retransmit, bytes_invalid, send_seq, receive_seq,
      retransmit_seq, srtt, rttvar, rto, ready_bytes, upcoming_bytes);
}

// ---- set-up ------------------------------------------------------------------------------------

LinkCore::LinkCore(LinkWriter& writer, WireKind kind) : writer_(writer), kind_(kind) {}

void LinkCore::set_wire_frequency(double frequency) {
  if (frequency <= 0.) {
    bittime_adjust_ = 0.;
    return;
  }
  // A UART sends 10 bits per byte (start, 8 data, stop); CAN counts frame bits separately.
  bittime_adjust_ = (kind_ == WireKind::kCan ? 1. : 10.) / frequency;
}

double LinkCore::bittime(uint32_t bytes) const {
  if (kind_ == WireKind::kCan) {
    uint32_t frames = (bytes + 7) / 8;
    uint32_t bits = bytes * 8 + frames * kCanFrameBits - kCanIfsBits;
    return bittime_adjust_ * bits;
  }
  return bittime_adjust_ * bytes;
}

LinkCore::CommandQueue& LinkCore::queue_for(int queue) {
  if (queue < 0) throw std::invalid_argument("link: negative command queue id");
  if (static_cast<size_t>(queue) >= queues_.size()) queues_.resize(queue + 1);
  return queues_[queue];
}

// ---- sending -----------------------------------------------------------------------------------

bool LinkCore::send(int queue, std::span<const uint8_t> msg, uint64_t min_clock,
                    uint64_t req_clock, uint64_t notify_id) {
  if (msg.size() > proto::kMessagePayloadMax || msg.empty())
    throw std::invalid_argument(
        fmt::format("link: a message of {} bytes does not fit a block", msg.size()));
  std::deque<Pending> one(1);
  Pending& p = one.front();
  p.len = static_cast<uint8_t>(msg.size());
  std::memcpy(p.data, msg.data(), msg.size());
  p.min_clock = min_clock;
  p.req_clock = req_clock;
  p.notify_id = notify_id;
  return enqueue(queue, one);
}

bool LinkCore::send_batch(int queue, std::vector<Pending>& msgs) {
  std::deque<Pending> q(msgs.begin(), msgs.end());
  msgs.clear();
  return enqueue(queue, q);
}

bool LinkCore::enqueue(int queue, std::deque<Pending>& msgs) {
  uint64_t len = 0;
  for (auto& m : msgs) {
    // The MCU compares clocks in 32 bits: never send a message more than 2^31 ticks early.
    if (m.min_clock + (1ULL << 31) < m.req_clock && m.req_clock != kBackgroundPriorityClock)
      m.min_clock = m.req_clock - (1ULL << 31);
    len += m.len;
  }
  if (!len) return false;
  uint64_t first_min_clock = msgs.front().min_clock;
  CommandQueue& cq = queue_for(queue);
  if (!cq.listed) {
    cq.listed = true;
    pending_queues_.push_back(queue);
  }
  for (auto& m : msgs) cq.upcoming.push_back(m);
  upcoming_bytes_ += len;
  if (first_min_clock < need_kick_clock_) {
    need_kick_clock_ = 0;
    command_time_ = kNow;
    return true;
  }
  return false;
}

// ---- receiving ---------------------------------------------------------------------------------

void LinkCore::receive(std::span<const uint8_t> data, double eventtime,
                       std::vector<LinkReceived>& out,
                       std::vector<FastCall>& fast) {
  input_.insert(input_.end(), data.begin(), data.end());
  size_t pos = 0;
  while (input_.size() - pos >= proto::kMessageMin) {
    const uint8_t* buf = input_.data() + pos;
    size_t avail = input_.size() - pos;
    proto::BlockCheck chk{proto::BlockStatus::kDiscard, 0};
    if (!need_sync_) {
      chk = proto::block_check(buf, avail);
      if (chk.status == proto::BlockStatus::kNeedMore) break;
    }
    if (chk.status == proto::BlockStatus::kOk) {
      handle_block(buf, chk.length, eventtime, out, fast);
      pos += chk.length;
      continue;
    }
    // Garbage: drop up to and including the next sync byte; without one, drop everything and
    // keep dropping until a sync byte comes.
    const void* sync = std::memchr(buf, proto::kMessageSync, avail);
    size_t skip = avail;
    if (sync) {
      need_sync_ = false;
      skip = static_cast<size_t>(static_cast<const uint8_t*>(sync) - buf) + 1;
    } else {
      need_sync_ = true;
    }
    bytes_invalid_ += skip;
    pos += skip;
  }
  input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(pos));
}

void LinkCore::handle_block(const uint8_t* block, size_t len, double eventtime,
                            std::vector<LinkReceived>& out,
                            std::vector<FastCall>& fast) {
  uint64_t rseq_delta = (block[1] - receive_seq_) & proto::kMessageSeqMask;
  uint64_t rseq = receive_seq_ + rseq_delta;
  if (rseq != receive_seq_) {
    if (rseq > send_seq_ && receive_seq_ != 1) {
      // An ack for a block never sent (or from the past): not trusted.
      bytes_invalid_ += len;
      return;
    }
    update_receive_seq(eventtime, rseq);
  }
  bytes_read_ += len;

  // Acknowledged notifications come out after the responses to the blocks they were in.
  release_notifications(rseq - 1 - (len > proto::kMessageMin ? 1 : 0), eventtime, out);
  if (!notify_queue_.empty() && notify_queue_.front().sent_seq < receive_seq_) {
    if (notify_time_ == kNever) notify_time_ = eventtime + rto_;
  } else {
    notify_time_ = kNever;
  }

  if (len == proto::kMessageMin) {
    // An empty block: an ack, or a nak when it repeats the last ack.
    if (last_ack_seq_ < rseq)
      last_ack_seq_ = rseq;
    else if (rseq > ignore_nak_seq_ && !sent_queue_.empty())
      retransmit_time_ = kNow;  // fast retransmit
    debug_add(old_receive_, block, len, eventtime, 0.);
    return;
  }
  std::span<const uint8_t> payload(block + proto::kMessageHeaderSize, len - proto::kMessageMin);
  LinkReceived r;
  r.payload.assign(payload.begin(), payload.end());
  r.sent_time = rseq > retransmit_seq_ ? last_receive_sent_time_ : 0.;
  r.receive_time = eventtime - bittime(static_cast<uint32_t>(len));
  debug_add(old_receive_, block, len, r.receive_time, r.sent_time);
  out.push_back(std::move(r));
  for (auto& fr : fast_readers_) {
    if (payload.size() < fr->prefix.size() ||
        !std::equal(fr->prefix.begin(), fr->prefix.end(), payload.begin()))
      continue;
    fast.push_back(FastCall{fr, std::vector<uint8_t>(payload.begin(), payload.end())});
    break;
  }
}

void LinkCore::release_notifications(uint64_t wake_seq, double eventtime,
                                     std::vector<LinkReceived>& out) {
  while (!notify_queue_.empty() && notify_queue_.front().sent_seq <= wake_seq) {
    LinkReceived n;
    n.notify_id = notify_queue_.front().notify_id;
    n.sent_time = last_receive_sent_time_;
    n.receive_time = eventtime;
    out.push_back(std::move(n));
    notify_queue_.pop_front();
  }
}

void LinkCore::update_receive_seq(double eventtime, uint64_t rseq) {
  uint64_t sent_seq = receive_seq_;
  for (;;) {
    if (sent_queue_.empty()) {
      // An ack for nothing sent: the start of a session, take the MCU's sequence.
      send_seq_ = rseq;
      last_receive_sent_time_ = 0.;
      break;
    }
    SentBlock& sent = sent_queue_.front();
    need_ack_bytes_ -= sent.len;
    double sent_receive_time = sent.receive_time;
    uint8_t sent_len = sent.len;
    debug_add(old_sent_, sent.data, sent.len, sent.sent_time, sent.receive_time);
    sent_queue_.pop_front();
    sent_seq++;
    if (rseq == sent_seq) {
      last_receive_sent_time_ = sent_receive_time;
      last_ack_bytes_ = sent_len;
      break;
    }
  }
  receive_seq_ = rseq;
  command_time_ = kNow;

  // Round-trip time (RFC 6298) from a block that was not retransmitted.
  if (rtt_sample_seq_ && rseq > rtt_sample_seq_ && last_receive_sent_time_ != 0.) {
    double delta = eventtime - last_receive_sent_time_;
    if (srtt_ == 0.) {
      rttvar_ = delta / 2.;
      srtt_ = delta * 10.;  // start high
    } else {
      rttvar_ = (3. * rttvar_ + std::fabs(srtt_ - delta)) / 4.;
      srtt_ = (7. * srtt_ + delta) / 8.;
    }
    double rttvar4 = std::max(rttvar_ * 4., 0.001);
    rto_ = std::clamp(srtt_ + rttvar4, kMinRto, kMaxRto);
    rtt_sample_seq_ = 0;
  }
  if (sent_queue_.empty())
    retransmit_time_ = kNever;
  else
    retransmit_time_ = eventtime + rto_ + bittime(sent_queue_.front().len);
}

// ---- timers ------------------------------------------------------------------------------------

void LinkCore::run_timers(double eventtime, std::vector<LinkReceived>* out) {
  if (eventtime >= notify_time_ && out) {
    // The ack after the responses did not come: every acknowledged block's notification goes.
    release_notifications(receive_seq_ - 1, eventtime, *out);
    notify_time_ = kNever;
  }
  if (eventtime >= retransmit_time_) retransmit_time_ = retransmit_event(eventtime);
  if (eventtime >= command_time_) command_time_ = command_event(eventtime);
}

double LinkCore::retransmit_event(double eventtime) {
  if (sent_queue_.empty()) return kNever;
  writer_.discard_output();
  uint8_t buf[proto::kMessageMax * kMaxPendingBlocks + 1];
  size_t buflen = 0, first_buflen = 0;
  buf[buflen++] = proto::kMessageSync;
  for (auto& b : sent_queue_) {
    if (buflen + b.len > sizeof(buf)) break;
    std::memcpy(buf + buflen, b.data, b.len);
    buflen += b.len;
    if (!first_buflen) first_buflen = b.len + 1;
  }
  writer_.write(buf, buflen);
  bytes_retransmit_ += buflen;

  if (retransmit_time_ == kNow) {
    // Prompted by a nak: allow one more nak for this retransmit, not a third.
    ignore_nak_seq_ = receive_seq_;
    if (receive_seq_ < retransmit_seq_) ignore_nak_seq_ = retransmit_seq_;
  } else {
    // A timeout: back off.
    rto_ = std::min(rto_ * 2., kMaxRto);
    ignore_nak_seq_ = send_seq_;
  }
  retransmit_seq_ = send_seq_;
  rtt_sample_seq_ = 0;
  idle_time_ = eventtime + bittime(static_cast<uint32_t>(buflen));
  return eventtime + rto_ + bittime(static_cast<uint32_t>(first_buflen));
}

int LinkCore::build_and_send_command(uint8_t* buf, int pending, double eventtime) {
  size_t len = proto::kMessageHeaderSize;
  while (ready_bytes_) {
    // The most urgent message: lowest req_clock over the heads of the ready queues.
    uint64_t min_clock = kMaxClock;
    int best = -1;
    for (int q : pending_queues_) {
      auto& ready = queues_[q].ready;
      if (!ready.empty() && ready.front().req_clock < min_clock) {
        min_clock = ready.front().req_clock;
        best = q;
      }
    }
    if (best < 0) break;
    CommandQueue& cq = queues_[best];
    Pending& m = cq.ready.front();
    if (len + m.len > proto::kMessageMax - proto::kMessageTrailerSize) break;
    if (m.req_clock && m.req_clock != kBackgroundPriorityClock && ce_.est_freq > 0.) {
      min_margin_ = std::min(min_margin_, ce_.clock_to_time(m.req_clock) - eventtime);
      deadline_messages_++;
    }
    std::memcpy(buf + len, m.data, m.len);
    len += m.len;
    ready_bytes_ -= m.len;
    if (m.notify_id) notify_queue_.push_back(Notify{m.notify_id, send_seq_});
    cq.ready.pop_front();
    if (cq.ready.empty() && cq.upcoming.empty()) {
      cq.listed = false;
      pending_queues_.erase(std::find(pending_queues_.begin(), pending_queues_.end(), best));
    }
  }
  len += proto::kMessageTrailerSize;
  buf[0] = static_cast<uint8_t>(len);
  buf[1] = static_cast<uint8_t>(proto::kMessageDest | (send_seq_ & proto::kMessageSeqMask));
  uint16_t crc = proto::crc16_ccitt(buf, static_cast<uint8_t>(len - proto::kMessageTrailerSize));
  buf[len - 3] = static_cast<uint8_t>(crc >> 8);
  buf[len - 2] = static_cast<uint8_t>(crc & 0xff);
  buf[len - 1] = proto::kMessageSync;

  double idletime = std::max(eventtime, idle_time_);
  idletime += bittime(static_cast<uint32_t>(pending + len));
  SentBlock out;
  out.len = static_cast<uint8_t>(len);
  std::memcpy(out.data, buf, len);
  out.sent_time = eventtime;
  out.receive_time = idletime;
  if (sent_queue_.empty()) retransmit_time_ = idletime + rto_;
  if (!rtt_sample_seq_) rtt_sample_seq_ = send_seq_;
  send_seq_++;
  need_ack_bytes_ += static_cast<int>(len);
  sent_queue_.push_back(out);
  return static_cast<int>(len);
}

double LinkCore::check_send_command(int pending, double eventtime) {
  if (send_seq_ - receive_seq_ >= kMaxPendingBlocks && receive_seq_ != UINT64_MAX)
    return kNever;  // the window of unacknowledged blocks is full
  if (send_seq_ > receive_seq_ && receive_window_) {
    int need_ack_bytes = need_ack_bytes_ + static_cast<int>(proto::kMessageMax);
    if (last_ack_seq_ < receive_seq_) need_ack_bytes += last_ack_bytes_;
    if (need_ack_bytes > receive_window_) return kNever;  // the MCU's buffer may be full
  }

  // Messages whose min_clock has come move from upcoming to ready.
  double idletime = std::max(eventtime, idle_time_);
  idletime += bittime(static_cast<uint32_t>(pending + proto::kMessageMin));
  uint64_t ack_clock = ce_.clock_from_time(idletime);
  uint64_t min_stalled_clock = kMaxClock, min_ready_clock = kMaxClock;
  for (int q : pending_queues_) {
    CommandQueue& cq = queues_[q];
    while (!cq.upcoming.empty()) {
      Pending& m = cq.upcoming.front();
      if (ack_clock < m.min_clock) {
        min_stalled_clock = std::min(min_stalled_clock, m.min_clock);
        break;
      }
      upcoming_bytes_ -= m.len;
      ready_bytes_ += m.len;
      cq.ready.push_back(m);
      cq.upcoming.pop_front();
    }
    if (!cq.ready.empty()) {
      uint64_t req_clock = cq.ready.front().req_clock;
      double bgtime = pending ? idletime : idle_time_;
      if (req_clock == kBackgroundPriorityClock)
        req_clock = ce_.clock_from_time(bgtime + kMinReqtimeDelta + kMinBackgroundDelta);
      min_ready_clock = std::min(min_ready_clock, req_clock);
    }
  }

  if (ready_bytes_ >= proto::kMessagePayloadMax) return kNow;
  if (ce_.est_freq == 0.) {
    if (ready_bytes_) return kNow;
    need_kick_clock_ = kMaxClock;
    return kNever;
  }
  uint64_t reqclock_delta = static_cast<uint64_t>(kMinReqtimeDelta * ce_.est_freq);
  if (min_ready_clock <= ack_clock + reqclock_delta) return kNow;
  uint64_t wantclock = min_ready_clock - reqclock_delta;
  if (min_stalled_clock < wantclock) wantclock = min_stalled_clock;
  need_kick_clock_ = wantclock;
  return idletime + static_cast<double>(wantclock - ack_clock) / ce_.est_freq;
}

double LinkCore::command_event(double eventtime) {
  uint8_t buf[proto::kMessageMax * kMaxPendingBlocks];
  int buflen = 0;
  double waketime;
  for (;;) {
    waketime = check_send_command(buflen, eventtime);
    if (waketime != kNow || buflen + proto::kMessageMax > sizeof(buf)) {
      if (buflen) {
        writer_.write(buf, static_cast<size_t>(buflen));
        bytes_write_ += static_cast<uint64_t>(buflen);
        double idletime = std::max(eventtime, idle_time_);
        idle_time_ = idletime + bittime(static_cast<uint32_t>(buflen));
        buflen = 0;
      }
      if (waketime != kNow) break;
    }
    buflen += build_and_send_command(buf + buflen, buflen, eventtime);
  }
  return waketime;
}

// ---- misc --------------------------------------------------------------------------------------

std::shared_ptr<LinkCore::FastReader> LinkCore::add_fast_reader(
    std::vector<uint8_t> prefix, std::function<void(std::span<const uint8_t>)> f) {
  auto fr = std::make_shared<FastReader>(FastReader{std::move(prefix), std::move(f)});
  fast_readers_.push_back(fr);
  return fr;
}

void LinkCore::remove_fast_reader(const std::shared_ptr<FastReader>& fr) {
  std::erase(fast_readers_, fr);
}

void LinkCore::debug_add(std::deque<DebugBlock>& q, const uint8_t* data, size_t len, double a,
                         double b) {
  if (q.size() >= kDebugQueueLen) q.pop_front();
  q.push_back(DebugBlock{std::vector<uint8_t>(data, data + len), a, b});
}

LinkStats LinkCore::stats() const {
  LinkStats s;
  s.bytes_write = bytes_write_;
  s.bytes_read = bytes_read_;
  s.bytes_retransmit = bytes_retransmit_;
  s.bytes_invalid = bytes_invalid_;
  s.send_seq = send_seq_;
  s.receive_seq = receive_seq_;
  s.retransmit_seq = retransmit_seq_;
  s.srtt = srtt_;
  s.rttvar = rttvar_;
  s.rto = rto_;
  s.ready_bytes = ready_bytes_;
  s.upcoming_bytes = upcoming_bytes_;
  s.min_margin = deadline_messages_ ? min_margin_ : 0.;
  s.deadline_messages = deadline_messages_;
  return s;
}

}  // namespace kpp
