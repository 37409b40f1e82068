// Extruders (see extruder.h).
#include "motion/extruder.h"

#include <cmath>

#include "core/logging.h"
#include "motion/motion_queuing.h"
#include "motion/trapq.h"

namespace kpp {

// ---- ExtruderStepper ---------------------------------------------------------------------

ExtruderStepper::ExtruderStepper(const ConfigWrapper& config) : printer_(config.get_printer()) {
  const std::string& section = config.get_name();
  auto sp = section.rfind(' ');
  name_ = sp == std::string::npos ? section : section.substr(sp + 1);
  config_pa_ = config.getfloat("pressure_advance", 0., FloatLimits{.minval = 0.});
  config_smooth_time_ = config.getfloat("pressure_advance_smooth_time", 0.040,
                                        FloatLimits{.maxval = .200, .above = 0.});
  stepper_ = make_printer_stepper(config);
  auto sk = std::make_unique<motion::ExtruderKinematics>();
  sk_extruder_ = sk.get();
  stepper_->setup_itersolve(std::move(sk));
  printer_.register_event_handler("klippy:connect",
                                  std::function<void()>([this] { handle_connect(); }));
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  const char* pa_help = "Set pressure advance parameters";
  if (name_ == "extruder")
    gcode.register_mux_command(
        "SET_PRESSURE_ADVANCE", "EXTRUDER", "",
        [this](GCodeCommand& g) { cmd_default_SET_PRESSURE_ADVANCE(g); }, pa_help);
  gcode.register_mux_command(
      "SET_PRESSURE_ADVANCE", "EXTRUDER", name_,
      [this](GCodeCommand& g) { cmd_SET_PRESSURE_ADVANCE(g); }, pa_help);
  gcode.register_mux_command(
      "SET_EXTRUDER_ROTATION_DISTANCE", "EXTRUDER", name_,
      [this](GCodeCommand& g) { cmd_SET_E_ROTATION_DISTANCE(g); },
      "Set extruder rotation distance");
  gcode.register_mux_command(
      "SYNC_EXTRUDER_MOTION", "EXTRUDER", name_,
      [this](GCodeCommand& g) { cmd_SYNC_EXTRUDER_MOTION(g); },
      "Set extruder stepper motion queue");
}

void ExtruderStepper::handle_connect() {
  set_pressure_advance(config_pa_, config_smooth_time_);
}

Json ExtruderStepper::get_status(double) const {
  return Json{{"pressure_advance", pressure_advance_},
              {"smooth_time", pressure_advance_smooth_time_},
              {"motion_queue", motion_queue_ ? Json(*motion_queue_) : Json(nullptr)}};
}

double ExtruderStepper::find_past_position(double print_time) const {
  int64_t mcu_pos = stepper_->get_past_mcu_position(print_time);
  return stepper_->mcu_to_commanded_position(mcu_pos);
}

void ExtruderStepper::sync_to_extruder(const std::string& extruder_name) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  toolhead.flush_step_generation();
  if (extruder_name.empty()) {
    stepper_->set_trapq(nullptr);
    motion_queue_.reset();
    return;
  }
  auto* extruder = printer_.try_lookup<PrinterExtruder>(extruder_name);
  if (!extruder)
    throw CommandError(fmt::format("'{}' is not a valid extruder.", extruder_name));
  stepper_->set_position(extruder->last_position(), 0., 0.);
  stepper_->set_trapq(extruder->get_trapq());
  motion_queue_ = extruder_name;
}

void ExtruderStepper::set_pressure_advance(double pressure_advance, double smooth_time) {
  double old_smooth_time = pressure_advance_smooth_time_;
  if (pressure_advance_ == 0.) old_smooth_time = 0.;
  double new_smooth_time = smooth_time;
  if (pressure_advance == 0.) new_smooth_time = 0.;
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  motion::ExtruderKinematics* sk = sk_extruder_;
  if (new_smooth_time != old_smooth_time) {
    // A new smoothing window changes how far step generation must stay behind the moves:
    // generate everything queued, then apply it at once (from print time 0, i.e. to every move
    // still to come), so that the next move's start already uses the new kinematic flush
    // delay. Going through the lookahead callback would first fix the next print time with
    // the old delay.
    toolhead.flush_step_generation();
    sk->set_pressure_advance(0., pressure_advance, new_smooth_time);
    toolhead.get_motion_queuing().check_step_generation_scan_windows();
  } else {
    toolhead.register_lookahead_callback([sk, pressure_advance, new_smooth_time](double pt) {
      sk->set_pressure_advance(pt, pressure_advance, new_smooth_time);
    });
  }
  pressure_advance_ = pressure_advance;
  pressure_advance_smooth_time_ = smooth_time;
}

void ExtruderStepper::cmd_default_SET_PRESSURE_ADVANCE(GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  auto* extruder = dynamic_cast<PrinterExtruder*>(&toolhead.get_extruder());
  if (!extruder || !extruder->extruder_stepper())
    throw gcmd.error("Active extruder does not have a stepper");
  ExtruderStepper* es = extruder->extruder_stepper();
  if (es->stepper().get_trapq() != extruder->get_trapq())
    throw gcmd.error("Unable to infer active extruder stepper");
  es->cmd_SET_PRESSURE_ADVANCE(gcmd);
}

void ExtruderStepper::cmd_SET_PRESSURE_ADVANCE(GCodeCommand& gcmd) {
  double pressure_advance =
      gcmd.get_float("ADVANCE", pressure_advance_, FloatLimits{.minval = 0.});
  double smooth_time = gcmd.get_float("SMOOTH_TIME", pressure_advance_smooth_time_,
                                      FloatLimits{.minval = 0., .maxval = .200});
  set_pressure_advance(pressure_advance, smooth_time);
  std::string msg = fmt::format("pressure_advance: {:.6f}\npressure_advance_smooth_time: {:.6f}",
                                pressure_advance, smooth_time);
  printer_.set_rollover_info(name_, name_ + ": " + msg);
  gcmd.respond_info(msg, false);
}

void ExtruderStepper::cmd_SET_E_ROTATION_DISTANCE(GCodeCommand& gcmd) {
  auto rotation_dist = gcmd.get_float_opt("DISTANCE");
  double rd;
  if (rotation_dist) {
    rd = *rotation_dist;
    if (rd == 0.) throw gcmd.error("Rotation distance can not be zero");
    auto [invert_dir, orig_invert_dir] = stepper_->get_dir_inverted();
    bool next_invert_dir = orig_invert_dir;
    if (rd < 0.) {
      next_invert_dir = !orig_invert_dir;
      rd = -rd;
    }
    printer_.lookup<ToolHead>("toolhead").flush_step_generation();
    stepper_->set_rotation_distance(rd);
    stepper_->set_dir_inverted(next_invert_dir);
  } else {
    rd = stepper_->get_rotation_distance().first;
  }
  auto [invert_dir, orig_invert_dir] = stepper_->get_dir_inverted();
  if (invert_dir != orig_invert_dir) rd = -rd;
  gcmd.respond_info(fmt::format("Extruder '{}' rotation distance set to {:0.6f}", name_, rd));
}

void ExtruderStepper::cmd_SYNC_EXTRUDER_MOTION(GCodeCommand& gcmd) {
  std::string ename = gcmd.get("MOTION_QUEUE");
  sync_to_extruder(ename);
  gcmd.respond_info(fmt::format("Extruder '{}' now syncing with '{}'", name_, ename));
}

// ---- PrinterExtruder ---------------------------------------------------------------------

PrinterExtruder::PrinterExtruder(const ConfigWrapper& config, int extruder_num)
    : printer_(config.get_printer()), name_(config.get_name()) {
  auto& pheaters = printer_.load<PrinterHeaters>(config, "heaters");
  heater_ = &pheaters.setup_heater(config, fmt::format("T{}", extruder_num));
  // Extrusion limits.
  nozzle_diameter_ = config.getfloat("nozzle_diameter", FloatLimits{.above = 0.});
  double filament_diameter =
      config.getfloat("filament_diameter", FloatLimits{.minval = nozzle_diameter_});
  filament_area_ = M_PI * std::pow(filament_diameter * .5, 2.);
  double def_max_cross_section = 4. * std::pow(nozzle_diameter_, 2.);
  double def_max_extrude_ratio = def_max_cross_section / filament_area_;
  double max_cross_section = config.getfloat("max_extrude_cross_section", def_max_cross_section,
                                             FloatLimits{.above = 0.});
  max_extrude_ratio_ = max_cross_section / filament_area_;
  log::info("Extruder max_extrude_ratio={:.6f}", max_extrude_ratio_);
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  auto [max_velocity, max_accel] = toolhead.get_max_velocity();
  max_e_velocity_ = config.getfloat("max_extrude_only_velocity",
                                    max_velocity * def_max_extrude_ratio, FloatLimits{.above = 0.});
  max_e_accel_ = config.getfloat("max_extrude_only_accel", max_accel * def_max_extrude_ratio,
                                 FloatLimits{.above = 0.});
  max_e_dist_ = config.getfloat("max_extrude_only_distance", 50., FloatLimits{.minval = 0.});
  instant_corner_v_ =
      config.getfloat("instantaneous_corner_velocity", 1., FloatLimits{.minval = 0.});
  trapq_ = toolhead.get_motion_queuing().allocate_trapq();
  // The extruder's own stepper (optional: [extruder_stepper] sections may drive it).
  if (config.get_opt("step_pin") || config.get_opt("dir_pin") ||
      config.get_opt("rotation_distance")) {
    extruder_stepper_ = std::make_unique<ExtruderStepper>(config);
    extruder_stepper_->stepper().set_trapq(trapq_);
  }
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  if (name_ == "extruder") {
    toolhead.set_extruder(this, 0.);
    gcode.register_command("M104", [this](GCodeCommand& g) { cmd_M104(g, false); });
    gcode.register_command("M109", [this](GCodeCommand& g) { cmd_M104(g, true); });
  }
  gcode.register_mux_command(
      "ACTIVATE_EXTRUDER", "EXTRUDER", name_,
      [this](GCodeCommand& g) { cmd_ACTIVATE_EXTRUDER(g); }, "Change the active extruder");
}

Json PrinterExtruder::get_status(double eventtime) {
  Json sts = heater_->get_status(eventtime);
  sts["can_extrude"] = heater_->can_extrude();
  if (extruder_stepper_) sts.update(extruder_stepper_->get_status(eventtime));
  return sts;
}

double PrinterExtruder::find_past_position(double print_time) const {
  if (!extruder_stepper_) return 0.;
  return extruder_stepper_->find_past_position(print_time);
}

void PrinterExtruder::check_move(ToolMove& move, size_t ea_index) {
  double axis_r = move.axes_r[ea_index];
  if (!heater_->can_extrude())
    throw CommandError(
        "Extrude below minimum temp\nSee the 'min_extrude_temp' config option for details");
  if ((move.axes_d[0] == 0. && move.axes_d[1] == 0.) || axis_r < 0.) {
    // Extrude only move (or retraction): limit velocity and acceleration.
    if (std::fabs(move.axes_d[ea_index]) > max_e_dist_)
      throw CommandError(fmt::format(
          "Extrude only move too long ({:.3f}mm vs {:.3f}mm)\n"
          "See the 'max_extrude_only_distance' config option for details",
          move.axes_d[ea_index], max_e_dist_));
    double inv_extrude_r = 1. / std::fabs(axis_r);
    move.limit_speed(max_e_velocity_ * inv_extrude_r, max_e_accel_ * inv_extrude_r);
  } else if (axis_r > max_extrude_ratio_) {
    // A tiny amount of extrusion is allowed.
    if (move.axes_d[ea_index] <= nozzle_diameter_ * max_extrude_ratio_) return;
    double area = axis_r * filament_area_;
    log::debug("Overextrude: {} vs {} (area={:.3f} dist={:.3f})", axis_r, max_extrude_ratio_,
               area, move.move_d);
    throw CommandError(fmt::format(
        "Move exceeds maximum extrusion ({:.3f}mm^2 vs {:.3f}mm^2)\n"
        "See the 'max_extrude_cross_section' config option for details",
        area, max_extrude_ratio_ * filament_area_));
  }
}

double PrinterExtruder::calc_junction(const ToolMove& prev_move, const ToolMove& move,
                                      size_t ea_index) {
  double diff_r = move.axes_r[ea_index] - prev_move.axes_r[ea_index];
  if (diff_r != 0.) return std::pow(instant_corner_v_ / std::fabs(diff_r), 2.);
  return move.max_cruise_v2;
}

void PrinterExtruder::process_move(double print_time, const ToolMove& move, size_t ea_index) {
  double axis_r = move.axes_r[ea_index];
  double accel = move.accel * axis_r;
  double start_v = move.start_v * axis_r;
  double cruise_v = move.cruise_v * axis_r;
  bool can_pressure_advance = axis_r > 0. && (move.axes_d[0] != 0. || move.axes_d[1] != 0.);
  // The extruder position in x, the pressure advance flag in y.
  trapq_->append(print_time, move.accel_t, move.cruise_t, move.decel_t,
                 {move.start_pos[ea_index], 0., 0.}, {1., can_pressure_advance ? 1. : 0., 0.},
                 start_v, cruise_v, accel);
  last_position_ = move.end_pos[ea_index];
}

void PrinterExtruder::cmd_M104(GCodeCommand& gcmd, bool wait) {
  double temp = gcmd.get_float("S", 0.);
  auto index = gcmd.get_int_opt("T", IntLimits{.minval = 0});
  PrinterExtruder* extruder;
  if (index) {
    std::string section = "extruder";
    if (*index) section = fmt::format("extruder{}", *index);
    extruder = printer_.try_lookup<PrinterExtruder>(section);
    if (!extruder) {
      if (temp <= 0.) return;
      throw gcmd.error("Extruder not configured");
    }
  } else {
    extruder = dynamic_cast<PrinterExtruder*>(&printer_.lookup<ToolHead>("toolhead").get_extruder());
    if (!extruder) throw gcmd.error("Extruder not configured");
  }
  auto& pheaters = printer_.lookup<PrinterHeaters>("heaters");
  pheaters.set_temperature(extruder->get_heater(), temp, wait);
}

void PrinterExtruder::cmd_ACTIVATE_EXTRUDER(GCodeCommand& gcmd) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  if (&toolhead.get_extruder() == this) {
    gcmd.respond_info(fmt::format("Extruder {} already active", name_));
    return;
  }
  gcmd.respond_info(fmt::format("Activating extruder {}", name_));
  toolhead.flush_step_generation();
  toolhead.set_extruder(this, last_position_);
  printer_.send_event<PrinterExtruder*>("extruder:activate_extruder", this);
}

void add_printer_extruders(Printer& printer, const ConfigWrapper& config) {
  for (int i = 0; i < 99; i++) {
    std::string section = "extruder";
    if (i) section = fmt::format("extruder{}", i);
    if (!config.has_section(section)) break;
    printer.add_object(section,
                       std::make_shared<PrinterExtruder>(config.getsection(section), i));
  }
}

// ---- [extruder_stepper] ------------------------------------------------------------------

namespace {

class PrinterExtruderStepper : public PrinterObject, public ExtruderPositionSource {
 public:
  explicit PrinterExtruderStepper(const ConfigWrapper& config)
      : extruder_stepper_(config), extruder_name_(config.get("extruder")) {
    config.get_printer().register_event_handler(
        "klippy:connect",
        std::function<void()>([this] { extruder_stepper_.sync_to_extruder(extruder_name_); }));
  }
  Json get_status(double eventtime) override { return extruder_stepper_.get_status(eventtime); }
  double find_past_position(double print_time) const override {
    return extruder_stepper_.find_past_position(print_time);
  }

 private:
  ExtruderStepper extruder_stepper_;
  std::string extruder_name_;
};

std::shared_ptr<PrinterObject> load_extruder_stepper(ConfigWrapper& config) {
  return std::make_shared<PrinterExtruderStepper>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(extruder_stepper, nullptr, kpp::load_extruder_stepper)
