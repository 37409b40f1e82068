// [endstop_phase stepper_x] and [endstop_phase] (Klipper's endstop_phase.py): refine where an
// endstop triggered using the stepper motor's phase (microstep position within its 4-full-step
// electrical cycle), which repeats far more precisely than a switch. The phase is the trigger's
// MCU step position plus, with a Trinamic driver, the driver's phase offset. The bare section
// adds ENDSTOP_PHASE_CALIBRATE, which reports the phases seen when homing and saves the best one.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "core/configfile.h"
#include "core/gcode.h"
#include "core/logging.h"
#include "modules/homing.h"
#include "modules/tmc.h"
#include "motion/rail.h"
#include "motion/stepper.h"

namespace kpp {
namespace {

constexpr std::array<const char*, 6> kTrinamicDrivers = {"tmc2130", "tmc2208", "tmc2209",
                                                         "tmc2240", "tmc2660", "tmc5160"};

int64_t pymod(int64_t a, int64_t b) { return ((a % b) + b) % b; }

// The trigger phase of one stepper, and the statistics ENDSTOP_PHASE_CALIBRATE reports.
struct PhaseCalc {
  PhaseCalc(Printer& p, std::string n, std::optional<int> ph) : printer(p), name(std::move(n)), phases(ph) {}

  // At connect: the stepper's Trinamic driver, if any (its phase count when not known yet).
  void lookup_tmc() {
    for (const char* driver : kTrinamicDrivers) {
      tmc = printer.try_lookup<TmcPhaseSource>(fmt::format("{} {}", driver, name));
      if (!tmc) continue;
      if (!phases) phases = tmc->get_phase_offset().second;
      break;
    }
    if (phases) history.assign(*phases, 0);
  }
  // `driver_phase` of `driver_phases` on this stepper's phase scale.
  int convert_phase(int64_t driver_phase, int64_t driver_phases) const {
    return static_cast<int>(
        static_cast<int64_t>(static_cast<double>(driver_phase) / driver_phases * *phases + .5) %
        *phases);
  }
  int calc_phase(int64_t trig_mcu_pos) {
    int64_t offset = 0;
    if (tmc) {
      auto mcu_offset = tmc->get_phase_offset().first;
      if (!mcu_offset) {
        // Batch mode cannot read the driver: count from phase 0 as Klipper does there.
        if (!printer.is_batch_mode())
          throw CommandError(fmt::format("Stepper {} phase unknown", name));
      } else {
        offset = *mcu_offset;
      }
    }
    int phase = static_cast<int>(pymod(trig_mcu_pos + offset, *phases));
    history[phase]++;
    last_phase = phase;
    last_mcu_position = trig_mcu_pos;
    return phase;
  }

  Printer& printer;
  std::string name;
  std::optional<int> phases;
  TmcPhaseSource* tmc = nullptr;
  std::vector<int64_t> history;  // homings per phase; empty when the phase count is unknown
  std::optional<int> last_phase;
  std::optional<int64_t> last_mcu_position;
  bool is_primary = false;  // first stepper of its rail (its phase decides the endstop)
  bool stats_only = false;  // no [endstop_phase <stepper>] section
};

class EndstopPhases;

// [endstop_phase <stepper>]: adjusts the homed position by the trigger phase's distance from
// the expected one (trigger_phase, or the phase of the first homing).
class EndstopPhase : public PrinterObject {
 public:
  explicit EndstopPhase(const ConfigWrapper& config);
  PhaseCalc& phase_calc() { return calc_; }

 private:
  double align_endstop(PrinterRail& rail) const;
  double get_homed_offset(int64_t trig_mcu_pos);
  void handle_home_rails_end(Homing* homing_state, const std::vector<PrinterRail*>& rails);

  Printer& printer_;
  std::string name_;
  double step_dist_;
  int phases_;
  PhaseCalc calc_;
  std::optional<int> endstop_phase_;
  bool align_zero_;
  int phase_accuracy_;
};

// [endstop_phase]: phase statistics of every homed stepper, ENDSTOP_PHASE_CALIBRATE.
class EndstopPhases : public PrinterObject {
 public:
  explicit EndstopPhases(const ConfigWrapper& config) : printer_(config.get_printer()) {
    printer_.register_event_handler<Homing*, std::vector<PrinterRail*>>(
        "homing:home_rails_end",
        [this](Homing* h, std::vector<PrinterRail*> rails) { handle_home_rails_end(h, rails); });
    printer_.lookup<GCodeDispatch>("gcode").register_command(
        "ENDSTOP_PHASE_CALIBRATE", [this](GCodeCommand& g) { cmd_calibrate(g); }, false,
        "Calibrate stepper phase");
  }
  Json get_status(double) override {
    Json lh = Json::object();
    for (auto& [name, pc] : tracking_) {
      if (pc->history.empty()) continue;
      lh[name] = {{"phase", pc->last_phase ? Json(*pc->last_phase) : Json(nullptr)},
                  {"phases", *pc->phases},
                  {"mcu_position",
                   pc->last_mcu_position ? Json(*pc->last_mcu_position) : Json(nullptr)}};
    }
    return {{"last_home", lh}};
  }

 private:
  void update_stepper(MotionStepper& stepper, int64_t trig_mcu_pos, bool is_primary) {
    const std::string& name = stepper.get_name();
    auto it = tracking_.find(name);
    if (it == tracking_.end()) {
      PhaseCalc* pc;
      if (auto* m = printer_.try_lookup<EndstopPhase>("endstop_phase " + name)) {
        pc = &m->phase_calc();
      } else {
        owned_.push_back(std::make_unique<PhaseCalc>(printer_, name, std::nullopt));
        pc = owned_.back().get();
        pc->stats_only = true;
        pc->lookup_tmc();
      }
      it = tracking_.emplace(name, pc).first;
    }
    PhaseCalc& pc = *it->second;
    if (pc.history.empty()) return;
    if (is_primary) pc.is_primary = true;
    if (pc.stats_only) pc.calc_phase(trig_mcu_pos);
  }
  void handle_home_rails_end(Homing* homing_state, const std::vector<PrinterRail*>& rails) {
    for (auto* rail : rails) {
      bool is_primary = true;
      for (auto& s : rail->get_steppers()) {
        update_stepper(*s, homing_state->get_trigger_position(s->get_name()), is_primary);
        is_primary = false;
      }
    }
  }
  // The phase that minimises the summed distance to every observed phase (on the circle of
  // phases), reported with the range of phases seen around it.
  std::pair<int, int> generate_stats(GCodeCommand& gcmd, const std::string& name,
                                     const PhaseCalc& pc) {
    const auto& h = pc.history;
    int phases = static_cast<int>(h.size()), half = phases / 2;
    auto wph = [&](int j) { return h[pymod(j, phases)]; };
    std::vector<std::pair<int64_t, int>> res;
    for (int i = 0; i < phases; i++) {
      int phase = i + half;
      int64_t cost = 0;
      for (int j = i; j < i + phases; j++) cost += wph(j) * std::abs(j - phase);
      res.emplace_back(cost, phase);
    }
    std::sort(res.begin(), res.end());
    int best = res[0].second;
    std::vector<int> found;
    for (int j = best - half; j < best + half; j++)
      if (wph(j)) found.push_back(j);
    int best_phase = best % phases;
    int lo = found.empty() ? best_phase : static_cast<int>(pymod(found.front(), phases));
    int hi = found.empty() ? best_phase : static_cast<int>(pymod(found.back(), phases));
    gcmd.respond_info(fmt::format("{}: trigger_phase={}/{} (range {} to {})", name, best_phase,
                                  phases, lo, hi));
    return {best_phase, phases};
  }
  void cmd_calibrate(GCodeCommand& gcmd) {
    auto stepper = gcmd.get_opt("STEPPER");
    if (!stepper) {
      if (tracking_.empty()) {
        gcmd.respond_info("No steppers found. (Be sure to home at least once.)");
        return;
      }
      for (auto& [name, pc] : tracking_)  // std::map: sorted by name
        if (pc->is_primary && !pc->history.empty()) generate_stats(gcmd, name, *pc);
      return;
    }
    auto it = tracking_.find(*stepper);
    if (it == tracking_.end() || it->second->history.empty())
      throw gcmd.error(fmt::format("Stats not available for stepper {}", *stepper));
    auto [phase, phases] = generate_stats(gcmd, *stepper, *it->second);
    if (!it->second->is_primary) return;
    auto& configfile = printer_.lookup<PrinterConfig>("configfile");
    std::string section = "endstop_phase " + *stepper;
    configfile.remove_section(section);
    configfile.set(section, "trigger_phase", fmt::format("{}/{}", phase, phases));
    gcmd.respond_info(
        "The SAVE_CONFIG command will update the printer config\n"
        "file with these parameters and restart the printer.");
  }

  Printer& printer_;
  std::map<std::string, PhaseCalc*> tracking_;
  std::vector<std::unique_ptr<PhaseCalc>> owned_;
};

EndstopPhase::EndstopPhase(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      name_(config.get_name().substr(config.get_name().find(' ') + 1)),
      step_dist_([&] {
        auto [rotation_dist, steps_per_rotation] =
            parse_step_distance(config.getsection(name_), std::nullopt, false);
        return rotation_dist / steps_per_rotation;
      }()),
      phases_(static_cast<int>(config.getsection(name_).getint("microsteps")) * 4),
      calc_(printer_, name_, phases_) {
  printer_.register_event_handler("klippy:connect",
                                  std::function<void()>([this] { calc_.lookup_tmc(); }));
  printer_.register_event_handler<Homing*, std::vector<PrinterRail*>>(
      "homing:home_rails_end",
      [this](Homing* h, std::vector<PrinterRail*> rails) { handle_home_rails_end(h, rails); });
  printer_.load<EndstopPhases>(config, "endstop_phase");
  if (auto trigger_phase = config.get_opt("trigger_phase")) {
    auto v = config.getintlist("trigger_phase", '/', 2);
    if (v[0] >= v[1] || v[0] < 0)
      throw ConfigError(fmt::format("Invalid trigger_phase '{}'", *trigger_phase));
    endstop_phase_ = calc_.convert_phase(v[0], v[1]);
  }
  align_zero_ = config.getboolean("endstop_align_zero", false);
  auto accuracy = config.getfloat_opt("endstop_accuracy", {.above = 0.});
  if (!accuracy)
    phase_accuracy_ = phases_ / 2 - 1;
  else if (endstop_phase_)
    phase_accuracy_ = static_cast<int>(std::ceil(*accuracy * .5 / step_dist_));
  else
    phase_accuracy_ = static_cast<int>(std::ceil(*accuracy / step_dist_));
  if (phase_accuracy_ >= phases_ / 2)
    throw ConfigError(fmt::format(
        "Endstop for {} is not accurate enough for stepper phase adjustment", name_));
  // Batch mode: every phase is acceptable (the trigger position is not a real measurement).
  if (printer_.is_batch_mode()) phase_accuracy_ = phases_;
}

// With endstop_align_zero: the offset that moves position 0 onto a full step.
double EndstopPhase::align_endstop(PrinterRail& rail) const {
  if (!align_zero_ || !endstop_phase_) return 0.;
  int microsteps = phases_ / 4, half_microsteps = microsteps / 2;
  double phase_offset =
      static_cast<double>(pymod(*endstop_phase_ + half_microsteps, microsteps) - half_microsteps) *
      step_dist_;
  double full_step = microsteps * step_dist_;
  double pe = rail.get_homing_info().position_endstop;
  return static_cast<int64_t>(pe / full_step + .5) * full_step - pe + phase_offset;
}

double EndstopPhase::get_homed_offset(int64_t trig_mcu_pos) {
  int phase = calc_.calc_phase(trig_mcu_pos);
  if (!endstop_phase_) {
    log::info("Setting {} endstop phase to {}", name_, phase);
    endstop_phase_ = phase;
    return 0.;
  }
  int64_t delta = pymod(phase - *endstop_phase_, phases_);
  if (delta >= phases_ - phase_accuracy_)
    delta -= phases_;
  else if (delta > phase_accuracy_)
    throw CommandError(fmt::format("Endstop {} incorrect phase (got {} vs {})", name_, phase,
                                   *endstop_phase_));
  return static_cast<double>(delta) * step_dist_;
}

void EndstopPhase::handle_home_rails_end(Homing* homing_state,
                                         const std::vector<PrinterRail*>& rails) {
  for (auto* rail : rails) {
    if (rail->get_steppers()[0]->get_name() != name_) continue;
    int64_t trig_mcu_pos = homing_state->get_trigger_position(name_);
    double align = align_endstop(*rail);
    double offset = get_homed_offset(trig_mcu_pos);
    homing_state->set_stepper_adjustment(name_, align + offset);
    return;
  }
}

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<EndstopPhases>(config);
}
std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<EndstopPhase>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(endstop_phase, kpp::load, kpp::load_prefix)
