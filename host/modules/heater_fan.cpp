// [heater_fan name]: a fan that runs while any of its heaters has a target or is above
// heater_temp (Klipper's heater_fan.py); full speed at shutdown by default.
#include "core/reactor.h"
#include "mcu/mcu.h"
#include "modules/fan.h"
#include "modules/heaters_api.h"

namespace kpp {
namespace {

constexpr double kPinMinTime = GCodeRequestQueue::kPinMinTime;

class PrinterHeaterFan : public PrinterObject {
 public:
  explicit PrinterHeaterFan(const ConfigWrapper& config)
      : printer_(config.get_printer()), fan_(config, 1.) {
    printer_.load<PrinterHeaters>(config, "heaters");
    heater_names_ = config.getlist_opt("heater").value_or(std::vector<std::string>{"extruder"});
    heater_temp_ = config.getfloat("heater_temp", 50.0);
    fan_speed_ = config.getfloat("fan_speed", 1., {.minval = 0., .maxval = 1.});
    printer_.register_event_handler<>("klippy:ready", [this] { handle_ready(); });
  }
  Json get_status(double eventtime) override { return fan_.get_status(eventtime); }

 private:
  void handle_ready() {
    auto& pheaters = printer_.lookup<PrinterHeaters>("heaters");
    for (auto& n : heater_names_) heaters_.push_back(&pheaters.lookup_heater(n));
    auto& reactor = printer_.get_reactor();
    reactor.register_timer([this](double t) { return check(t); },
                           reactor.monotonic() + kPinMinTime);
  }
  double check(double eventtime) {
    double speed = 0.;
    for (Heater* h : heaters_) {
      auto [temp, target] = h->get_temp(eventtime);
      if (target != 0. || temp > heater_temp_) speed = fan_speed_;
    }
    if (speed != last_speed_) {
      last_speed_ = speed;
      fan_.set_speed(speed);
    }
    return eventtime + 1.;
  }

  Printer& printer_;
  Fan fan_;
  std::vector<std::string> heater_names_;
  std::vector<Heater*> heaters_;
  double heater_temp_, fan_speed_;
  double last_speed_ = 0.;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PrinterHeaterFan>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(heater_fan, nullptr, kpp::load_prefix)
