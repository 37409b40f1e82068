// The toolhead (see toolhead.h).
#include "motion/toolhead.h"

#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "motion/trapq.h"

namespace kpp {

namespace {

// The extruder placeholder until an [extruder] is configured.
class DummyExtruder : public ExtraAxis {
 public:
  std::string get_name() const override { return ""; }
  std::string get_axis_gcode_id() const override { return "E"; }
  bool is_extruder_axis() const override { return true; }
  double calc_junction(const ToolMove&, const ToolMove& move, size_t) override {
    return move.max_cruise_v2;
  }
  void check_move(ToolMove& move, size_t) override {
    throw move.move_error("Extrude when no extruder present");
  }
  void process_move(double, const ToolMove&, size_t) override {}
};

}  // namespace

ToolHead::ToolHead(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      reactor_(printer_.get_reactor()),
      commanded_pos_{0., 0., 0., 0.},
      motion_queuing_(printer_.load<MotionQueuing>(config, "motion_queuing")) {
  mcu_ = &printer_.lookup<Mcu>("mcu");
  lookahead_.set_flush_time(kBufferTimeHigh);
  max_velocity_ = config.getfloat("max_velocity", FloatLimits{.above = 0.});
  max_accel_ = config.getfloat("max_accel", FloatLimits{.above = 0.});
  min_cruise_ratio_ =
      config.getfloat("minimum_cruise_ratio", 0.5, FloatLimits{.minval = 0., .below = 1.});
  square_corner_velocity_ =
      config.getfloat("square_corner_velocity", 5., FloatLimits{.minval = 0.});
  calc_junction_deviation();
  can_pause_ = !mcu_->is_fileoutput();
  motion_queuing_.register_flush_callback(
      [this](double flush_time, double step_gen_time) {
        handle_step_flush(flush_time, step_gen_time);
      },
      true);
  trapq_ = motion_queuing_.allocate_trapq();
  dummy_extruder_ = std::make_unique<DummyExtruder>();
  extra_axes_.push_back(dummy_extruder_.get());
  std::string kin_name = config.get("kinematics");
  const KinematicsFactory* factory = find_kinematics(kin_name);
  if (!factory) throw ConfigError(fmt::format("Error loading kinematics '{}'", kin_name));
  kin_ = (*factory)(*this, config);
  printer_.register_event_handler("klippy:shutdown",
                                  std::function<void()>([this] { handle_shutdown(); }));
}

ToolHead::~ToolHead() = default;

void ToolHead::calc_junction_deviation() {
  limits_ = motion::make_move_limits(max_velocity_, max_accel_, square_corner_velocity_,
                                     min_cruise_ratio_);
}

// ---- print time -------------------------------------------------------------------------

void ToolHead::advance_move_time(double next_print_time) {
  print_time_ = std::max(print_time_, next_print_time);
}

void ToolHead::calc_print_time() {
  double curtime = reactor_.monotonic();
  double est_print_time = mcu_->estimated_print_time(curtime);
  double kin_time = motion_queuing_.calc_step_gen_restart(est_print_time);
  double min_print_time = std::max(est_print_time + kBufferTimeStart, kin_time);
  if (min_print_time > print_time_) {
    print_time_ = min_print_time;
    printer_.send_event<double, double, double>("toolhead:sync_print_time", curtime,
                                                est_print_time, print_time_);
  }
}

void ToolHead::process_lookahead(bool lazy) {
  size_t count = lookahead_.flush(lazy);
  if (!count) return;
  if (!special_queuing_state_.empty()) {
    // From "NeedPrime" / "Priming" to the main state.
    special_queuing_state_.clear();
    need_check_pause_ = -1.;
    calc_print_time();
  }
  double next_move_time = print_time_;
  auto& moves = lookahead_.moves();
  for (size_t i = 0; i < count; i++) {
    ToolMove& move = moves[i];
    if (move.is_kinematic_move)
      trapq_->append(next_move_time, move.accel_t, move.cruise_t, move.decel_t,
                     {move.start_pos[0], move.start_pos[1], move.start_pos[2]},
                     {move.axes_r[0], move.axes_r[1], move.axes_r[2]}, move.start_v,
                     move.cruise_v, move.accel);
    for (size_t e = 0; e < extra_axes_.size(); e++)
      if (move.axes_d[e + 3] != 0.) extra_axes_[e]->process_move(next_move_time, move, e + 3);
    next_move_time = next_move_time + move.accel_t + move.cruise_t + move.decel_t;
    for (auto& cb : move.timing_callbacks) cb(next_move_time);
  }
  lookahead_.pop_flushed(count);
  advance_move_time(next_move_time);
  motion_queuing_.note_mcu_movequeue_activity(next_move_time);
}

void ToolHead::flush_lookahead(bool is_runout) {
  double prev_print_time = print_time_;
  process_lookahead();
  special_queuing_state_ = "NeedPrime";
  need_check_pause_ = -1.;
  lookahead_.set_flush_time(kBufferTimeHigh);
  check_stall_time_ = 0.;
  if (is_runout && prev_print_time != print_time_) check_stall_time_ = print_time_;
}

void ToolHead::handle_step_flush(double /*flush_time*/, double step_gen_time) {
  if (!special_queuing_state_.empty()) return;
  // Main state: flush the look-ahead queue when step generation catches up with it.
  double kin_flush_delay = motion_queuing_.get_kin_flush_delay();
  if (step_gen_time >= print_time_ - kin_flush_delay - 0.001) flush_lookahead(true);
}

void ToolHead::flush_step_generation() {
  flush_lookahead();
  motion_queuing_.flush_all_steps();
}

double ToolHead::get_last_move_time() {
  if (!special_queuing_state_.empty()) {
    flush_lookahead();
    calc_print_time();
  } else {
    process_lookahead();
  }
  return print_time_;
}

double ToolHead::priming_handler(double /*eventtime*/) {
  reactor_.unregister_timer(priming_timer_);
  priming_timer_ = nullptr;
  try {
    if (special_queuing_state_ == "Priming") flush_lookahead(true);
  } catch (const std::exception& e) {
    log::error("Exception in priming_handler: {}", e.what());
    printer_.invoke_shutdown("Exception in priming_handler");
  }
  return Reactor::kNever;
}

void ToolHead::check_priming_state(double eventtime) {
  if (lookahead_.is_empty()) return;  // can stay in "NeedPrime"
  double est_print_time = mcu_->estimated_print_time(eventtime);
  if (check_stall_time_ != 0.) {
    // Got to "NeedPrime" from idle input.
    if (est_print_time < check_stall_time_) print_stall_++;
    check_stall_time_ = 0.;
  }
  special_queuing_state_ = "Priming";
  need_check_pause_ = -1.;
  if (!priming_timer_)
    priming_timer_ = reactor_.register_timer([this](double t) { return priming_handler(t); });
  double will_pause_time = print_time_ - est_print_time - kBufferTimeHigh;
  double wtime = eventtime + std::max(0., will_pause_time) + kPrimingCmdTime;
  reactor_.update_timer(priming_timer_, wtime);
}

void ToolHead::check_pause() {
  double eventtime = reactor_.monotonic();
  if (!special_queuing_state_.empty()) check_priming_state(eventtime);
  // Far ahead of the MCU: pause the G-code input.
  bool did_pause = false;
  for (;;) {
    double est_print_time = mcu_->estimated_print_time(eventtime);
    double pause_time = print_time_ - est_print_time - kBufferTimeHigh;
    if (pause_time <= 0.) break;
    if (!can_pause_) {
      need_check_pause_ = Reactor::kNever;
      return;
    }
    pause_time = std::max(.005, std::min(1., pause_time));
    eventtime = reactor_.pause(eventtime + pause_time);
    did_pause = true;
  }
  if (special_queuing_state_.empty()) {
    need_check_pause_ = print_time_;
    // Possibly falling behind: let other work run.
    if (!did_pause) reactor_.pause(Reactor::kNow);
  }
}

// ---- moves ------------------------------------------------------------------------------

void ToolHead::set_position(const Coord& newpos, const std::string& homing_axes) {
  flush_step_generation();
  trapq_->set_position(print_time_, {newpos[0], newpos[1], newpos[2]});
  for (size_t i = 0; i < 3; i++) commanded_pos_[i] = newpos[i];
  kin_->set_position({newpos[0], newpos[1], newpos[2]}, homing_axes);
  printer_.send_event("toolhead:set_position");
}

void ToolHead::calc_junction(ToolMove& move, const ToolMove& prev) {
  if (!move.is_kinematic_move || !prev.is_kinematic_move) return;
  ea_v2_.clear();
  for (size_t e = 0; e < extra_axes_.size(); e++)
    ea_v2_.push_back(extra_axes_[e]->calc_junction(prev, move, e + 3));
  move.calc_junction(prev, ea_v2_);
}

void ToolHead::move(const Coord& newpos, double speed) {
  ToolMove move(limits_, commanded_pos_, newpos, speed);
  if (move.move_d == 0.) return;
  if (move.is_kinematic_move) kin_->check_move(move);
  for (size_t e = 0; e < extra_axes_.size(); e++)
    if (move.axes_d[e + 3] != 0.) extra_axes_[e]->check_move(move, e + 3);
  commanded_pos_ = move.end_pos;
  bool want_flush = lookahead_.add_move(
      std::move(move), [this](ToolMove& m, const ToolMove& prev) { calc_junction(m, prev); });
  if (want_flush) process_lookahead(true);
  if (print_time_ > need_check_pause_) check_pause();
}

void ToolHead::manual_move(const std::vector<std::optional<double>>& coord, double speed) {
  Coord curpos = commanded_pos_;
  for (size_t i = 0; i < coord.size() && i < curpos.size(); i++)
    if (coord[i]) curpos[i] = *coord[i];
  move(curpos, speed);
  printer_.send_event("toolhead:manual_move");
}

void ToolHead::dwell(double delay) {
  flush_lookahead();
  double next_print_time = get_last_move_time() + std::max(0., delay);
  advance_move_time(next_print_time);
  check_pause();
}

void ToolHead::wait_moves() {
  flush_lookahead();
  double eventtime = reactor_.monotonic();
  while (special_queuing_state_.empty() ||
         print_time_ >= mcu_->estimated_print_time(eventtime)) {
    if (!can_pause_) break;
    eventtime = reactor_.pause(eventtime + 0.100);
  }
}

void ToolHead::set_extruder(ExtraAxis* extruder, double extrude_pos) {
  extra_axes_.at(0) = extruder;
  commanded_pos_[3] = extrude_pos;
}

void ToolHead::add_extra_axis(ExtraAxis* ea, double axis_pos) {
  flush_lookahead();
  extra_axes_.push_back(ea);
  commanded_pos_.resize(commanded_pos_.size() + 1);
  commanded_pos_[commanded_pos_.size() - 1] = axis_pos;
  printer_.send_event("toolhead:update_extra_axes");
}

void ToolHead::remove_extra_axis(ExtraAxis* ea) {
  flush_lookahead();
  auto it = std::find(extra_axes_.begin(), extra_axes_.end(), ea);
  if (it == extra_axes_.end()) return;
  size_t ea_index = static_cast<size_t>(it - extra_axes_.begin()) + 3;
  for (size_t i = ea_index; i + 1 < commanded_pos_.size(); i++)
    commanded_pos_[i] = commanded_pos_[i + 1];
  commanded_pos_.resize(commanded_pos_.size() - 1);
  extra_axes_.erase(it);
  printer_.send_event("toolhead:update_extra_axes");
}

void ToolHead::limit_next_junction_speed(double speed) {
  if (ToolMove* last = lookahead_.get_last()) last->limit_next_junction_speed(speed);
}

// ---- homing drip moves ------------------------------------------------------------------

std::pair<double, double> ToolHead::drip_load_trapq(std::optional<ToolMove> submit_move) {
  if (submit_move && submit_move->move_d != 0.) {
    commanded_pos_ = submit_move->end_pos;
    lookahead_.add_move(std::move(*submit_move),
                        [this](ToolMove& m, const ToolMove& prev) { calc_junction(m, prev); });
  }
  size_t count = lookahead_.flush();
  calc_print_time();
  double start_time = print_time_, end_time = print_time_;
  auto& moves = lookahead_.moves();
  for (size_t i = 0; i < count; i++) {
    ToolMove& move = moves[i];
    trapq_->append(end_time, move.accel_t, move.cruise_t, move.decel_t,
                   {move.start_pos[0], move.start_pos[1], move.start_pos[2]},
                   {move.axes_r[0], move.axes_r[1], move.axes_r[2]}, move.start_v,
                   move.cruise_v, move.accel);
    end_time = end_time + move.accel_t + move.cruise_t + move.decel_t;
  }
  lookahead_.reset();
  return {start_time, end_time};
}

void ToolHead::drip_move(const Coord& target, double speed, DripCompletion* completion) {
  // Only x, y and z move; the extra axes stay.
  Coord newpos = commanded_pos_;
  for (size_t i = 0; i < 3; i++) newpos[i] = target[i];
  ToolMove move(limits_, commanded_pos_, newpos, speed);
  if (move.move_d != 0.) kin_->check_move(move);
  // Steps must not start before the nominal start time.
  double kin_flush_delay = motion_queuing_.get_kin_flush_delay();
  dwell(kin_flush_delay);
  process_lookahead();
  auto [start_time, end_time] = drip_load_trapq(std::move(move));
  motion_queuing_.drip_update_time(start_time, end_time, completion);
  // Clean up whatever is left of the move (it stopped early on a trigger).
  motion_queuing_.wipe_trapq(trapq_);
}

void ToolHead::register_lookahead_callback(std::function<void(double)> cb) {
  ToolMove* last = lookahead_.get_last();
  if (!last) {
    cb(get_last_move_time());
    return;
  }
  last->timing_callbacks.push_back(std::move(cb));
}

// ---- limits and status ------------------------------------------------------------------

std::array<double, 4> ToolHead::set_max_velocities(std::optional<double> max_velocity,
                                                   std::optional<double> max_accel,
                                                   std::optional<double> square_corner_velocity,
                                                   std::optional<double> min_cruise_ratio) {
  if (max_velocity) max_velocity_ = *max_velocity;
  if (max_accel) max_accel_ = *max_accel;
  if (square_corner_velocity) square_corner_velocity_ = *square_corner_velocity;
  if (min_cruise_ratio) min_cruise_ratio_ = *min_cruise_ratio;
  calc_junction_deviation();
  return {max_velocity_, max_accel_, square_corner_velocity_, min_cruise_ratio_};
}

std::pair<bool, std::string> ToolHead::stats(double eventtime) {
  double est_print_time = mcu_->estimated_print_time(eventtime);
  double buffer_time = print_time_ - est_print_time;
  bool is_active = buffer_time > -60. || special_queuing_state_.empty();
  return {is_active, fmt::format("print_time={:.3f} buffer_time={:.3f} print_stall={}",
                                 print_time_, std::max(buffer_time, 0.), print_stall_)};
}

std::tuple<double, double, bool> ToolHead::check_busy(double eventtime) {
  double est_print_time = mcu_->estimated_print_time(eventtime);
  return {print_time_, est_print_time, lookahead_.is_empty()};
}

Json ToolHead::get_status(double eventtime) {
  Json res = kin_->get_status(eventtime);
  res["print_time"] = print_time_;
  res["stalls"] = print_stall_;
  res["estimated_print_time"] = mcu_->estimated_print_time(eventtime);
  res["extruder"] = extra_axes_.at(0)->get_name();
  Json pos = Json::array();
  for (double v : commanded_pos_) pos.push_back(v);
  res["position"] = pos;
  res["max_velocity"] = max_velocity_;
  res["max_accel"] = max_accel_;
  res["minimum_cruise_ratio"] = min_cruise_ratio_;
  res["square_corner_velocity"] = square_corner_velocity_;
  Json extra = Json::object();
  for (size_t i = 0; i < extra_axes_.size(); i++) {
    std::string n = extra_axes_[i]->get_name();
    if (!n.empty()) extra[n] = i + 3;
  }
  res["extra_axes"] = extra;
  return res;
}

void ToolHead::handle_shutdown() {
  can_pause_ = false;
  lookahead_.reset();
}

}  // namespace kpp
