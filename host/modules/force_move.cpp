// Forced stepper moves (see force_move.h).
#include "modules/force_move.h"

#include <cmath>

#include "core/logging.h"
#include "modules/stepper_enable.h"
#include "motion/motion_queuing.h"
#include "motion/toolhead.h"
#include "motion/trapq.h"

namespace kpp {

namespace {
constexpr double kBuzzDistance = 1.;
constexpr double kBuzzVelocity = kBuzzDistance / .250;
const double kBuzzRadiansDistance = M_PI / 180.;
const double kBuzzRadiansVelocity = kBuzzRadiansDistance / .250;
}  // namespace

ForcedMoveTimes calc_move_time(double dist, double speed, double accel) {
  double axis_r = 1.;
  if (dist < 0.) {
    axis_r = -1.;
    dist = -dist;
  }
  if (accel == 0. || dist == 0.) return {axis_r, 0., dist / speed, speed};
  double max_cruise_v2 = dist * accel;
  if (max_cruise_v2 < std::pow(speed, 2.)) speed = std::sqrt(max_cruise_v2);
  double accel_t = speed / accel;
  double accel_decel_d = accel_t * speed;
  double cruise_t = (dist - accel_decel_d) / speed;
  return {axis_r, accel_t, cruise_t, speed};
}

ForceMove::ForceMove(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      motion_queuing_(printer_.load<MotionQueuing>(config, "motion_queuing")) {
  trapq_ = motion_queuing_.allocate_trapq();
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "STEPPER_BUZZ", [this](GCodeCommand& g) { cmd_STEPPER_BUZZ(g); }, false,
      "Oscillate a given stepper to help id it");
  if (config.getboolean("enable_force_move", false)) {
    gcode.register_command(
        "FORCE_MOVE", [this](GCodeCommand& g) { cmd_FORCE_MOVE(g); }, false,
        "Manually move a stepper; invalidates kinematics");
    gcode.register_command(
        "SET_KINEMATIC_POSITION", [this](GCodeCommand& g) { cmd_SET_KINEMATIC_POSITION(g); },
        false, "Force a low-level kinematic position");
  }
}

void ForceMove::register_stepper(const ConfigWrapper&, std::shared_ptr<MotionStepper> stepper) {
  steppers_[stepper->get_name()] = std::move(stepper);
}

MotionStepper& ForceMove::lookup_stepper(const std::string& name) {
  auto it = steppers_.find(name);
  if (it == steppers_.end()) throw ConfigError(fmt::format("Unknown stepper {}", name));
  return *it->second;
}

MotionStepper& ForceMove::lookup_stepper(GCodeCommand& gcmd) {
  std::string name = gcmd.get("STEPPER");
  auto it = steppers_.find(name);
  if (it == steppers_.end()) throw gcmd.error(fmt::format("Unknown stepper {}", name));
  return *it->second;
}

// Returns whether the stepper had to be enabled (and so must be disabled again afterwards).
bool ForceMove::force_enable(MotionStepper& stepper) {
  auto& stepper_enable = printer_.lookup<PrinterStepperEnable>("stepper_enable");
  return stepper_enable.set_motors_enable({stepper.get_name()}, true);
}

void ForceMove::restore_enable(MotionStepper& stepper, bool did_enable) {
  if (!did_enable) return;
  auto& stepper_enable = printer_.lookup<PrinterStepperEnable>("stepper_enable");
  stepper_enable.set_motors_enable({stepper.get_name()}, false);
}

void ForceMove::manual_move(MotionStepper& stepper, double dist, double speed, double accel) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.flush_step_generation();
  motion::StepperKinematics* prev_sk = stepper.set_stepper_kinematics(&stepper_kinematics_);
  motion::TrapQ* prev_trapq = stepper.set_trapq(trapq_);
  stepper.set_position(0., 0., 0.);
  auto t = calc_move_time(dist, speed, accel);
  double print_time = toolhead.get_last_move_time();
  trapq_->append(print_time, t.accel_t, t.cruise_t, t.accel_t, {0., 0., 0.}, {t.axis_r, 0., 0.},
                 0., t.cruise_v, accel);
  print_time = print_time + t.accel_t + t.cruise_t + t.accel_t;
  motion_queuing_.note_mcu_movequeue_activity(print_time);
  toolhead.dwell(t.accel_t + t.cruise_t + t.accel_t);
  toolhead.flush_step_generation();
  stepper.set_trapq(prev_trapq);
  stepper.set_stepper_kinematics(prev_sk);
  motion_queuing_.wipe_trapq(trapq_);
}

void ForceMove::cmd_STEPPER_BUZZ(GCodeCommand& gcmd) {
  MotionStepper& stepper = lookup_stepper(gcmd);
  log::info("Stepper buzz {}", stepper.get_name());
  bool did_enable = force_enable(stepper);
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  double dist = kBuzzDistance, speed = kBuzzVelocity;
  if (stepper.units_in_radians()) dist = kBuzzRadiansDistance, speed = kBuzzRadiansVelocity;
  for (int i = 0; i < 10; i++) {
    manual_move(stepper, dist, speed);
    toolhead.dwell(.050);
    manual_move(stepper, -dist, speed);
    toolhead.dwell(.450);
  }
  restore_enable(stepper, did_enable);
}

void ForceMove::cmd_FORCE_MOVE(GCodeCommand& gcmd) {
  MotionStepper& stepper = lookup_stepper(gcmd);
  double distance = gcmd.get_float("DISTANCE");
  double speed = gcmd.get_float("VELOCITY", FloatLimits{.above = 0.});
  double accel = gcmd.get_float("ACCEL", 0., FloatLimits{.minval = 0.});
  log::info("FORCE_MOVE {} distance={:.3f} velocity={:.3f} accel={:.3f}", stepper.get_name(),
            distance, speed, accel);
  force_enable(stepper);
  manual_move(stepper, distance, speed, accel);
}

void ForceMove::cmd_SET_KINEMATIC_POSITION(GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.get_last_move_time();
  Coord curpos = toolhead.get_position();
  double x = gcmd.get_float("X", curpos[0]);
  double y = gcmd.get_float("Y", curpos[1]);
  double z = gcmd.get_float("Z", curpos[2]);
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string set_homed = lower(gcmd.get("SET_HOMED", "xyz"));
  std::string clear_homed = lower(gcmd.get("CLEAR_HOMED", ""));
  std::string set_homed_axes, clear_homed_axes;
  for (char a : std::string("xyz")) {
    if (set_homed.find(a) != std::string::npos) set_homed_axes += a;
    if (clear_homed.find(a) != std::string::npos) clear_homed_axes += a;
  }
  log::info("SET_KINEMATIC_POSITION pos={:.3f},{:.3f},{:.3f} set_homed={} clear_homed={}", x, y,
            z, set_homed_axes, clear_homed_axes);
  Coord newpos = curpos;
  newpos[0] = x;
  newpos[1] = y;
  newpos[2] = z;
  toolhead.set_position(newpos, set_homed_axes);
  toolhead.get_kinematics().clear_homing_state(clear_homed_axes);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<ForceMove>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(force_move, kpp::load, nullptr)
