// Heater verification: a cumulative error below the target range, and a minimum gain while the
// heater approaches a new target.
#include "modules/verify_heater.h"

#include <fmt/format.h>

#include "core/logging.h"

namespace kpp {

bool HeaterVerifier::check(double eventtime, double temp, double target) {
  if (temp >= target - p_.hysteresis || target <= 0.) {
    // Near the target (or no target): start over.
    if (approaching_target_ && target != 0.)
      log::info("Heater within range of {:.3f}", target);
    approaching_target_ = starting_approach_ = false;
    if (temp <= target + p_.hysteresis) error_ = 0.;
    last_target_ = target;
    return true;
  }
  error_ += (target - p_.hysteresis) - temp;
  if (!approaching_target_) {
    if (target != last_target_) {
      // A new target: the heater must gain heating_gain within check_gain_time, repeatedly.
      approaching_target_ = starting_approach_ = true;
      goal_temp_ = temp + p_.heating_gain;
      goal_systime_ = eventtime + p_.check_gain_time;
    } else if (error_ >= p_.max_error) {
      return false;
    }
  } else if (temp >= goal_temp_) {
    starting_approach_ = false;
    error_ = 0.;
    goal_temp_ = temp + p_.heating_gain;
    goal_systime_ = eventtime + p_.check_gain_time;
  } else if (eventtime >= goal_systime_) {
    // No longer gaining: from now on the cumulative error decides.
    approaching_target_ = false;
  } else if (starting_approach_) {
    goal_temp_ = std::min(goal_temp_, temp + p_.heating_gain);
  }
  last_target_ = target;
  return true;
}

namespace {
HeaterVerifier::Params read_params(const ConfigWrapper& config, const std::string& heater_name) {
  HeaterVerifier::Params p;
  p.hysteresis = config.getfloat("hysteresis", 5., {.minval = 0.});
  p.max_error = config.getfloat("max_error", 120., {.minval = 0.});
  p.heating_gain = config.getfloat("heating_gain", 2., {.above = 0.});
  double default_gain_time = heater_name == "heater_bed" ? 60. : 20.;
  p.check_gain_time = config.getfloat("check_gain_time", default_gain_time, {.minval = 1.});
  return p;
}

std::string second_word(const std::string& s) {
  auto pos = s.find(' ');
  if (pos == std::string::npos) return s;
  auto end = s.find(' ', pos + 1);
  return s.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
}
}  // namespace

VerifyHeater::VerifyHeater(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      heater_name_(second_word(config.get_name())),
      verifier_(read_params(config, heater_name_)) {
  printer_.register_event_handler<>("klippy:connect", [this] {
    // Batch mode has no temperatures to check.
    if (printer_.is_batch_mode()) return;
    heater_ = &printer_.lookup<PrinterHeaters>("heaters").lookup_heater(heater_name_);
    log::info("Starting heater checks for {}", heater_name_);
    timer_ = printer_.get_reactor().register_timer(
        [this](double eventtime) { return check_event(eventtime); }, Reactor::kNow);
  });
  printer_.register_event_handler<>("klippy:shutdown", [this] {
    if (timer_) printer_.get_reactor().update_timer(timer_, Reactor::kNever);
  });
}

std::string VerifyHeater::fault_message(const std::string& heater_name) {
  return fmt::format(
      "Heater {} not heating at expected rate\n"
      "See the 'verify_heater' section in docs/Config_Reference.md\n"
      "for the parameters that control this check.\n",
      heater_name);
}

double VerifyHeater::check_event(double eventtime) {
  auto [temp, target] = heater_->get_temp(eventtime);
  if (verifier_.check(eventtime, temp, target)) return eventtime + 1.;
  log::error("Heater {} not heating at expected rate", heater_name_);
  printer_.invoke_shutdown(fault_message(heater_name_));
  return Reactor::kNever;
}

namespace {
std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<VerifyHeater>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(verify_heater, nullptr, kpp::load_prefix)
