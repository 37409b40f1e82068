// [dotstar name] (Klipper's dotstar.py): APA102-style LED chains clocked from two MCU pins
// (a write-only software SPI bus). Each update sends the whole chain: a zero start frame, per
// LED 0xff + blue, green, red, and an all-ones end frame, in pieces of 20 bytes.
#include <fmt/format.h>

#include "mcu/bus.h"
#include "mcu/link_core.h"
#include "mcu/pins.h"
#include "modules/led.h"

namespace kpp {
namespace {

class Dotstar : public PrinterObject {
 public:
  explicit Dotstar(const ConfigWrapper& config) {
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    PinParams data = ppins.lookup_pin(config.get("data_pin"));
    PinParams clock = ppins.lookup_pin(config.get("clock_pin"));
    auto* mcu = dynamic_cast<Mcu*>(data.chip);
    if (!mcu || data.chip != clock.chip) throw ConfigError("Dotstar pins must be on same mcu");
    // The data pin doubles as the (unused) MISO of the software bus.
    spi_ = std::make_unique<McuSpi>(*mcu, std::nullopt, std::nullopt, 0, 500000,
                                    std::array<std::string, 3>{data.pin, data.pin, clock.pin});
    int chain_count = static_cast<int>(config.getint("chain_count", 1, {.minval = 1}));
    helper_.emplace(config, [this](auto& s, auto t) { update_leds(s, t); }, chain_count);
    config.get_printer().register_event_handler("klippy:connect", std::function<void()>([this] {
      update_leds(helper_->state(), std::nullopt);
    }));
  }
  Json get_status(double) override { return helper_->get_status(); }

 private:
  static uint8_t byte_of(double v) { return static_cast<uint8_t>(static_cast<int>(v * 255. + .5)); }
  void update_leds(const std::vector<LedColor>& state, std::optional<double> print_time) {
    if (state == prev_state_) return;
    prev_state_ = state;
    std::vector<uint8_t> data((state.size() + 2) * 4, 0);
    for (size_t i = 0; i < state.size(); i++) {
      size_t idx = (i + 1) * 4;
      data[idx] = 0xff;
      data[idx + 1] = byte_of(state[i][2]);
      data[idx + 2] = byte_of(state[i][1]);
      data[idx + 3] = byte_of(state[i][0]);
    }
    std::fill(data.end() - 4, data.end(), 0xff);
    uint64_t minclock = print_time ? spi_->get_mcu().print_time_to_clock(*print_time) : 0;
    for (size_t i = 0; i < data.size(); i += 20) {
      std::vector<uint8_t> piece(data.begin() + i, data.begin() + std::min(i + 20, data.size()));
      spi_->spi_send(piece, minclock, LinkCore::kBackgroundPriorityClock);
    }
  }

  std::unique_ptr<McuSpi> spi_;
  std::optional<LedHelper> helper_;
  std::vector<LedColor> prev_state_;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<Dotstar>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(dotstar, nullptr, kpp::load_prefix)
