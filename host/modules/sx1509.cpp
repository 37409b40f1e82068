// [sx1509 name]: the SX1509 I2C GPIO expander (Klipper's sx1509.py, used on Duet DueX boards):
// its 16 pins become "sx1509_name:PIN_0" … "PIN_15", usable as digital outputs and as
// hardware PWM outputs (fans). The host keeps a copy of the chip's registers and writes a whole
// register whenever one of its pins changes; the registers are written at connect.
#include <array>
#include <map>

#include <fmt/format.h>

#include "mcu/bus.h"
#include "mcu/pins.h"

namespace kpp {
namespace {

// 16-bit registers (one bit per pin).
constexpr int kRegReset = 0x7D, kRegClock = 0x1E, kRegMisc = 0x1F;
constexpr int kRegDir = 0x0E, kRegData = 0x10, kRegPullup = 0x06, kRegPulldown = 0x08;
constexpr int kRegInputDisable = 0x00, kRegAnalogDriverEnable = 0x20;
// 8-bit "I_ON" (PWM on-intensity) register of each pin.
constexpr std::array<int, 16> kRegIOn = {0x2A, 0x2D, 0x30, 0x33, 0x36, 0x3B, 0x40, 0x45,
                                         0x4A, 0x4D, 0x50, 0x53, 0x56, 0x5B, 0x5F, 0x65};

class Sx1509 : public PrinterObject, public PinChip {
 public:
  explicit Sx1509(const ConfigWrapper& config)
      : i2c_(i2c_from_config(config, std::nullopt, 400000)), mcu_(i2c_->get_mcu()) {
    const auto& section = config.get_name();
    config.get_printer().lookup<PrinterPins>("pins").register_chip(
        "sx1509_" + section.substr(section.find(' ') + 1), *this);
    config.get_printer().register_event_handler("klippy:connect",
                                                std::function<void()>([this] { write_all(); }));
  }
  std::shared_ptr<McuDigitalOut> setup_digital_out(const PinParams& p) override;
  std::shared_ptr<McuPwm> setup_pwm(const PinParams& p) override;

  Mcu& get_mcu() { return mcu_; }
  void set_bits(int reg, int mask, bool on) {
    if (on) word_regs_.at(reg) |= mask;
    else word_regs_.at(reg) &= ~mask;
  }
  void set_i_on(int pin, int value) { i_on_[pin] = value & 0xff; }
  int i_on(int pin) const { return i_on_[pin]; }
  // Write register `reg` (a word register, or a pin's I_ON register) at `print_time`.
  void send_register(int reg, double print_time) {
    std::vector<uint8_t> data{static_cast<uint8_t>(reg)};
    if (auto it = word_regs_.find(reg); it != word_regs_.end()) {
      data.push_back(static_cast<uint8_t>(it->second >> 8));
      data.push_back(static_cast<uint8_t>(it->second & 0xff));
    } else {
      for (int pin = 0; pin < 16; pin++)
        if (kRegIOn[pin] == reg) data.push_back(static_cast<uint8_t>(i_on_[pin]));
    }
    uint64_t clock = mcu_.print_time_to_clock(print_time);
    i2c_->i2c_write(data, last_clock_, clock);
    last_clock_ = clock;
  }

 private:
  static int pin_number(const PinParams& p) {
    if (p.pin.rfind("PIN_", 0) == 0) {
      try {
        size_t used = 0;
        int n = std::stoi(p.pin.substr(4), &used);
        if (used == p.pin.size() - 4 && n >= 0 && n < 16) return n;
      } catch (const std::exception&) {
      }
    }
    throw PinError(fmt::format("Unknown sx1509 pin '{}' (PIN_0 to PIN_15)", p.pin));
  }
  // Reset, oscillator on, clock divider, then every register as configured by the pins.
  void write_all() {
    auto write = [this](std::vector<uint8_t> d) { i2c_->i2c_write(d); };
    write({kRegReset, 0x12});
    write({kRegReset, 0x34});
    write({kRegClock, 1 << 6});
    write({kRegMisc, 1 << 4});
    for (int reg : {kRegDir, kRegData, kRegPullup, kRegPulldown, kRegInputDisable,
                    kRegAnalogDriverEnable})
      write({static_cast<uint8_t>(reg), static_cast<uint8_t>(word_regs_[reg] >> 8),
             static_cast<uint8_t>(word_regs_[reg] & 0xff)});
    for (int pin = 0; pin < 16; pin++)
      write({static_cast<uint8_t>(kRegIOn[pin]), static_cast<uint8_t>(i_on_[pin])});
  }

  std::unique_ptr<McuI2c> i2c_;
  Mcu& mcu_;
  uint64_t last_clock_ = 0;
  // Power-on state: every pin an input.
  std::map<int, int> word_regs_ = {{kRegDir, 0xFFFF},       {kRegData, 0},
                                   {kRegPullup, 0},         {kRegPulldown, 0},
                                   {kRegInputDisable, 0},   {kRegAnalogDriverEnable, 0}};
  std::array<int, 16> i_on_{};
};

// Common checks of both pin kinds: the expander's writes are too slow and unsupervised for a
// heater (max_duration must be 0).
class Sx1509Pin {
 protected:
  Sx1509Pin(Sx1509& chip, int pin, bool invert) : chip_(chip), mask_(1 << pin), pin_(pin), invert_(invert) {
    chip.get_mcu().register_config_callback([this] {
      if (max_duration_ != 0.) throw PinError("SX1509 pins are not suitable for heaters");
      build_config();
    });
  }
  virtual void build_config() {}
  Sx1509& chip_;
  int mask_, pin_;
  bool invert_;
  double max_duration_ = 2.;
};

class Sx1509DigitalOut : public McuDigitalOut, Sx1509Pin {
 public:
  Sx1509DigitalOut(Sx1509& chip, int pin, bool invert) : Sx1509Pin(chip, pin, invert) {
    chip.set_bits(kRegDir, mask_, false);  // output
  }
  Mcu& get_mcu() override { return chip_.get_mcu(); }
  void setup_max_duration(double max_duration) override { max_duration_ = max_duration; }
  void setup_start_value(double start_value, double shutdown_value, bool is_static) override {
    if (is_static && start_value != shutdown_value)
      throw PinError("Static pin can not have shutdown value");
    // The start value is in the register copy before it is first written (at connect).
    chip_.set_bits(kRegData, mask_, (start_value != 0.) != invert_);
  }
  void set_digital(double print_time, int value) override {
    chip_.set_bits(kRegData, mask_, (value != 0) != invert_);
    chip_.send_register(kRegData, print_time);
  }
};

class Sx1509Pwm : public McuPwm, Sx1509Pin {
 public:
  Sx1509Pwm(Sx1509& chip, int pin, bool invert) : Sx1509Pin(chip, pin, invert) {
    chip.set_bits(kRegInputDisable, mask_, true);
    chip.set_bits(kRegPullup, mask_, false);
    chip.set_bits(kRegDir, mask_, false);
    chip.set_bits(kRegAnalogDriverEnable, mask_, true);
    chip.set_bits(kRegData, mask_, false);
  }
  Mcu& get_mcu() override { return chip_.get_mcu(); }
  void setup_max_duration(double max_duration) override { max_duration_ = max_duration; }
  void setup_cycle_time(double, bool hardware_pwm) override { hardware_pwm_ = hardware_pwm; }
  void setup_start_value(double start_value, double shutdown_value, bool is_static) override {
    if (is_static && start_value != shutdown_value)
      throw PinError("Static pin can not have shutdown value");
    if (invert_) start_value = 1. - start_value;
    start_value_ = std::clamp(start_value, 0., 1.);
  }
  void set_pwm(double print_time, double value, std::optional<double>) override {
    chip_.set_i_on(pin_, on_intensity(value));
    chip_.send_register(kRegIOn[pin_], print_time);
  }

 private:
  // The chip drives the pin low for "on": a duty of 1 is intensity 0 (inverted pins: 255).
  int on_intensity(double value) const {
    int v = static_cast<int>(255 * value);
    return invert_ ? v & 0xff : ~v & 0xff;
  }
  void build_config() override {
    if (!hardware_pwm_) throw PinError("SX1509_pwm must have hardware_pwm enabled");
    chip_.set_i_on(pin_, ~static_cast<int>(255 * start_value_) & 0xff);
  }
  bool hardware_pwm_ = false;
  double start_value_ = 0.;
};

std::shared_ptr<McuDigitalOut> Sx1509::setup_digital_out(const PinParams& p) {
  return std::make_shared<Sx1509DigitalOut>(*this, pin_number(p), p.invert != 0);
}
std::shared_ptr<McuPwm> Sx1509::setup_pwm(const PinParams& p) {
  return std::make_shared<Sx1509Pwm>(*this, pin_number(p), p.invert != 0);
}

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<Sx1509>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(sx1509, nullptr, kpp::load_prefix)
