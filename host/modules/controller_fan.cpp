// [controller_fan name]: a fan for the stepper drivers (Klipper's controller_fan.py): on while
// any of its steppers is enabled or any of its heaters has a target, then idle_speed for
// idle_timeout seconds.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/reactor.h"
#include "modules/fan.h"
#include "modules/heaters_api.h"
#include "modules/stepper_enable.h"

namespace kpp {
namespace {

class ControllerFan : public PrinterObject {
 public:
  explicit ControllerFan(const ConfigWrapper& config)
      : printer_(config.get_printer()), fan_(config) {
    stepper_names_ = config.getlist_opt("stepper");
    stepper_enable_ = &printer_.load<PrinterStepperEnable>(config, "stepper_enable");
    printer_.load<PrinterHeaters>(config, "heaters");
    fan_speed_ = config.getfloat("fan_speed", 1., {.minval = 0., .maxval = 1.});
    idle_speed_ = config.getfloat("idle_speed", fan_speed_, {.minval = 0., .maxval = 1.});
    idle_timeout_ = config.getint("idle_timeout", 30, {.minval = 0});
    heater_names_ = config.getlist_opt("heater").value_or(std::vector<std::string>{"extruder"});
    last_on_ = idle_timeout_;
    printer_.register_event_handler<>("klippy:connect", [this] { handle_connect(); });
    printer_.register_event_handler<>("klippy:ready", [this] {
      auto& reactor = printer_.get_reactor();
      reactor.register_timer([this](double t) { return check(t); },
                             reactor.monotonic() + GCodeRequestQueue::kPinMinTime);
    });
  }
  Json get_status(double eventtime) override { return fan_.get_status(eventtime); }

 private:
  void handle_connect() {
    auto& pheaters = printer_.lookup<PrinterHeaters>("heaters");
    for (auto& n : heater_names_) heaters_.push_back(&pheaters.lookup_heater(n));
    auto all = stepper_enable_->get_steppers();
    if (!stepper_names_) {
      stepper_names_ = all;
      return;
    }
    for (auto& n : *stepper_names_) {
      if (std::find(all.begin(), all.end(), n) == all.end())
        throw ConfigError(fmt::format(
            "One or more of these steppers are unknown: {} (valid steppers are: {})",
            fmt::join(*stepper_names_, ", "), fmt::join(all, ", ")));
    }
  }
  double check(double eventtime) {
    bool active = false;
    for (auto& n : *stepper_names_) active |= stepper_enable_->lookup_enable(n).is_motor_enabled();
    for (Heater* h : heaters_)
      if (h->get_temp(eventtime).second != 0.) active = true;
    double speed = 0.;
    if (active) {
      last_on_ = 0;
      speed = fan_speed_;
    } else if (last_on_ < idle_timeout_) {
      speed = idle_speed_;
      last_on_++;
    }
    if (speed != last_speed_) {
      last_speed_ = speed;
      fan_.set_speed(speed);
    }
    return eventtime + 1.;
  }

  Printer& printer_;
  Fan fan_;
  std::optional<std::vector<std::string>> stepper_names_;
  PrinterStepperEnable* stepper_enable_;
  std::vector<std::string> heater_names_;
  std::vector<Heater*> heaters_;
  double fan_speed_, idle_speed_;
  int64_t idle_timeout_, last_on_;
  double last_speed_ = 0.;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<ControllerFan>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(controller_fan, nullptr, kpp::load_prefix)
