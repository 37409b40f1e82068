// Endstops and trigger synchronisation on an MCU (Klipper's MCU_endstop and MCU_trsync): the
// endstop samples its pin and trips a trsync, which stops the steppers attached to it. With
// steppers on several MCUs, one trsync per MCU is started and a trigger on any of them is
// forwarded to the others.
#pragma once

#include <memory>
#include <vector>

#include "mcu/mcu.h"
#include "mcu/trdispatch.h"

namespace kpp {

class McuTrsync {
 public:
  static constexpr int kReasonEndstopHit = 1;
  static constexpr int kReasonHostRequest = 2;
  static constexpr int kReasonPastEndTime = 3;
  static constexpr int kReasonCommsTimeout = 4;

  // `dispatch` forwards triggers between the trsyncs of one endstop (live links only).
  McuTrsync(Mcu& mcu, std::shared_ptr<TrDispatch> dispatch);
  Mcu& get_mcu() { return mcu_; }
  int get_oid() const { return oid_; }
  int get_command_queue() const { return cmd_queue_; }
  void add_stepper(McuStepper& s);
  const std::vector<McuStepper*>& get_steppers() const { return steppers_; }
  // `report_offset` (0..1) staggers the reports of the trsyncs of one homing move.
  void start(double print_time, double report_offset,
             std::shared_ptr<Completion<bool>> trigger_completion, double expire_timeout);
  void set_home_end_time(double home_end_time);
  // End of homing: the trigger reason (kReasonEndstopHit in batch mode).
  int stop();

 private:
  void build_config();
  void handle_trsync_state(const McuResponse& r);
  void handle_shutdown();

  Mcu& mcu_;
  std::shared_ptr<TrDispatch> dispatch_;
  std::shared_ptr<TrDispatch::Mcu> dispatch_mcu_;
  int oid_;
  int cmd_queue_;
  std::vector<McuStepper*> steppers_;
  McuCommand start_cmd_, set_timeout_cmd_, trigger_cmd_, stepper_stop_cmd_;
  McuQueryCommand query_cmd_;
  std::shared_ptr<Completion<bool>> trigger_completion_;
  std::optional<uint64_t> home_end_clock_;
};

class McuEndstopPin : public McuEndstop {
 public:
  // Single-MCU homing: the MCU has this long to report before its trsync expires.
  static constexpr double kTrsyncSingleMcuTimeout = 0.250;
  static constexpr double kTrsyncTimeout = 0.025;

  McuEndstopPin(Mcu& mcu, const PinParams& p);
  Mcu& get_mcu() override { return mcu_; }
  void add_stepper(McuStepper& stepper) override;
  std::vector<McuStepper*> get_steppers() override;
  std::shared_ptr<Completion<bool>> home_start(double print_time, double sample_time,
                                               int sample_count, double rest_time,
                                               bool triggered) override;
  double home_wait(double home_end_time) override;
  int query_endstop(double print_time) override;

 private:
  void build_config();

  Mcu& mcu_;
  std::string pin_;
  int pullup_;
  int invert_;
  int oid_;
  McuCommand home_cmd_;
  McuQueryCommand query_cmd_;
  std::shared_ptr<Completion<bool>> trigger_completion_;
  int64_t rest_ticks_ = 0;
  std::shared_ptr<TrDispatch> dispatch_ = std::make_shared<TrDispatch>();
  std::vector<std::unique_ptr<McuTrsync>> trsyncs_;
};

}  // namespace kpp
