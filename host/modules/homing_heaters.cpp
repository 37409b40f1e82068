// [homing_heaters]: turns heaters off during homing and probing moves (Klipper's
// homing_heaters.py), for printers whose endstops or probes pick up noise from heater PWM.
// Each heater's target is restored when the move ends.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/printer.h"
#include "modules/heaters_api.h"
#include "modules/homing.h"
#include "motion/kinematics/kinematics.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {
namespace {

// A name list as Klipper's message prints it (a Python list).
std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "'" : ", '") + s + "'";
  return "[" + out + "]";
}

class HomingHeaters : public PrinterObject {
 public:
  explicit HomingHeaters(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        heaters_(printer_.load<PrinterHeaters>(config, "heaters")) {
    disable_heaters_ = config.getlist_opt("heaters");
    flaky_steppers_ = config.getlist_opt("steppers");
    printer_.register_event_handler("klippy:connect",
                                    std::function<void()>([this] { handle_connect(); }));
    printer_.register_event_handler<HomingMove*>(
        "homing:homing_move_begin", [this](HomingMove* h) { handle_move_begin(h); });
    printer_.register_event_handler<HomingMove*>(
        "homing:homing_move_end", [this](HomingMove* h) { handle_move_end(h); });
  }

 private:
  // The names are checked once every heater and stepper exists.
  void handle_connect() {
    auto all_heaters = heaters_.available_heaters();
    if (!disable_heaters_) {
      disable_heaters_ = all_heaters;
    } else {
      for (auto& h : *disable_heaters_)
        if (std::find(all_heaters.begin(), all_heaters.end(), h) == all_heaters.end())
          throw ConfigError(fmt::format("One or more of these heaters are unknown: {}",
                                        join(*disable_heaters_)));
    }
    if (!flaky_steppers_) return;
    std::vector<std::string> all_steppers;
    for (auto* s : printer_.lookup<ToolHead>("toolhead").get_kinematics().get_steppers())
      all_steppers.push_back(s->get_name());
    for (auto& s : *flaky_steppers_)
      if (std::find(all_steppers.begin(), all_steppers.end(), s) == all_steppers.end())
        throw ConfigError(fmt::format("One or more of these steppers are unknown: {}",
                                      join(*flaky_steppers_)));
  }
  // Without a stepper list every homing move counts; else one of the move's steppers must be
  // listed.
  bool eligible(HomingMove* hmove) const {
    if (!flaky_steppers_) return true;
    for (auto& es : hmove->get_mcu_endstops())
      for (auto* s : es->get_steppers())
        if (std::find(flaky_steppers_->begin(), flaky_steppers_->end(), s->get_name()) !=
            flaky_steppers_->end())
          return true;
    return false;
  }
  void handle_move_begin(HomingMove* hmove) {
    if (!eligible(hmove)) return;
    for (auto& name : *disable_heaters_) {
      Heater& heater = heaters_.lookup_heater(name);
      saved_targets_[name] = heater.get_temp(0.).second;
      heater.set_temp(0.);
    }
  }
  void handle_move_end(HomingMove* hmove) {
    if (!eligible(hmove)) return;
    for (auto& name : *disable_heaters_) heaters_.lookup_heater(name).set_temp(saved_targets_[name]);
  }

  Printer& printer_;
  PrinterHeaters& heaters_;
  std::optional<std::vector<std::string>> disable_heaters_;
  std::optional<std::vector<std::string>> flaky_steppers_;
  std::map<std::string, double> saved_targets_;
};

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<HomingHeaters>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(homing_heaters, kpp::load, nullptr)
