// LED driver chips on I2C (Klipper's pca9533.py, pca9632.py), both at address 98 by default.
// [pca9533]: each of 4 outputs is off, on, or one of two fixed PWM levels (33 % and 67 %), so a
// color channel is quantised to 0, 1/3, 2/3, 1. [pca9632]: 4 PWM outputs in color_order.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "mcu/bus.h"
#include "mcu/link_core.h"
#include "modules/led.h"

namespace kpp {
namespace {

class Pca9533 : public PrinterObject {
 public:
  explicit Pca9533(const ConfigWrapper& config) : i2c_(i2c_from_config(config, 98)) {
    helper_.emplace(config, [this](auto& s, auto t) { update_leds(s, t); }, 1);
    config.get_printer().register_event_handler("klippy:connect", std::function<void()>([this] {
      // The two PWM levels (the prescalers keep their defaults).
      i2c_->i2c_write({kRegPwm0, 85});
      i2c_->i2c_write({kRegPwm1, 170});
      update_leds(helper_->state(), std::nullopt);
    }));
  }
  Json get_status(double) override { return helper_->get_status(); }

 private:
  static constexpr uint8_t kRegPwm0 = 0b010, kRegPwm1 = 0b100, kRegLs0 = 0b101;
  void update_leds(const std::vector<LedColor>& state, std::optional<double> print_time) {
    // Quarter of the range -> output mode: off, PWM0 (33 %), PWM1 (67 %), on.
    static constexpr int kModes[] = {0, 2, 3, 1, 1};
    int ls0 = 0;
    for (int ch = 0; ch < 4; ch++) ls0 |= kModes[static_cast<int>(state[0][ch] * 4.)] << (2 * ch);
    uint64_t minclock = print_time ? i2c_->get_mcu().print_time_to_clock(*print_time) : 0;
    i2c_->i2c_write({kRegLs0, static_cast<uint8_t>(ls0)}, minclock,
                    LinkCore::kBackgroundPriorityClock);
  }
  std::unique_ptr<McuI2c> i2c_;
  std::optional<LedHelper> helper_;
};

class Pca9632 : public PrinterObject {
 public:
  explicit Pca9632(const ConfigWrapper& config) : i2c_(i2c_from_config(config, 98)) {
    std::string order = config.get("color_order", "RGBW"), sorted = order;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != "BGRW") throw ConfigError(fmt::format("Invalid color_order '{}'", order));
    for (char c : order) color_map_.push_back(std::string("RGBW").find(c));
    helper_.emplace(config, [this](auto& s, auto t) { update_leds(s, t); }, 1);
    config.get_printer().register_event_handler("klippy:connect", std::function<void()>([this] {
      reg_write(kRegMode1, 0x00);
      reg_write(kRegMode2, 0x15);  // dimming, inverted, change on stop, totem pole
      update_leds(helper_->state(), std::nullopt);
    }));
  }
  Json get_status(double) override { return helper_->get_status(); }

 private:
  static constexpr uint8_t kRegMode1 = 0x00, kRegMode2 = 0x01, kRegPwm0 = 0x02, kRegLedOut = 0x08;
  static constexpr int kLedPwm = 0x02;
  // Registers are written only when their value changes.
  void reg_write(uint8_t reg, uint8_t val, uint64_t minclock = 0) {
    auto it = prev_regs_.find(reg);
    if (it != prev_regs_.end() && it->second == val) return;
    prev_regs_[reg] = val;
    i2c_->i2c_write({reg, val}, minclock, LinkCore::kBackgroundPriorityClock);
  }
  void update_leds(const std::vector<LedColor>& state, std::optional<double> print_time) {
    uint64_t minclock = print_time ? i2c_->get_mcu().print_time_to_clock(*print_time) : 0;
    int ledout = 0;
    for (int out = 0; out < 4; out++) {
      int v = static_cast<int>(state[0][color_map_[out]] * 255. + .5);
      reg_write(static_cast<uint8_t>(kRegPwm0 + out), static_cast<uint8_t>(v), minclock);
      if (v) ledout |= kLedPwm << (2 * out);
    }
    reg_write(kRegLedOut, static_cast<uint8_t>(ledout), minclock);
  }
  std::unique_ptr<McuI2c> i2c_;
  std::vector<size_t> color_map_;
  std::map<uint8_t, uint8_t> prev_regs_;
  std::optional<LedHelper> helper_;
};

template <class T>
std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<T>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(pca9533, nullptr, kpp::load_prefix<kpp::Pca9533>)
KPP_REGISTER_MODULE(pca9632, nullptr, kpp::load_prefix<kpp::Pca9632>)
