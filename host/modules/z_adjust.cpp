// Z stepper adjustment, retries and status shared by z_tilt and quad_gantry_level
// (see z_adjust.h).
#include "modules/z_adjust.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

// ---- ZAdjustHelper ----

ZAdjustHelper::ZAdjustHelper(const ConfigWrapper& config, size_t z_count)
    : printer_(config.get_printer()), name_(config.get_name()), z_count_(z_count) {
  printer_.register_event_handler<>("klippy:connect", [this] { handle_connect(); });
}

void ZAdjustHelper::handle_connect() {
  auto& kin = printer_.lookup<ToolHead>("toolhead").get_kinematics();
  std::vector<MotionStepper*> z_steppers;
  for (MotionStepper* s : kin.get_steppers())
    if (s->is_active_axis('z')) z_steppers.push_back(s);
  if (z_steppers.size() != z_count_)
    throw ConfigError(
        fmt::format("{} z_positions needs exactly {} items", name_, z_steppers.size()));
  if (z_steppers.size() < 2) throw ConfigError(fmt::format("{} requires multiple z steppers", name_));
  z_steppers_ = std::move(z_steppers);
}

void ZAdjustHelper::adjust_steppers(const std::vector<double>& adjustments, double speed) {
  auto& toolhead = printer_.lookup<ToolHead>("toolhead");
  Coord curpos = toolhead.get_position();
  std::string msg = "Making the following Z adjustments:";
  for (size_t i = 0; i < z_steppers_.size(); i++)
    msg += fmt::format("\n{} = {:.6f}", z_steppers_[i]->get_name(), adjustments[i]);
  printer_.lookup<GCodeDispatch>("gcode").respond_info(msg);
  // Detach every Z stepper from the toolhead; each rejoins when the toolhead Z reaches it.
  toolhead.flush_step_generation();
  for (MotionStepper* s : z_steppers_) s->set_trapq(nullptr);
  // (offset, stepper) sorted by offset: the stepper that must rise most moves first (its
  // offset is the most negative), the others follow as their heights are reached.
  std::vector<std::pair<double, MotionStepper*>> order;
  for (size_t i = 0; i < z_steppers_.size(); i++) order.emplace_back(-adjustments[i], z_steppers_[i]);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  double first_offset = order.front().first;
  double z_low = curpos[2] - first_offset;
  for (size_t i = 0; i + 1 < order.size(); i++) {
    toolhead.flush_step_generation();
    order[i].second->set_trapq(toolhead.get_trapq());
    curpos[2] = z_low + order[i + 1].first;
    try {
      toolhead.move(curpos, speed);
      toolhead.set_position(curpos);
    } catch (...) {
      toolhead.flush_step_generation();
      for (MotionStepper* s : z_steppers_) s->set_trapq(toolhead.get_trapq());
      throw;
    }
  }
  // All steppers are level now: reattach the last one and restore the toolhead Z.
  toolhead.flush_step_generation();
  order.back().second->set_trapq(toolhead.get_trapq());
  curpos[2] += first_offset;
  toolhead.set_position(curpos);
}

// ---- RetryHelper ----

RetryHelper::RetryHelper(const ConfigWrapper& config, std::string error_msg_extra)
    : printer_(config.get_printer()),
      default_max_retries_(static_cast<int>(config.getint("retries", 0, IntLimits{.minval = 0}))),
      default_retry_tolerance_(config.getfloat("retry_tolerance", 0., FloatLimits{.minval = 0.})),
      error_msg_extra_(std::move(error_msg_extra)) {}

void RetryHelper::start(const GCodeCommand& gcmd) {
  max_retries_ = static_cast<int>(
      gcmd.get_int("RETRIES", default_max_retries_, IntLimits{.minval = 0, .maxval = 30}));
  retry_tolerance_ = gcmd.get_float("RETRY_TOLERANCE", default_retry_tolerance_,
                                    FloatLimits{.minval = 0., .maxval = 1.});
  current_retry_ = 0;
  previous_.reset();
  increasing_ = 0;
}

bool RetryHelper::check_increase(double error) {
  // Two growing ranges in a row (net of decreases) mean the adjustment goes the wrong way.
  if (previous_ && *previous_ != 0. && error > *previous_ + 0.0000001)
    increasing_++;
  else if (increasing_ > 0)
    increasing_--;
  previous_ = error;
  return increasing_ > 1;
}

ProbePointsHelper::Outcome RetryHelper::check_retry(const std::vector<double>& z_positions) {
  if (max_retries_ == 0) return ProbePointsHelper::Outcome::kDone;
  auto [lo, hi] = std::minmax_element(z_positions.begin(), z_positions.end());
  double error = std::round((*hi - *lo) * 1e6) / 1e6;
  printer_.lookup<GCodeDispatch>("gcode").respond_info(
      fmt::format("Retries: {}/{} Probed points range: {:.6f} tolerance: {:.6f}", current_retry_,
                  max_retries_, error, retry_tolerance_));
  if (check_increase(error))
    throw CommandError(fmt::format("Retries aborting: Probed points range is increasing. {}",
                                   error_msg_extra_));
  if (error <= retry_tolerance_) return ProbePointsHelper::Outcome::kDone;
  current_retry_++;
  if (current_retry_ > max_retries_) throw CommandError("Too many retries");
  return ProbePointsHelper::Outcome::kRetry;
}

// ---- ZAdjustStatus ----

ZAdjustStatus::ZAdjustStatus(Printer& printer) {
  printer.register_event_handler<double>("stepper_enable:motor_off", [this](double) { reset(); });
}

}  // namespace kpp
