// The toolhead (Klipper's toolhead.py): takes moves in toolhead coordinates, checks them against
// the kinematics, plans them through the look-ahead queue, puts the trapezoids into the trapq
// and keeps print time: when moves start relative to the MCU clock, when the queue is flushed
// ("NeedPrime" / "Priming" / main states), pauses of the G-code input when far ahead, and the
// "drip" moves of homing.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/coord.h"
#include "core/gcode.h"
#include "core/toolhead_base.h"
#include "motion/kinematics/kinematics.h"
#include "motion/lookahead.h"
#include "motion/motion_queuing.h"

namespace kpp {

class Mcu;
class ExtruderBase;

// An axis beyond x, y, z that moves take part in (the extruder, manual steppers bound to a
// G-code axis).
class ExtraAxis {
 public:
  virtual ~ExtraAxis() = default;
  // Object name ("extruder"); empty for the placeholder extruder.
  virtual std::string get_name() const = 0;
  // The G-code letter ("E", "A"), or empty.
  virtual std::string get_axis_gcode_id() const = 0;
  virtual bool is_kinematic_axis() const { return false; }
  virtual bool is_extruder_axis() const { return false; }
  // Highest junction speed (squared) this axis allows between prev_move and move.
  virtual double calc_junction(const ToolMove& prev_move, const ToolMove& move,
                               size_t ea_index) = 0;
  virtual void check_move(ToolMove& move, size_t ea_index) = 0;
  // Queue the axis part of `move`, starting at print_time.
  virtual void process_move(double print_time, const ToolMove& move, size_t ea_index) = 0;
};

// What homing moves need of the object that moves (the toolhead, or a manual stepper).
class MotionHead {
 public:
  virtual ~MotionHead() = default;
  virtual const Coord& get_position() const = 0;
  virtual void set_position(const Coord& newpos, const std::string& homing_axes = "") = 0;
  virtual double get_last_move_time() = 0;
  virtual void flush_step_generation() = 0;
  virtual void dwell(double delay) = 0;
  virtual void drip_move(const Coord& newpos, double speed, DripCompletion* completion) = 0;
  virtual Kinematics& get_kinematics() = 0;
};

class ToolHead : public ToolHeadBase, public MotionHead {
 public:
  static constexpr double kBufferTimeHigh = 1.0;
  static constexpr double kBufferTimeStart = 0.250;
  static constexpr double kPrimingCmdTime = 0.100;

  explicit ToolHead(const ConfigWrapper& config);
  ~ToolHead() override;

  // ---- ToolHeadBase ----
  double get_last_move_time() override;
  void dwell(double delay) override;
  void wait_moves() override;

  // ---- moves ----
  const Coord& get_position() const override { return commanded_pos_; }
  // `homing_axes` ("xy") are marked homed by the kinematics.
  void set_position(const Coord& newpos, const std::string& homing_axes = "") override;
  void move(const Coord& newpos, double speed);
  // Move only the given axes (others keep their position).
  void manual_move(const std::vector<std::optional<double>>& coord, double speed);
  void limit_next_junction_speed(double speed);
  // A homing move: sent in small steps until `completion` fires (endstop hit) or the end.
  void drip_move(const Coord& newpos, double speed, DripCompletion* completion) override;
  void flush_step_generation() override;
  // `cb` gets the print time at which the last queued move ends (at once if none queued).
  void register_lookahead_callback(std::function<void(double)> cb);

  // ---- parts ----
  Kinematics& get_kinematics() override { return *kin_; }
  motion::TrapQ* get_trapq() { return trapq_; }
  MotionQueuing& get_motion_queuing() { return motion_queuing_; }
  Mcu& get_mcu() { return *mcu_; }
  ExtraAxis& get_extruder() { return *extra_axes_.at(0); }
  void set_extruder(ExtraAxis* extruder, double extrude_pos);
  void add_extra_axis(ExtraAxis* ea, double axis_pos);
  void remove_extra_axis(ExtraAxis* ea);
  // Index i+3 of the position belongs to extra_axes()[i].
  const std::vector<ExtraAxis*>& extra_axes() const { return extra_axes_; }

  // ---- limits ----
  std::pair<double, double> get_max_velocity() const { return {max_velocity_, max_accel_}; }
  // Returns (max_velocity, max_accel, square_corner_velocity, minimum_cruise_ratio).
  std::array<double, 4> set_max_velocities(std::optional<double> max_velocity,
                                           std::optional<double> max_accel,
                                           std::optional<double> square_corner_velocity,
                                           std::optional<double> min_cruise_ratio);
  const motion::MoveLimits& move_limits() const { return limits_; }

  // ---- status ----
  // (is_active, "print_time=... buffer_time=... print_stall=...")
  std::pair<bool, std::string> stats(double eventtime);
  // (print_time, estimated print time, lookahead empty)
  std::tuple<double, double, bool> check_busy(double eventtime);
  Json get_status(double eventtime) override;
  double print_time() const { return print_time_; }

 private:
  void advance_move_time(double next_print_time);
  void calc_print_time();
  void process_lookahead(bool lazy = false);
  void flush_lookahead(bool is_runout = false);
  void handle_step_flush(double flush_time, double step_gen_time);
  double priming_handler(double eventtime);
  void check_priming_state(double eventtime);
  void check_pause();
  void calc_junction(ToolMove& move, const ToolMove& prev);
  std::pair<double, double> drip_load_trapq(std::optional<ToolMove> submit_move);
  void calc_junction_deviation();
  void handle_shutdown();

  Printer& printer_;
  Reactor& reactor_;
  Mcu* mcu_ = nullptr;
  LookAheadQueue lookahead_;
  Coord commanded_pos_;
  double max_velocity_, max_accel_, min_cruise_ratio_, square_corner_velocity_;
  motion::MoveLimits limits_;
  double check_stall_time_ = 0.;
  int print_stall_ = 0;
  bool can_pause_ = true;
  double need_check_pause_ = -1.;
  double print_time_ = 0.;
  // "NeedPrime", "Priming" or "" (main state).
  std::string special_queuing_state_ = "NeedPrime";
  Reactor::Timer* priming_timer_ = nullptr;
  MotionQueuing& motion_queuing_;
  motion::TrapQ* trapq_;
  std::unique_ptr<ExtraAxis> dummy_extruder_;
  std::vector<ExtraAxis*> extra_axes_;
  std::unique_ptr<Kinematics> kin_;
  std::vector<double> ea_v2_;
};

}  // namespace kpp
