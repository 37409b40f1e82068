// Trigger forwarding between the trsyncs of several MCUs during homing (Klipper's trdispatch).
//
// When an endstop on one MCU stops steppers on other MCUs, each MCU runs its own trsync. The
// trsyncs report trsync_state regularly; this code watches those reports on the links' pumping
// threads (fast readers, not the reactor) and
//  * as soon as any trsync reports it triggered (or timed out), sends trsync_trigger to every
//    trsync at once, so the other MCUs stop their steppers within a round trip;
//  * while all are fine, pushes every trsync's expiry (trsync_set_timeout) forward to the
//    oldest report of any MCU plus the timeout, so a stalled MCU or link stops all of them.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "mcu/link_core.h"

namespace kpp {

class LiveSerialQueue;

class TrDispatch {
 public:
  class Mcu;

  TrDispatch() = default;
  TrDispatch(const TrDispatch&) = delete;
  TrDispatch& operator=(const TrDispatch&) = delete;

  // Add the trsync `oid` reachable over `queue` (commands on command queue `cmd_queue`), with
  // the message ids of that MCU's trsync_set_timeout, trsync_trigger and trsync_state.
  std::shared_ptr<Mcu> add_mcu(LiveSerialQueue& queue, int cmd_queue, uint32_t trsync_oid,
                               int32_t set_timeout_tag, int32_t trigger_tag, int32_t state_tag);
  // Before each homing move: the trsync's start clock, first expiry, the expiry interval and
  // the smallest extension worth a message.
  void setup_mcu(Mcu& m, uint64_t last_status_clock, uint64_t expire_clock, uint64_t expire_ticks,
                 uint64_t min_extend_ticks);
  // Start watching (the trigger reason sent to the others is `dispatch_reason`); stop.
  void start(uint32_t dispatch_reason);
  void stop();
  bool is_active() const;
  size_t mcu_count() const { return mcus_.size(); }
  // Forwarded triggers and timeout extensions so far (tests, logs).
  uint64_t triggers_sent() const { return triggers_sent_; }
  uint64_t extensions_sent() const { return extensions_sent_; }

  // Process one trsync_state payload of `m` (what the fast reader does; public for tests).
  void handle_trsync_state(Mcu& m, std::span<const uint8_t> payload);

 private:
  void send_trigger(Mcu& m);
  void send_set_timeout(Mcu& m);

  mutable std::mutex lock_;
  std::vector<std::shared_ptr<Mcu>> mcus_;
  bool is_active_ = false, can_trigger_ = false;
  uint32_t dispatch_reason_ = 0;
  uint64_t triggers_sent_ = 0, extensions_sent_ = 0;
};

class TrDispatch::Mcu {
 public:
  LiveSerialQueue* queue = nullptr;
  int cmd_queue = 0;
  uint32_t oid = 0;
  int32_t set_timeout_tag = 0, trigger_tag = 0;
  std::vector<uint8_t> state_prefix;  // trsync_state id + oid, as they start the payload
  // Under the dispatcher's lock:
  uint64_t last_status_clock = 0, expire_clock = 0, expire_ticks = 0, min_extend_ticks = 0;
  ClockEstimate ce;
  std::shared_ptr<LinkCore::FastReader> reader;
};

}  // namespace kpp
