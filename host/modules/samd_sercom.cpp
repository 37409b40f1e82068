// [samd_sercom name] (Klipper's samd_sercom.py): on SAMD MCUs a SERCOM peripheral must be told
// which pins carry its signals before it is used as an SPI or I2C bus; this sends
// set_sercom_pin for tx (MOSI/SDA), clk (SCK/SCL) and optionally rx (MISO) at config time, so the
// section must come before the sections using that bus.
#include <fmt/format.h>

#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp {
namespace {

class SamdSercom : public PrinterObject {
 public:
  explicit SamdSercom(const ConfigWrapper& config) {
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    std::string sercom = config.get("sercom");
    PinParams tx = ppins.lookup_pin(config.get("tx_pin"));
    Mcu* mcu = dynamic_cast<Mcu*>(tx.chip);
    if (!mcu) throw PinError(fmt::format("{}: SERCOM pins must be MCU pins", config.get_name()));
    auto add = [&](const char* type, const PinParams& p) {
      if (p.chip != tx.chip)
        throw PinError(fmt::format("{}: SERCOM pins must be on same mcu", config.get_name()));
      mcu->add_config_cmd(
          fmt::format("set_sercom_pin bus={} sercom_pin_type={} pin={}", sercom, type, p.pin));
    };
    add("tx", tx);
    add("clk", ppins.lookup_pin(config.get("clk_pin")));
    if (auto rx = config.get_opt("rx_pin")) add("rx", ppins.lookup_pin(*rx));
  }
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<SamdSercom>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(samd_sercom, nullptr, kpp::load_prefix)
