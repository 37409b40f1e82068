// [static_digital_output name]: pins driven high (low with "!") from MCU configuration on,
// never changed at run time (Klipper's static_digital_output.py).
#include <fmt/format.h>

#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp {
namespace {

class StaticDigitalOutput : public PrinterObject {
 public:
  explicit StaticDigitalOutput(const ConfigWrapper& config) {
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    for (auto& desc : config.getlist("pins")) {
      PinParams p = ppins.lookup_pin(desc, true);
      if (auto* mcu = dynamic_cast<Mcu*>(p.chip)) {
        // Klipper adds the command while the config is read, not from a config callback:
        // it therefore precedes every callback's command, right after allocate_oids
        // (the config CRC and the batch stream depend on this order).
        mcu->add_config_cmd(fmt::format("set_digital_out pin={} value={}", p.pin, p.invert ? 0 : 1));
        continue;
      }
      // Another chip (an I/O expander) drives the pin through its own digital output.
      auto out = p.chip->setup_digital_out(p);
      out->setup_start_value(1., 1., true);
      others_.push_back(std::move(out));
    }
  }

 private:
  std::vector<std::shared_ptr<McuDigitalOut>> others_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<StaticDigitalOutput>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(static_digital_output, nullptr, kpp::load_prefix)
