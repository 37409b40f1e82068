// [duplicate_pin_override]: mark pins as allowed to be shared.
#include "modules/duplicate_pin_override.h"

#include "mcu/pins.h"

namespace kpp {

DuplicatePinOverride::DuplicatePinOverride(const ConfigWrapper& config) {
  auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
  for (auto& pin : config.getlist("pins")) ppins.allow_multi_use_pin(pin);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<DuplicatePinOverride>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(duplicate_pin_override, kpp::load, nullptr)
