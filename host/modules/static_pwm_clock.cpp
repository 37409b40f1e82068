// [static_pwm_clock name]: a pin that outputs a fixed square-wave clock for other chips on the
// board (Klipper's static_pwm_clock.py), e.g. the CLKIN of an ADC. It needs an STM32 build with
// the stm32_timer_output command; on other MCUs start-up lists that command as missing.
#include <fmt/format.h>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp {
namespace {

class StaticPwmClock : public PrinterObject {
 public:
  explicit StaticPwmClock(const ConfigWrapper& config)
      : name_(config.get_name()),
        pin_(config.get_printer().lookup<PrinterPins>("pins").lookup_pin(config.get("pin"), true)),
        frequency_(config.getfloat("frequency", 100., {.maxval = 520000000., .above = 1. / 0.3})) {
    mcu_ = dynamic_cast<Mcu*>(pin_.chip);
    if (!mcu_) throw PinError(fmt::format("[{}]: pin must be on an MCU", name_));
    mcu_->register_config_callback([this] { build_config(); });
  }

 private:
  void build_config() {
    mcu_->lookup_command("stm32_timer_output pin=%u cycle_ticks=%u on_ticks=%hu");
    int64_t mcu_freq = mcu_->seconds_to_clock(1.0);
    int64_t cycle_ticks = static_cast<int64_t>(static_cast<double>(mcu_freq) / frequency_);
    // The timer counts whole MCU clock ticks: the frequency must divide the clock exactly.
    int64_t mcu_freq_rev = static_cast<int64_t>(static_cast<double>(cycle_ticks) * frequency_);
    if (mcu_freq_rev != mcu_freq)
      throw ConfigError(fmt::format(
          "Frequency output must be without remainder, {} != {}\n[{}]\nfrequency = {:f}",
          mcu_freq, mcu_freq_rev, name_, frequency_));
    int64_t on_ticks = cycle_ticks / 2;
    if (pin_.invert) on_ticks = cycle_ticks - on_ticks;
    double duty = static_cast<double>(on_ticks) / static_cast<double>(cycle_ticks);
    if (duty < 0.4) log::warning("[{}] pulse width < 40%", name_);
    if (duty > 0.6) log::warning("[{}] pulse width > 60%", name_);
    mcu_->add_config_cmd(fmt::format("stm32_timer_output pin={} cycle_ticks={} on_ticks={}",
                                     pin_.pin, cycle_ticks, on_ticks));
  }

  std::string name_;
  PinParams pin_;
  double frequency_;
  Mcu* mcu_ = nullptr;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<StaticPwmClock>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(static_pwm_clock, nullptr, kpp::load_prefix)
