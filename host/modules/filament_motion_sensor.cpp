// [filament_motion_sensor NAME] (Klipper's extras/filament_motion_sensor.py): an encoder wheel
// toggles switch_pin while filament moves. Filament counts as present while the extruder has
// moved less than detection_length since the last toggle; the runout logic is the switch
// sensor's (RunoutHelper).
#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "modules/buttons.h"
#include "modules/filament_switch_sensor.h"
#include "motion/extruder.h"

namespace kpp {
namespace {

constexpr double kCheckRunoutTimeout = .250;

class EncoderSensor : public PrinterObject {
 public:
  explicit EncoderSensor(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        extruder_name_(config.get("extruder")),
        detection_length_(config.getfloat("detection_length", 7., {.above = 0.})) {
    std::string pin = config.get("switch_pin");
    load_buttons(config).register_buttons(
        {pin}, [this](double eventtime, int) { encoder_event(eventtime); });
    helper_.emplace(config);
    printer_.register_event_handler<>("klippy:connect", [this] { handle_connect(); });
    printer_.register_event_handler<>("klippy:ready", [this] { handle_ready(); });
    Reactor& reactor = printer_.get_reactor();
    // Check the extruder's position only while printing.
    printer_.register_event_handler<double>("idle_timeout:printing", [this, &reactor](double) {
      if (timer_) reactor.update_timer(timer_, Reactor::kNow);
    });
    for (const char* ev : {"idle_timeout:ready", "idle_timeout:idle"})
      printer_.register_event_handler<double>(ev, [this, &reactor](double) {
        if (timer_) reactor.update_timer(timer_, Reactor::kNever);
      });
  }
  Json get_status(double eventtime) override { return helper_->get_status(eventtime); }

 private:
  void handle_connect() {
    extruder_ = &printer_.lookup<ExtruderPositionSource>(extruder_name_);
    mcu_ = &get_printer_mcu(printer_, "mcu");
  }
  void handle_ready() {
    update_runout_pos(printer_.get_reactor().monotonic());
    timer_ = printer_.get_reactor().register_timer([this](double t) {
      helper_->note_filament_present(t, extruder_pos(t) < runout_pos_);
      return t + kCheckRunoutTimeout;
    });
  }
  double extruder_pos(double eventtime) const {
    return extruder_->find_past_position(mcu_->estimated_print_time(eventtime));
  }
  void update_runout_pos(double eventtime) {
    runout_pos_ = extruder_pos(eventtime) + detection_length_;
  }
  void encoder_event(double eventtime) {
    if (!timer_) return;  // not ready yet
    update_runout_pos(eventtime);
    // A pulse means filament is moving through the sensor.
    helper_->note_filament_present(eventtime, true);
  }

  Printer& printer_;
  std::string extruder_name_;
  double detection_length_;
  std::optional<RunoutHelper> helper_;
  ExtruderPositionSource* extruder_ = nullptr;
  Mcu* mcu_ = nullptr;
  Reactor::Timer* timer_ = nullptr;
  double runout_pos_ = 0.;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<EncoderSensor>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(filament_motion_sensor, nullptr, kpp::load_prefix)
