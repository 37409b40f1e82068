// Step generation and ordering per MCU (Klipper's steppersync.c): a SyncEmitter per stepper (or
// other move-queue user) holds its StepCompress and message queue; a StepperSync per MCU merges
// the emitters' messages in req_clock order, tracks the free slots of the MCU move queue and
// hands batches to the MCU's serial queue; the StepperSyncManager drives a generation round over
// all MCUs (steppersyncmgr_gen_steps).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mcu/queued_message.h"
#include "motion/itersolve.h"
#include "motion/stepcompress.h"

namespace kpp::motion {

class SyncEmitter {
 public:
  SyncEmitter(std::string name, bool with_stepcompress);
  SyncEmitter(const SyncEmitter&) = delete;
  SyncEmitter& operator=(const SyncEmitter&) = delete;

  const std::string& name() const { return name_; }
  // The step compressor, or null for an emitter of plain move-queue messages.
  StepCompress* stepcompress() { return sc_.get(); }
  // The kinematics whose steps this emitter generates (not owned; may be replaced at run time,
  // e.g. when input shaping wraps the stepper). Null: no step generation.
  void set_stepper_kinematics(StepperKinematics* sk) { sk_ = sk; }
  StepperKinematics* stepper_kinematics() const { return sk_; }
  // Queue a message that takes a slot in the MCU move queue at `req_clock`.
  void queue_msg(uint64_t req_clock, std::span<const uint32_t> data);
  MessageQueue& messages() { return msgs_; }

  // Generate steps up to gen_steps_time, compress them up to flush_clock, expire history.
  [[nodiscard]] int32_t generate(double gen_steps_time, uint64_t flush_clock,
                                 uint64_t clear_history_clock);

 private:
  std::string name_;
  MessageQueue msgs_;
  std::unique_ptr<StepCompress> sc_;
  StepperKinematics* sk_ = nullptr;
};

// Print time to MCU clock (Klipper's clock_estimate with conv_clock 0).
struct ClockConversion {
  double time_offset = 0., freq = 0.;
  uint64_t clock_from_time(double print_time) const {
    return static_cast<uint64_t>(static_cast<int64_t>((print_time - time_offset) * freq + .5));
  }
};

// The step and move-queue messages of one MCU.
class StepperSync {
 public:
  StepperSync() = default;
  StepperSync(const StepperSync&) = delete;
  StepperSync& operator=(const StepperSync&) = delete;

  SyncEmitter& alloc_emitter(std::string name, bool with_stepcompress = true);
  // Where this MCU's messages go (`queue_id` is the MCU command queue given to the sink) and how
  // many commands the MCU move queue holds (the `move_count` of its config).
  void setup_movequeue(MessageSink* sink, int queue_id, int move_count);
  // Print time to clock conversion (MCU clock = (print_time - time_offset) * mcu_freq), for this
  // object and every emitter's StepCompress.
  void set_time(double time_offset, double mcu_freq);
  const ClockConversion& clock() const { return clock_; }
  std::span<const std::unique_ptr<SyncEmitter>> emitters() const { return emitters_; }

  // Send, in req_clock order, every pending message up to `move_clock` (move-queue messages
  // after it wait), each with min_clock set to when its move-queue slot frees up.
  void flush(uint64_t move_clock);

 private:
  void heap_replace(uint64_t req_clock);

  std::vector<std::unique_ptr<SyncEmitter>> emitters_;
  MessageSink* sink_ = nullptr;
  int queue_id_ = 0;
  ClockConversion clock_;
  // Min-heap of the clocks at which the MCU move-queue slots become free.
  std::vector<uint64_t> move_clocks_;
  std::vector<QueuedMessage> batch_;
};

class StepperSyncManager {
 public:
  StepperSyncManager();
  ~StepperSyncManager();
  StepperSyncManager(const StepperSyncManager&) = delete;
  StepperSyncManager& operator=(const StepperSyncManager&) = delete;

  StepperSync& alloc_steppersync();
  std::span<const std::unique_ptr<StepperSync>> steppersyncs() const { return syncs_; }
  // Generate steps of every emitter up to gen_steps_time, emit commands up to flush_time and
  // forget step history before clear_history_time. Returns 0, or the error of the first failing
  // emitter (its StepCompress::error() has the text); nothing is sent then.
  [[nodiscard]] int32_t gen_steps(double flush_time, double gen_steps_time,
                                  double clear_history_time);
  // Generate on `n` worker threads (0: on the calling thread). The output is the same.
  void set_worker_threads(int n);

 private:
  struct Workers;
  std::vector<std::unique_ptr<StepperSync>> syncs_;
  std::unique_ptr<Workers> workers_;
};

}  // namespace kpp::motion
