// Low-level motion queuing and flushing (Klipper's motion_queuing module): owns the trapqs and
// the step generators of every MCU, decides when steps are generated and sent (the background
// flush timer, "drip" flushing during homing) and tells interested objects about each flush.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/printer.h"
#include "core/stats.h"
#include "motion/steppersync.h"
#include "motion/trapq.h"

namespace kpp {

class Mcu;

// Something a drip move can be interrupted by (a homing trigger).
class DripCompletion {
 public:
  virtual ~DripCompletion() = default;
  virtual bool test() = 0;
  // Pause the caller until completed or `waketime`.
  virtual void wait(double waketime) = 0;
};

class MotionQueuing : public PrinterObject, public StatsProvider {
 public:
  static constexpr double kBgFlushLowTime = 0.200;
  static constexpr double kBgFlushHighTime = 0.400;
  static constexpr double kBgFlushSgLowTime = 0.450;
  static constexpr double kBgFlushSgHighTime = 0.700;
  static constexpr double kBgFlushExtraTime = 0.250;
  static constexpr double kMoveHistoryExpire = 30.;
  static constexpr double kMinKinTime = 0.100;
  static constexpr double kStepcompressFlushTime = 0.050;
  static constexpr double kSdsCheckTime = 0.001;  // step+dir+step filter of stepcompress
  static constexpr double kDripSegmentTime = 0.050;
  static constexpr double kDripTime = 0.100;

  // (flush_time, step_gen_time): called before each generation round, in registration order.
  using FlushCallback = std::function<void(double, double)>;

  explicit MotionQueuing(Printer& printer);
  ~MotionQueuing() override;

  // ---- trapqs ----
  motion::TrapQ* allocate_trapq();
  // Move everything left in `tq` to its history.
  void wipe_trapq(motion::TrapQ* tq);

  // ---- step generators ----
  motion::SyncEmitter& allocate_syncemitter(Mcu& mcu, const std::string& name,
                                            bool alloc_stepcompress = true);
  motion::StepperSyncManager& steppersync_manager() { return ssm_; }

  // ---- flush notification ----
  // `can_add_trapq` callbacks run first (they may queue moves into a trapq).
  int register_flush_callback(FlushCallback cb, bool can_add_trapq = false);
  void unregister_flush_callback(int id);

  // ---- scan windows ----
  double get_kin_flush_delay() const { return kin_flush_delay_; }
  // Recompute kin_flush_delay from the pre/post windows of every stepper kinematics.
  void check_step_generation_scan_windows();

  // ---- flushing ----
  void flush_all_steps();
  // Earliest print time a new move may start after step generation stopped.
  double calc_step_gen_restart(double est_print_time) const;
  // A move-queue user has work up to `mq_time` (step generation ends kin_flush_delay later).
  void note_mcu_movequeue_activity(double mq_time, bool is_step_gen = true);
  // Flush a move in small segments until `end_time` or until `completion` fires.
  void drip_update_time(double start_time, double end_time, DripCompletion* completion);
  double last_flush_time() const { return last_flush_time_; }
  double last_step_gen_time() const { return last_step_gen_time_; }
  // Clock calibration of the secondary MCUs and history expiry, once a second (the Stats
  // timer); contributes no text.
  StatsEntry stats(double eventtime) override;

 private:
  struct FlushEntry {
    int id;
    FlushCallback cb;
  };
  struct McuSync {
    Mcu* mcu;
    motion::StepperSync* ss;
  };
  motion::StepperSync& lookup_steppersync(Mcu& mcu);
  void handle_connect();
  void advance_flush_time(double want_flush_time, double want_step_gen_time = 0.);
  void await_flush_time(double want_flush_time);
  double flush_handler(double eventtime);
  double flush_handler_debug(double eventtime);

  Printer& printer_;
  Reactor& reactor_;
  std::vector<std::unique_ptr<motion::TrapQ>> trapqs_;
  motion::StepperSyncManager ssm_;
  std::vector<McuSync> syncs_;
  std::vector<motion::SyncEmitter*> emitters_;
  std::vector<FlushEntry> flush_callbacks_;
  int next_callback_id_ = 1;
  double clear_history_time_ = 0.;
  double kin_flush_delay_ = kSdsCheckTime;
  std::vector<Mcu*> all_mcus_;
  Mcu* mcu_ = nullptr;
  bool can_pause_ = true;
  Reactor::Timer* flush_timer_ = nullptr;
  bool do_kick_flush_timer_ = true;
  double last_flush_time_ = 0., last_step_gen_time_ = 0.;
  double need_flush_time_ = 0., need_step_gen_time_ = 0.;
};

}  // namespace kpp
