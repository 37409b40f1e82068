// Manual steppers (see manual_stepper.h).
#include "modules/manual_stepper.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "modules/force_move.h"
#include "modules/homing.h"
#include "modules/stepper_enable.h"
#include "motion/kinematics/cartesian.h"
#include "motion/motion_queuing.h"
#include "motion/trapq.h"

namespace kpp {

ManualStepper::ManualStepper(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      name_(config.get_name()),
      motion_queuing_(printer_.load<MotionQueuing>(config, "motion_queuing")) {
  can_home_ = config.get_opt("endstop_pin").has_value();
  if (can_home_) {
    PrinterRail::Options opts;
    opts.need_position_minmax = false;
    opts.default_position_endstop = 0.;
    rail_ = std::make_unique<PrinterRail>(config, opts);
    steppers_ = rail_->get_steppers();
  } else {
    steppers_.push_back(make_printer_stepper(config));
  }
  velocity_ = config.getfloat("velocity", 5., FloatLimits{.above = 0.});
  accel_ = homing_accel_ = config.getfloat("accel", 0., FloatLimits{.minval = 0.});
  pos_min_ = config.getfloat_opt("position_min");
  pos_max_ = config.getfloat_opt("position_max");
  trapq_ = motion_queuing_.allocate_trapq();
  for (auto& s : steppers_) {
    s->setup_itersolve(std::make_unique<motion::CartesianKinematics>('x'));
    s->set_trapq(trapq_);
  }
  std::string stepper_name = name_.substr(name_.find(' ') + 1);
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_mux_command(
      "MANUAL_STEPPER", "STEPPER", stepper_name,
      [this](GCodeCommand& g) { cmd_MANUAL_STEPPER(g); }, "Command a manually configured stepper");
}

void ManualStepper::sync_print_time() {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  double print_time = toolhead.get_last_move_time();
  if (next_cmd_time_ > print_time)
    toolhead.dwell(next_cmd_time_ - print_time);
  else
    next_cmd_time_ = print_time;
}

void ManualStepper::do_enable(bool enable) {
  std::vector<std::string> names;
  for (auto& s : steppers_) names.push_back(s->get_name());
  printer_.lookup<PrinterStepperEnable>("stepper_enable").set_motors_enable(names, enable);
}

void ManualStepper::do_set_position(double setpos) {
  printer_.lookup<ToolHead>("toolhead").flush_step_generation();
  for (auto& s : steppers_) s->set_position(setpos, 0., 0.);
  commanded_pos_ = setpos;
}

double ManualStepper::submit_move(double movetime, double movepos, double speed, double accel) {
  double cp = commanded_pos_;
  commanded_pos_ = movepos;
  ForcedMoveTimes t = calc_move_time(movepos - cp, speed, accel);
  trapq_->append(movetime, t.accel_t, t.cruise_t, t.accel_t, {cp, 0., 0.}, {t.axis_r, 0., 0.},
                 0., t.cruise_v, accel);
  return movetime + t.accel_t + t.cruise_t + t.accel_t;
}

void ManualStepper::do_move(double movepos, double speed, double accel, bool sync) {
  sync_print_time();
  next_cmd_time_ = submit_move(next_cmd_time_, movepos, speed, accel);
  motion_queuing_.note_mcu_movequeue_activity(next_cmd_time_);
  if (sync) sync_print_time();
}

void ManualStepper::do_homing_move(double movepos, double speed, double accel, bool triggered,
                                   bool check_trigger) {
  if (!can_home_) throw CommandError("No endstop for this manual stepper");
  homing_accel_ = accel;
  Coord pos{movepos, 0., 0., 0.};
  printer_.lookup<PrinterHoming>("homing")
      .manual_home(this, rail_->get_endstops(), pos, speed, triggered, check_trigger);
}

void ManualStepper::check_range(GCodeCommand& gcmd, double movepos) const {
  if ((pos_min_ && movepos < *pos_min_) || (pos_max_ && movepos > *pos_max_))
    throw gcmd.error("Move out of range");
}

void ManualStepper::cmd_MANUAL_STEPPER(GCodeCommand& gcmd) {
  if (gcmd.has("GCODE_AXIS")) return command_with_gcode_axis(gcmd);
  if (axis_gcode_id_) throw gcmd.error("Must unregister axis first");
  if (auto enable = gcmd.get_int_opt("ENABLE")) do_enable(*enable != 0);
  if (auto setpos = gcmd.get_float_opt("SET_POSITION")) do_set_position(*setpos);
  double speed = gcmd.get_float("SPEED", velocity_, FloatLimits{.above = 0.});
  double accel = gcmd.get_float("ACCEL", accel_, FloatLimits{.minval = 0.});
  int64_t homing_move = gcmd.get_int("STOP_ON_ENDSTOP", 0);
  if (homing_move) {
    double movepos = gcmd.get_float("MOVE");
    check_range(gcmd, movepos);
    do_homing_move(movepos, speed, accel, homing_move > 0, std::abs(homing_move) == 1);
  } else if (gcmd.has("MOVE")) {
    double movepos = gcmd.get_float("MOVE");
    check_range(gcmd, movepos);
    do_move(movepos, speed, accel, gcmd.get_int("SYNC", 1) != 0);
  } else if (gcmd.get_int("SYNC", 0)) {
    sync_print_time();
  }
}

void ManualStepper::command_with_gcode_axis(GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  std::string gcode_axis = gcmd.get("GCODE_AXIS");
  for (char& c : gcode_axis) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  double instant_corner_v =
      gcmd.get_float("INSTANTANEOUS_CORNER_VELOCITY", 1., FloatLimits{.minval = 0.});
  double limit_velocity = gcmd.get_float("LIMIT_VELOCITY", 999999.9, FloatLimits{.above = 0.});
  double limit_accel = gcmd.get_float("LIMIT_ACCEL", 999999.9, FloatLimits{.above = 0.});
  if (axis_gcode_id_) {
    if (!gcode_axis.empty()) throw gcmd.error("Must unregister axis first");
    const auto& axes = toolhead.extra_axes();
    auto it = std::find(axes.begin(), axes.end(), this);
    if (it != axes.end()) commanded_pos_ = toolhead.get_position()[3 + (it - axes.begin())];
    toolhead.remove_extra_axis(this);
    axis_gcode_id_.reset();
    return;
  }
  if (gcode_axis.size() != 1 || !std::isupper(static_cast<unsigned char>(gcode_axis[0])) ||
      std::string("XYZEFN").find(gcode_axis[0]) != std::string::npos) {
    if (gcode_axis.empty()) return;  // unregistering an axis that is not registered
    throw gcmd.error("Not a valid GCODE_AXIS");
  }
  for (ExtraAxis* ea : toolhead.extra_axes())
    if (ea && ea->get_axis_gcode_id() == gcode_axis)
      throw gcmd.error(fmt::format("Axis '{}' already registered to '{}'", gcode_axis,
                                   ea->get_name()));
  axis_gcode_id_ = gcode_axis;
  instant_corner_v_ = instant_corner_v;
  gaxis_limit_velocity_ = limit_velocity;
  gaxis_limit_accel_ = limit_accel;
  toolhead.add_extra_axis(this, commanded_pos_);
}

// ---- as an extra toolhead axis ----------------------------------------------------------

void ManualStepper::process_move(double print_time, const ToolMove& move, size_t ea_index) {
  double axis_r = move.axes_r[ea_index];
  trapq_->append(print_time, move.accel_t, move.cruise_t, move.decel_t,
                 {move.start_pos[ea_index], 0., 0.}, {1., 0., 0.}, move.start_v * axis_r,
                 move.cruise_v * axis_r, move.accel * axis_r);
}

void ManualStepper::check_move(ToolMove& move, size_t ea_index) {
  double movepos = move.end_pos[ea_index];
  if ((pos_min_ && movepos < *pos_min_) || (pos_max_ && movepos > *pos_max_))
    throw move.move_error();
  // The axis' own speed limits, scaled to the whole move.
  double axis_ratio = move.move_d / std::fabs(move.axes_d[ea_index]);
  double limit_velocity = gaxis_limit_velocity_ * axis_ratio;
  double limit_accel = gaxis_limit_accel_ * axis_ratio;
  if (!move.is_kinematic_move && accel_ != 0.)
    limit_accel = std::min(limit_accel, accel_ * axis_ratio);
  move.limit_speed(limit_velocity, limit_accel);
}

double ManualStepper::calc_junction(const ToolMove& prev_move, const ToolMove& move,
                                    size_t ea_index) {
  double diff_r = move.axes_r[ea_index] - prev_move.axes_r[ea_index];
  if (diff_r != 0.) return std::pow(instant_corner_v_ / std::fabs(diff_r), 2.);
  return move.max_cruise_v2;
}

// ---- as the moving object of a homing move ----------------------------------------------

const Coord& ManualStepper::get_position() const {
  position_ = Coord{commanded_pos_, 0., 0., 0.};
  return position_;
}

void ManualStepper::set_position(const Coord& newpos, const std::string&) {
  do_set_position(newpos[0]);
}

double ManualStepper::get_last_move_time() {
  sync_print_time();
  return next_cmd_time_;
}

void ManualStepper::drip_move(const Coord& newpos, double speed, DripCompletion* completion) {
  sync_print_time();
  double start_time = next_cmd_time_;
  double end_time = submit_move(start_time, newpos[0], speed, homing_accel_);
  motion_queuing_.drip_update_time(start_time, end_time, completion);
  // Whatever the trigger left of the move is dropped.
  motion_queuing_.wipe_trapq(trapq_);
  for (auto& s : steppers_) s->set_position(newpos[0], 0., 0.);
  commanded_pos_ = newpos[0];
  sync_print_time();
}

std::vector<MotionStepper*> ManualStepper::get_steppers() {
  std::vector<MotionStepper*> out;
  for (auto& s : steppers_) out.push_back(s.get());
  return out;
}

Pos3 ManualStepper::calc_position(const std::map<std::string, double>& stepper_positions) {
  return {stepper_positions.at(steppers_.at(0)->get_name()), 0., 0.};
}

// No status of its own (Klipper has none); the Kinematics base requires the method.
Json ManualStepper::get_status(double) { return nullptr; }

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<ManualStepper>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(manual_stepper, nullptr, kpp::load)
