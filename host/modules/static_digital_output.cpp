// [static_digital_output name]: pins driven high (low with "!") from MCU configuration on,
// never changed at run time (Klipper's static_digital_output.py).
#include "mcu/pins.h"

namespace kpp {
namespace {

class StaticDigitalOutput : public PrinterObject {
 public:
  explicit StaticDigitalOutput(const ConfigWrapper& config) {
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    for (auto& pin : config.getlist("pins")) {
      auto out = ppins.setup_digital_out(pin);
      out->setup_start_value(1., 1., true);
      pins_.push_back(std::move(out));
    }
  }

 private:
  std::vector<std::shared_ptr<McuDigitalOut>> pins_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<StaticDigitalOutput>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(static_digital_output, nullptr, kpp::load_prefix)
