// MCU stepper (see stepper.h).
#include "motion/stepper.h"

#include <cmath>

#include "core/logging.h"
#include "mcu/pins.h"
#include "motion/motion_queuing.h"
#include "motion/steppersync.h"
#include "motion/trapq.h"

namespace kpp {

namespace {
MotionQueuing& load_motion_queuing(Printer& printer) {
  if (auto* mq = printer.try_lookup<MotionQueuing>("motion_queuing")) return *mq;
  return printer.load<MotionQueuing>(printer.get_config(), "motion_queuing");
}

Mcu& chip_mcu(const PinParams& p) {
  auto* m = dynamic_cast<Mcu*>(p.chip);
  if (!m) throw PinError(fmt::format("Pin '{}' is not a valid stepper pin", p.pin));
  return *m;
}
}  // namespace

MotionStepper::MotionStepper(Printer& printer, const std::string& name, const PinParams& step_pin,
                             const PinParams& dir_pin, double rotation_dist,
                             double steps_per_rotation, std::optional<double> step_pulse_duration,
                             bool units_in_radians)
    : printer_(printer),
      mcu_(chip_mcu(step_pin)),
      motion_queuing_(load_motion_queuing(printer)),
      name_(name),
      rotation_dist_(rotation_dist),
      steps_per_rotation_(steps_per_rotation),
      step_dist_(rotation_dist / steps_per_rotation),
      step_pulse_duration_(step_pulse_duration),
      units_in_radians_(units_in_radians),
      oid_(mcu_.create_oid()),
      step_pin_(step_pin.pin),
      dir_pin_(dir_pin.pin),
      invert_step_(step_pin.invert) {
  mcu_.register_config_callback([this] { build_config(); });
  if (dir_pin.chip != step_pin.chip)
    throw ConfigError("Stepper dir pin must be on same mcu as step pin");
  invert_dir_ = orig_invert_dir_ = dir_pin.invert != 0;
  se_ = &motion_queuing_.allocate_syncemitter(mcu_, name_);
  se_->stepcompress()->set_invert_sdir(invert_dir_);
  printer.register_event_handler("klippy:connect",
                                 std::function<void()>([this] { query_mcu_position(); }));
}

MotionStepper::~MotionStepper() {
  if (active_flush_id_) motion_queuing_.unregister_flush_callback(active_flush_id_);
}

std::string MotionStepper::get_name(bool short_name) const {
  if (short_name && name_.starts_with("stepper_")) return name_.substr(8);
  return name_;
}

motion::StepCompress& MotionStepper::stepcompress() { return *se_->stepcompress(); }

void MotionStepper::setup_default_pulse_duration(double pulse_duration, bool step_both_edge) {
  if (!step_pulse_duration_) step_pulse_duration_ = pulse_duration;
  req_step_both_edge_ = step_both_edge;
}

void MotionStepper::setup_itersolve(std::unique_ptr<motion::StepperKinematics> sk) {
  motion::StepperKinematics* raw = sk.get();
  owned_sk_.push_back(std::move(sk));
  set_stepper_kinematics(raw);
}

void MotionStepper::build_config() {
  if (!step_pulse_duration_) step_pulse_duration_ = .000002;
  int invert_step = invert_step_;
  // Step on both edges of the step pin when the MCU and the driver allow it.
  const auto& constants = mcu_.get_constants();
  auto constant = [&](const char* name) -> int64_t {
    auto it = constants.find(name);
    return it == constants.end() ? 0 : std::atoll(it->second.c_str());
  };
  int64_t ssbe = constant("STEPPER_STEP_BOTH_EDGE");
  int64_t sbe = constant("STEPPER_BOTH_EDGE");
  int64_t sou = constant("STEPPER_OPTIMIZED_UNSTEP");
  bool want_both_edges = req_step_both_edge_;
  if (*step_pulse_duration_ > kMinBothEdgeDuration)
    want_both_edges = false;  // long pulses: rise and fall times may differ
  else if (sbe && *step_pulse_duration_ > kMinOptimizedBothEdgeDuration)
    want_both_edges = false;
  else if (!sbe && !ssbe)
    want_both_edges = false;
  else if (sou)
    want_both_edges = false;  // an optimized step+unstep is as fast
  if (want_both_edges) {
    step_both_edge_ = true;
    invert_step = -1;
    if (sbe) step_pulse_duration_ = 0.;  // older firmware: ticks=0 selects both edges
  }
  int64_t step_pulse_ticks = mcu_.seconds_to_clock(*step_pulse_duration_);
  mcu_.add_config_cmd(fmt::format(
      "config_stepper oid={} step_pin={} dir_pin={} invert_step={} step_pulse_ticks={}", oid_,
      step_pin_, dir_pin_, invert_step, step_pulse_ticks));
  mcu_.add_config_cmd(fmt::format("reset_step_clock oid={} clock=0", oid_), false, true);
  int step_cmd_tag = mcu_.lookup_command_tag("queue_step oid=%c interval=%u count=%hu add=%hi");
  int dir_cmd_tag = mcu_.lookup_command_tag("set_next_step_dir oid=%c dir=%c");
  reset_cmd_tag_ = mcu_.lookup_command_tag("reset_step_clock oid=%c clock=%u");
  get_position_cmd_ = mcu_.lookup_query_command("stepper_get_position oid=%c",
                                                "stepper_position oid=%c pos=%i", oid_);
  double max_error = mcu_.get_max_stepper_error();
  int64_t max_error_ticks = mcu_.seconds_to_clock(max_error);
  stepcompress().configure(static_cast<uint32_t>(oid_), static_cast<uint32_t>(max_error_ticks),
                           step_cmd_tag, dir_cmd_tag);
}

void MotionStepper::set_rotation_distance(double rotation_dist) {
  int64_t mcu_pos = get_mcu_position();
  rotation_dist_ = rotation_dist;
  step_dist_ = rotation_dist / steps_per_rotation_;
  set_stepper_kinematics(sk_);
  set_mcu_position(mcu_pos);
}

void MotionStepper::set_dir_inverted(bool invert_dir) {
  if (invert_dir == invert_dir_) return;
  invert_dir_ = invert_dir;
  stepcompress().set_invert_sdir(invert_dir);
  printer_.send_event<MotionStepper*>("stepper:set_dir_inverted", this);
}

double MotionStepper::calc_position_from_coord(double x, double y, double z) {
  return sk_->calc_position_from_coord(x, y, z);
}

void MotionStepper::set_position(double x, double y, double z) {
  int64_t mcu_pos = get_mcu_position();
  sk_->set_position(x, y, z);
  set_mcu_position(mcu_pos);
}

double MotionStepper::get_commanded_position() const { return sk_->commanded_pos(); }

int64_t MotionStepper::get_mcu_position() const {
  return get_mcu_position(get_commanded_position());
}

int64_t MotionStepper::get_mcu_position(double cmd_pos) const {
  double mcu_pos_dist = cmd_pos + mcu_position_offset_;
  double mcu_pos = mcu_pos_dist / step_dist_;
  if (mcu_pos >= 0.) return static_cast<int64_t>(mcu_pos + 0.5);
  return static_cast<int64_t>(mcu_pos - 0.5);
}

void MotionStepper::set_mcu_position(int64_t mcu_pos) {
  double mcu_pos_dist = static_cast<double>(mcu_pos) * step_dist_;
  mcu_position_offset_ = mcu_pos_dist - get_commanded_position();
}

int64_t MotionStepper::get_past_mcu_position(double print_time) const {
  uint64_t clock = mcu_.print_time_to_clock(print_time);
  return se_->stepcompress()->find_past_position(clock);
}

double MotionStepper::mcu_to_commanded_position(int64_t mcu_pos) const {
  return static_cast<double>(mcu_pos) * step_dist_ - mcu_position_offset_;
}

size_t MotionStepper::dump_steps(std::span<motion::HistorySteps> out, uint64_t start_clock,
                                 uint64_t end_clock) const {
  return se_->stepcompress()->extract_old(out, start_clock, end_clock);
}

motion::StepperKinematics* MotionStepper::set_stepper_kinematics(motion::StepperKinematics* sk) {
  motion::StepperKinematics* old_sk = sk_;
  int64_t mcu_pos = 0;
  if (old_sk) mcu_pos = get_mcu_position();
  sk_ = sk;
  sk_->set_trapq(trapq_, step_dist_);
  se_->set_stepper_kinematics(sk_);
  set_mcu_position(mcu_pos);
  return old_sk;
}

motion::TrapQ* MotionStepper::set_trapq(motion::TrapQ* tq) {
  motion::TrapQ* old = trapq_;
  trapq_ = tq;
  if (sk_) sk_->set_trapq(tq, step_dist_);
  return old;
}

void MotionStepper::note_homing_end() {
  if (stepcompress().reset(0)) throw McuError("Internal error in stepcompress");
  uint32_t data[3] = {static_cast<uint32_t>(reset_cmd_tag_), static_cast<uint32_t>(oid_), 0};
  if (stepcompress().queue_msg(data)) throw McuError("Internal error in stepcompress");
  query_mcu_position();
}

void MotionStepper::query_mcu_position() {
  if (mcu_.is_fileoutput()) return;
  McuResponse r = get_position_cmd_.send({oid_});
  int64_t last_pos = r.get_int("pos");
  if (invert_dir_) last_pos = -last_pos;
  double print_time = mcu_.estimated_print_time(r.receive_time);
  uint64_t clock = mcu_.print_time_to_clock(print_time);
  if (stepcompress().set_last_position(clock, last_pos))
    throw McuError("Internal error in stepcompress");
  set_mcu_position(last_pos);
  printer_.send_event<MotionStepper*>("stepper:sync_mcu_position", this);
}

void MotionStepper::add_active_callback(std::function<void(double)> cb) {
  if (active_callbacks_.empty())
    active_flush_id_ = motion_queuing_.register_flush_callback(
        [this](double flush_time, double step_gen_time) { check_active(flush_time, step_gen_time); });
  active_callbacks_.push_back(std::move(cb));
}

void MotionStepper::check_active(double /*flush_time*/, double step_gen_time) {
  if (!sk_) return;
  double ret = sk_->check_active(step_gen_time);
  if (ret == 0.) return;
  motion_queuing_.unregister_flush_callback(active_flush_id_);
  active_flush_id_ = 0;
  auto cbs = std::move(active_callbacks_);
  active_callbacks_.clear();
  for (auto& cb : cbs) cb(ret);
}

bool MotionStepper::is_active_axis(char axis) const { return sk_ && sk_->is_active_axis(axis); }

// ---- config ------------------------------------------------------------------------------

namespace {

double gear_ratio(const ConfigWrapper& config, bool note_valid) {
  std::vector<std::vector<std::string>> ratios;
  if (note_valid) {
    if (config.has_option("gear_ratio")) ratios = config.getlists("gear_ratio", ",:", 2);
    else config.get_opt("gear_ratio");
  } else if (auto raw = config.peek("gear_ratio")) {
    ConfigWrapper c = config;
    ratios = c.getlists("gear_ratio", ",:", 2);
  }
  double result = 1.;
  for (auto& r : ratios) {
    auto a = parse_config_float(r[0]), b = parse_config_float(r[1]);
    if (!a || !b)
      throw ConfigError(fmt::format("Unable to parse option 'gear_ratio' in section '{}'",
                                    config.get_name()));
    result *= *a / *b;
  }
  return result;
}

}  // namespace

std::pair<double, double> parse_step_distance(const ConfigWrapper& config,
                                              std::optional<bool> units_in_radians,
                                              bool note_valid) {
  if (!units_in_radians) {
    auto rd = config.peek("rotation_distance");
    auto gr = config.peek("gear_ratio");
    units_in_radians = !rd && gr;
  }
  auto getint = [&](std::string_view opt, std::optional<int64_t> def, IntLimits lim) {
    if (note_valid || !def || config.peek(opt)) {
      if (def) return config.getint(opt, *def, lim);
      return config.getint(opt, lim);
    }
    return *def;
  };
  double rotation_dist;
  std::optional<double> legacy_step_distance;
  if (*units_in_radians) {
    rotation_dist = 2. * M_PI;
    if (note_valid) config.get("gear_ratio");
  } else if (!config.peek("rotation_distance") && config.peek("step_distance")) {
    // Old configs give the distance of one (micro)step.
    legacy_step_distance = config.getfloat("step_distance", FloatLimits{.above = 0.});
    config.deprecate("step_distance");
    rotation_dist = 0.;
  } else {
    rotation_dist = config.getfloat("rotation_distance", FloatLimits{.above = 0.});
  }
  if (legacy_step_distance) {
    int64_t microsteps = getint("microsteps", 1, IntLimits{.minval = 1});
    int64_t full_steps = getint("full_steps_per_rotation", 200, IntLimits{.minval = 1});
    double steps = static_cast<double>(full_steps * microsteps) * gear_ratio(config, note_valid);
    return {*legacy_step_distance * steps, steps};
  }
  int64_t microsteps = getint("microsteps", std::nullopt, IntLimits{.minval = 1});
  int64_t full_steps = getint("full_steps_per_rotation", 200, IntLimits{.minval = 1});
  if (full_steps % 4)
    throw ConfigError(
        fmt::format("full_steps_per_rotation invalid in section '{}'", config.get_name()));
  double gearing = gear_ratio(config, note_valid);
  return {rotation_dist, static_cast<double>(full_steps * microsteps) * gearing};
}

std::shared_ptr<MotionStepper> make_printer_stepper(const ConfigWrapper& config,
                                                   bool units_in_radians) {
  Printer& printer = config.get_printer();
  const std::string& name = config.get_name();
  auto& ppins = printer.lookup<PrinterPins>("pins");
  PinParams step_pin = ppins.lookup_pin(config.get("step_pin"), true);
  PinParams dir_pin = ppins.lookup_pin(config.get("dir_pin"), true);
  auto [rotation_dist, steps_per_rotation] = parse_step_distance(config, units_in_radians, true);
  auto step_pulse_duration =
      config.getfloat_opt("step_pulse_duration", FloatLimits{.minval = 0., .maxval = .001});
  auto stepper =
      std::make_shared<MotionStepper>(printer, name, step_pin, dir_pin, rotation_dist,
                                      steps_per_rotation, step_pulse_duration, units_in_radians);
  for (const char* mname : {"stepper_enable", "force_move", "motion_report"}) {
    auto* obj = printer.load_object(config, mname);
    if (auto* reg = dynamic_cast<StepperRegistry*>(obj)) reg->register_stepper(config, stepper);
  }
  return stepper;
}

}  // namespace kpp
