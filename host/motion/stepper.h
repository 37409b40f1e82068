// A stepper motor driver on an MCU (Klipper's MCU_stepper): its config command, step
// distance, the stepper kinematics that turn toolhead moves into its steps, position tracking
// between the toolhead, the kinematics and the MCU's step counter, and the activity callbacks
// (motor enable). make_printer_stepper() builds one from a [stepper_*] style config section.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "mcu/mcu.h"
#include "mcu/pin_types.h"
#include "motion/itersolve.h"
#include "motion/stepcompress.h"

namespace kpp {

class MotionQueuing;
namespace motion {
class SyncEmitter;
class TrapQ;
}  // namespace motion

class MotionStepper : public McuStepper {
 public:
  static constexpr double kMinBothEdgeDuration = 0.000000500;
  static constexpr double kMinOptimizedBothEdgeDuration = 0.000000150;

  MotionStepper(Printer& printer, const std::string& name, const PinParams& step_pin,
                const PinParams& dir_pin, double rotation_dist, double steps_per_rotation,
                std::optional<double> step_pulse_duration = {}, bool units_in_radians = false);
  ~MotionStepper() override;

  // ---- McuStepper ----
  Mcu& get_mcu() override { return mcu_; }
  int get_oid() const override { return oid_; }
  const std::string& get_name() const override { return name_; }
  void note_homing_end() override;

  // "stepper_x" -> "x" with short_name.
  std::string get_name(bool short_name) const;
  bool units_in_radians() const { return units_in_radians_; }
  std::pair<std::optional<double>, bool> get_pulse_duration() const {
    return {step_pulse_duration_, step_both_edge_};
  }
  // Drivers (TMC in UART/SPI mode) offer a shorter default pulse and step on both edges.
  void setup_default_pulse_duration(double pulse_duration, bool step_both_edge);
  // Install kinematics owned by this stepper.
  void setup_itersolve(std::unique_ptr<motion::StepperKinematics> sk);

  double get_step_dist() const { return step_dist_; }
  std::pair<double, double> get_rotation_distance() const {
    return {rotation_dist_, steps_per_rotation_};
  }
  void set_rotation_distance(double rotation_dist);
  std::pair<bool, bool> get_dir_inverted() const { return {invert_dir_, orig_invert_dir_}; }
  void set_dir_inverted(bool invert_dir);

  double calc_position_from_coord(double x, double y, double z);
  void set_position(double x, double y, double z);
  double get_commanded_position() const;
  // The MCU step counter (at `cmd_pos`, or at the commanded position).
  int64_t get_mcu_position() const;
  int64_t get_mcu_position(double cmd_pos) const;
  int64_t get_past_mcu_position(double print_time) const;
  double mcu_to_commanded_position(int64_t mcu_pos) const;
  size_t dump_steps(std::span<motion::HistorySteps> out, uint64_t start_clock,
                    uint64_t end_clock) const;

  motion::StepperKinematics* get_stepper_kinematics() const { return sk_; }
  // Replace the kinematics (not owned, e.g. an input shaper wrapper); returns the old one.
  motion::StepperKinematics* set_stepper_kinematics(motion::StepperKinematics* sk);
  motion::TrapQ* get_trapq() const { return trapq_; }
  motion::TrapQ* set_trapq(motion::TrapQ* tq);
  // Called once with the print time of the first move that moves this stepper.
  void add_active_callback(std::function<void(double)> cb);
  bool is_active_axis(char axis) const;
  motion::StepCompress& stepcompress();
  motion::SyncEmitter& syncemitter() { return *se_; }

 private:
  void build_config();
  void set_mcu_position(int64_t mcu_pos);
  void query_mcu_position();
  void check_active(double flush_time, double step_gen_time);

  Printer& printer_;
  Mcu& mcu_;
  MotionQueuing& motion_queuing_;
  std::string name_;
  double rotation_dist_, steps_per_rotation_, step_dist_;
  std::optional<double> step_pulse_duration_;
  bool units_in_radians_;
  int oid_;
  std::string step_pin_, dir_pin_;
  int invert_step_;
  bool invert_dir_, orig_invert_dir_;
  bool step_both_edge_ = false, req_step_both_edge_ = false;
  double mcu_position_offset_ = 0.;
  int reset_cmd_tag_ = 0;
  McuQueryCommand get_position_cmd_;
  std::vector<std::function<void(double)>> active_callbacks_;
  int active_flush_id_ = 0;
  motion::SyncEmitter* se_;
  motion::StepperKinematics* sk_ = nullptr;
  std::vector<std::unique_ptr<motion::StepperKinematics>> owned_sk_;
  motion::TrapQ* trapq_ = nullptr;
};

// (rotation_distance, steps per rotation) from rotation_distance, microsteps,
// full_steps_per_rotation and gear_ratio (or the deprecated step_distance).
std::pair<double, double> parse_step_distance(const ConfigWrapper& config,
                                              std::optional<bool> units_in_radians = {},
                                              bool note_valid = false);

// Build the stepper of a config section and register it with stepper_enable, force_move and
// motion_report (Klipper's PrinterStepper()).
std::shared_ptr<MotionStepper> make_printer_stepper(const ConfigWrapper& config,
                                                   bool units_in_radians = false);

// Modules that want to know every stepper (stepper_enable, force_move, motion_report).
class StepperRegistry {
 public:
  virtual ~StepperRegistry() = default;
  virtual void register_stepper(const ConfigWrapper& config,
                                std::shared_ptr<MotionStepper> stepper) = 0;
};

}  // namespace kpp
