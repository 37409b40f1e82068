// Homing (see homing.h).
#include "modules/homing.h"

#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "modules/force_move.h"
#include "modules/stepper_enable.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

// Completes when every endstop completed, or early when one reports a failure.
class MultiCompletion : public DripCompletion {
 public:
  MultiCompletion(Reactor& reactor, std::vector<std::shared_ptr<Completion<bool>>> completions)
      : reactor_(reactor), completions_(std::move(completions)) {}
  bool test() override {
    bool all = true;
    for (auto& c : completions_) {
      if (!c->test()) {
        all = false;
        continue;
      }
      if (*c->result()) return true;  // a failure ends the move at once
    }
    return all;
  }
  void wait(double waketime) override {
    while (!test()) {
      double now = reactor_.monotonic();
      if (now >= waketime) return;
      // Wait on the first unfinished completion (it wakes us when it fires).
      for (auto& c : completions_)
        if (!c->test()) {
          c->wait(waketime);
          break;
        }
    }
  }

 private:
  Reactor& reactor_;
  std::vector<std::shared_ptr<Completion<bool>>> completions_;
};

}  // namespace

// ---- StepperPosition ---------------------------------------------------------------------

StepperPosition::StepperPosition(MotionStepper* s, std::string es_name)
    : stepper(s), endstop_name(std::move(es_name)), stepper_name(s->get_name()) {
  start_pos = s->get_mcu_position();
  start_cmd_pos = s->mcu_to_commanded_position(start_pos);
}

void StepperPosition::note_home_end(double trigger_time) {
  halt_pos = stepper->get_mcu_position();
  trig_pos = stepper->get_past_mcu_position(trigger_time);
}

void StepperPosition::verify_no_probe_skew() const {
  int64_t new_start_pos = stepper->get_mcu_position(start_cmd_pos);
  if (new_start_pos != start_pos)
    log::warning("Stepper '{}' position skew after probe: pos {} now {}", stepper->get_name(),
                 start_pos, new_start_pos);
}

// ---- HomingMove --------------------------------------------------------------------------

HomingMove::HomingMove(Printer& printer, const std::vector<NamedEndstop>& endstops,
                       MotionHead* toolhead)
    : printer_(printer), toolhead_(toolhead) {
  for (auto& es : endstops)
    if (!es.first->get_steppers().empty()) endstops_.push_back(es);
  if (!toolhead_) toolhead_ = &printer.lookup<ToolHead>("toolhead");
}

std::vector<std::shared_ptr<McuEndstop>> HomingMove::get_mcu_endstops() const {
  std::vector<std::shared_ptr<McuEndstop>> out;
  for (auto& [es, name] : endstops_) out.push_back(es);
  return out;
}

double HomingMove::calc_endstop_rate(McuEndstop& mcu_endstop, const Coord& movepos,
                                     double speed) {
  const Coord& startpos = toolhead_->get_position();
  double sum = 0.;
  for (size_t i = 0; i < 3; i++) sum += std::pow(movepos[i] - startpos[i], 2.);
  double move_d = std::sqrt(sum);
  double move_t = move_d / speed;
  double max_steps = 0.;
  bool first = true;
  for (McuStepper* ms : mcu_endstop.get_steppers()) {
    auto* s = dynamic_cast<MotionStepper*>(ms);
    if (!s) continue;
    double steps = std::fabs(s->calc_position_from_coord(startpos[0], startpos[1], startpos[2]) -
                             s->calc_position_from_coord(movepos[0], movepos[1], movepos[2])) /
                   s->get_step_dist();
    if (first || steps > max_steps) max_steps = steps;
    first = false;
  }
  if (max_steps <= 0.) return .001;
  return move_t / max_steps;
}

Coord HomingMove::calc_toolhead_pos(std::map<std::string, double> kin_spos,
                                    const std::map<std::string, int64_t>& offsets) {
  Kinematics& kin = toolhead_->get_kinematics();
  for (MotionStepper* s : kin.get_steppers()) {
    const std::string& sname = s->get_name();
    auto it = offsets.find(sname);
    int64_t off = it == offsets.end() ? 0 : it->second;
    kin_spos[sname] += static_cast<double>(off) * s->get_step_dist();
  }
  Coord thpos = toolhead_->get_position();
  Pos3 cpos = kin.calc_position(kin_spos);
  for (size_t i = 0; i < 3; i++)
    if (!std::isnan(cpos[i])) thpos[i] = cpos[i];
  return thpos;
}

Coord HomingMove::homing_move(const Coord& movepos, double speed, bool probe_pos,
                              bool triggered, bool check_triggered) {
  printer_.send_event<HomingMove*>("homing:homing_move_begin", this);
  // Where the steppers start.
  toolhead_->flush_step_generation();
  Kinematics& kin = toolhead_->get_kinematics();
  std::map<std::string, double> kin_spos;
  for (MotionStepper* s : kin.get_steppers()) kin_spos[s->get_name()] = s->get_commanded_position();
  stepper_positions_.clear();
  for (auto& [es, name] : endstops_)
    for (McuStepper* ms : es->get_steppers())
      if (auto* s = dynamic_cast<MotionStepper*>(ms)) stepper_positions_.emplace_back(s, name);
  // Start the endstops.
  double print_time = toolhead_->get_last_move_time();
  std::vector<std::shared_ptr<Completion<bool>>> endstop_triggers;
  const Coord& target = travel_target_ ? *travel_target_ : movepos;
  for (auto& [es, name] : endstops_) {
    double rest_time = calc_endstop_rate(*es, target, speed);
    endstop_triggers.push_back(es->home_start(print_time, PrinterHoming::kEndstopSampleTime,
                                              PrinterHoming::kEndstopSampleCount, rest_time,
                                              triggered));
  }
  MultiCompletion all_endstop_trigger(printer_.get_reactor(), endstop_triggers);
  toolhead_->dwell(PrinterHoming::kHomingStartDelay);
  // The move.
  std::optional<std::string> error;
  try {
    toolhead_->drip_move(target, speed, &all_endstop_trigger);
  } catch (const CommandError& e) {
    error = fmt::format("Error during homing move: {}", e.what());
  }
  // Wait for the endstops.
  std::map<std::string, double> trigger_times;
  double move_end_print_time = toolhead_->get_last_move_time();
  for (auto& [es, name] : endstops_) {
    double trigger_time;
    try {
      trigger_time = es->home_wait(move_end_print_time);
    } catch (const CommandError& e) {
      if (!error) error = fmt::format("Error during homing {}: {}", name, e.what());
      continue;
    }
    if (trigger_time > 0.)
      trigger_times[name] = trigger_time;
    else if (trigger_time < 0. && !error)
      error = fmt::format("Communication timeout during homing {}", name);
    else if (check_triggered && !error)
      error = fmt::format("No trigger on {} after full movement", name);
  }
  // Where the steppers halted.
  toolhead_->flush_step_generation();
  for (auto& sp : stepper_positions_) {
    auto it = trigger_times.find(sp.endstop_name);
    sp.note_home_end(it == trigger_times.end() ? move_end_print_time : it->second);
  }
  if (!error) realign_shared_rails(speed);
  Coord trigpos, haltpos;
  if (probe_pos) {
    std::map<std::string, int64_t> halt_steps, trig_steps;
    for (auto& sp : stepper_positions_) {
      halt_steps[sp.stepper_name] = sp.halt_pos - sp.start_pos;
      trig_steps[sp.stepper_name] = sp.trig_pos - sp.start_pos;
    }
    haltpos = trigpos = calc_toolhead_pos(kin_spos, trig_steps);
    if (trig_steps != halt_steps) haltpos = calc_toolhead_pos(kin_spos, halt_steps);
    toolhead_->set_position(haltpos);
    for (auto& sp : stepper_positions_) sp.verify_no_probe_skew();
  } else {
    haltpos = trigpos = movepos;
    std::map<std::string, int64_t> over_steps;
    bool any = false;
    for (auto& sp : stepper_positions_) {
      over_steps[sp.stepper_name] = sp.halt_pos - sp.trig_pos;
      if (sp.halt_pos != sp.trig_pos) any = true;
    }
    if (any) {
      toolhead_->set_position(movepos);
      std::map<std::string, double> halt_kin_spos;
      for (MotionStepper* s : kin.get_steppers())
        halt_kin_spos[s->get_name()] = s->get_commanded_position();
      haltpos = calc_toolhead_pos(halt_kin_spos, over_steps);
    }
    toolhead_->set_position(haltpos);
  }
  try {
    printer_.send_event<HomingMove*>("homing:homing_move_end", this);
  } catch (const CommandError& e) {
    if (!error) error = e.what();
  }
  if (error) throw CommandError(*error);
  return trigpos;
}

namespace {
// "stepper_z1" -> "stepper_z": the rail a stepper of the kinematics belongs to; "" for others.
std::string rail_of(const std::string& stepper_name) {
  if (stepper_name.rfind("stepper_", 0) != 0 || stepper_name.size() < 9) return "";
  size_t end = stepper_name.find_last_not_of("0123456789");
  return stepper_name.substr(0, end + 1);
}
}  // namespace

void HomingMove::realign_shared_rails(double speed) {
  // Klipper refuses an axis whose steppers are on different MCUs: the endstop's MCU stops its
  // steppers at once, the others only when the host has forwarded the trigger, a few steps
  // later, and the rail would end up skewed. Here each stepper's halt position was read back
  // from its own MCU; a stepper that moved further (or less) than the rail's main stepper is
  // moved on its own by the difference, so all of them stand where the main one does.
  if (toolhead_ != static_cast<MotionHead*>(printer_.try_lookup<ToolHead>("toolhead"))) return;
  std::map<std::pair<std::string, std::string>, StepperPosition*> main_of;
  for (auto& sp : stepper_positions_) {
    std::string rail = rail_of(sp.stepper_name);
    if (rail.empty()) continue;
    auto key = std::make_pair(sp.endstop_name, rail);
    auto it = main_of.find(key);
    if (it == main_of.end() || sp.stepper_name == rail) main_of[key] = &sp;
  }
  ForceMove* force_move = nullptr;
  for (auto& sp : stepper_positions_) {
    auto it = main_of.find({sp.endstop_name, rail_of(sp.stepper_name)});
    if (it == main_of.end() || it->second == &sp) continue;
    const StepperPosition& ref = *it->second;
    double ref_moved = static_cast<double>(ref.halt_pos - ref.start_pos) *
                       ref.stepper->get_step_dist();
    double moved = static_cast<double>(sp.halt_pos - sp.start_pos) * sp.stepper->get_step_dist();
    double dist = ref_moved - moved;
    if (std::fabs(dist) < sp.stepper->get_step_dist() * .5) continue;
    if (!force_move) force_move = &printer_.lookup<ForceMove>("force_move");
    log::info("homing: {} stopped {} steps off {} (the trigger reached its MCU later); "
              "moving it by {:.6f}",
              sp.stepper_name, std::llround(-dist / sp.stepper->get_step_dist()),
              ref.stepper_name, dist);
    force_move->manual_move(*sp.stepper, dist, speed);
    sp.halt_pos = sp.stepper->get_mcu_position();
  }
}

std::optional<std::string> HomingMove::check_no_movement() const {
  if (!printer_.get_start_args().debug_input.empty()) return std::nullopt;
  for (auto& sp : stepper_positions_)
    if (sp.start_pos == sp.trig_pos) return sp.endstop_name;
  return std::nullopt;
}

// ---- Homing ------------------------------------------------------------------------------

Homing::Homing(Printer& printer) : printer_(printer), toolhead_(printer.lookup<ToolHead>("toolhead")) {}

Coord Homing::fill_coord(const std::vector<std::optional<double>>& coord) const {
  Coord thcoord = toolhead_.get_position();
  for (size_t i = 0; i < coord.size() && i < thcoord.size(); i++)
    if (coord[i]) thcoord[i] = *coord[i];
  return thcoord;
}

void Homing::set_homed_position(const std::vector<std::optional<double>>& pos) {
  toolhead_.set_position(fill_coord(pos));
}

void Homing::home_rails(const std::vector<PrinterRail*>& rails,
                        const std::vector<std::optional<double>>& forcepos,
                        const std::vector<std::optional<double>>& movepos) {
  travel_limit_.clear();
  printer_.send_event<Homing*, std::vector<PrinterRail*>>("homing:home_rails_begin", this,
                                                          rails);
  // The kinematics believe the toolhead is at forcepos.
  std::vector<int> force_axes;
  std::string homing_axes;
  for (int axis = 0; axis < 3; axis++)
    if (axis < static_cast<int>(forcepos.size()) && forcepos[axis]) {
      force_axes.push_back(axis);
      homing_axes += "xyz"[axis];
    }
  Coord startpos = fill_coord(forcepos);
  Coord homepos = fill_coord(movepos);
  toolhead_.set_position(startpos, homing_axes);
  // First home.
  std::vector<NamedEndstop> endstops;
  for (auto* rail : rails)
    for (auto& es : rail->get_endstops()) endstops.push_back(es);
  const HomingInfo& hi = rails.at(0)->get_homing_info();
  auto travel_target = [this](Coord pos) {
    for (auto& [axis, v] : travel_limit_) pos[axis] = v;
    return pos;
  };
  auto hmove = std::make_unique<HomingMove>(printer_, endstops);
  if (!travel_limit_.empty()) hmove->set_travel_target(travel_target(homepos));
  hmove->homing_move(homepos, hi.speed);
  // Second home.
  if (hi.retract_dist != 0.) {
    startpos = fill_coord(forcepos);
    homepos = fill_coord(movepos);
    size_t n = homepos.size();
    std::vector<double> axes_d(n);
    double sum = 0.;
    for (size_t i = 0; i < n; i++) axes_d[i] = homepos[i] - startpos[i];
    for (size_t i = 0; i < 3; i++) sum += axes_d[i] * axes_d[i];
    double move_d = std::sqrt(sum);
    double retract_r = std::min(1., hi.retract_dist / move_d);
    Coord retractpos = homepos;
    for (size_t i = 0; i < n; i++) retractpos[i] = homepos[i] - axes_d[i] * retract_r;
    toolhead_.move(retractpos, hi.retract_speed);
    // Home again.
    for (size_t i = 0; i < n; i++) startpos[i] = retractpos[i] - axes_d[i] * retract_r;
    toolhead_.set_position(startpos);
    hmove = std::make_unique<HomingMove>(printer_, endstops);
    if (!travel_limit_.empty()) hmove->set_travel_target(travel_target(homepos));
    hmove->homing_move(homepos, hi.second_homing_speed);
    if (auto name = hmove->check_no_movement())
      throw CommandError(fmt::format("Endstop {} still triggered after retract", *name));
  }
  // Homing done.
  toolhead_.flush_step_generation();
  trigger_mcu_pos_.clear();
  for (auto& sp : hmove->stepper_positions()) trigger_mcu_pos_[sp.stepper_name] = sp.trig_pos;
  adjust_pos_.clear();
  printer_.send_event<Homing*, std::vector<PrinterRail*>>("homing:home_rails_end", this, rails);
  bool any_adjust = false;
  for (auto& [n, v] : adjust_pos_)
    if (v != 0.) any_adjust = true;
  if (any_adjust) {
    // Apply the homing offsets (endstop phase).
    Kinematics& kin = toolhead_.get_kinematics();
    Coord hpos = toolhead_.get_position();
    std::map<std::string, double> kin_spos;
    for (MotionStepper* s : kin.get_steppers()) {
      auto it = adjust_pos_.find(s->get_name());
      kin_spos[s->get_name()] =
          s->get_commanded_position() + (it == adjust_pos_.end() ? 0. : it->second);
    }
    Pos3 newpos = kin.calc_position(kin_spos);
    for (int axis : force_axes) {
      if (std::isnan(newpos[axis]))
        throw CommandError(fmt::format(
            "Cannot determine position of toolhead on axis {} after homing", "xyz"[axis]));
      hpos[axis] = newpos[axis];
    }
    toolhead_.set_position(hpos);
  }
}

// ---- PrinterHoming -----------------------------------------------------------------------

PrinterHoming::PrinterHoming(const ConfigWrapper& config) : printer_(config.get_printer()) {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command("G28", [this](GCodeCommand& g) { cmd_G28(g); });
}

void PrinterHoming::manual_home(MotionHead* toolhead, const std::vector<NamedEndstop>& endstops,
                                const Coord& pos, double speed, bool triggered,
                                bool check_triggered) {
  HomingMove hmove(printer_, endstops, toolhead);
  try {
    hmove.homing_move(pos, speed, false, triggered, check_triggered);
  } catch (const CommandError&) {
    if (printer_.is_shutdown()) throw CommandError("Homing failed due to printer shutdown");
    throw;
  }
}

Coord PrinterHoming::probing_move(std::shared_ptr<McuEndstop> mcu_probe, const Coord& pos,
                                  double speed) {
  std::vector<NamedEndstop> endstops = {{std::move(mcu_probe), "probe"}};
  HomingMove hmove(printer_, endstops);
  Coord epos;
  try {
    epos = hmove.homing_move(pos, speed, true);
  } catch (const CommandError&) {
    if (printer_.is_shutdown()) throw CommandError("Probing failed due to printer shutdown");
    throw;
  }
  if (hmove.check_no_movement()) throw CommandError("Probe triggered prior to movement");
  return epos;
}

void PrinterHoming::cmd_G28(GCodeCommand& gcmd) {
  std::vector<int> axes;
  for (int pos = 0; pos < 3; pos++)
    if (gcmd.has(std::string(1, "XYZ"[pos]))) axes.push_back(pos);
  if (axes.empty()) axes = {0, 1, 2};
  Homing homing_state(printer_);
  homing_state.set_axes(axes);
  Kinematics& kin = printer_.lookup<ToolHead>("toolhead").get_kinematics();
  try {
    kin.home(homing_state);
  } catch (const CommandError&) {
    if (printer_.is_shutdown()) throw CommandError("Homing failed due to printer shutdown");
    printer_.lookup<PrinterStepperEnable>("stepper_enable").motor_off();
    throw;
  }
}

namespace {
std::shared_ptr<PrinterObject> load_homing(ConfigWrapper& config) {
  return std::make_shared<PrinterHoming>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(homing, kpp::load_homing, nullptr)
