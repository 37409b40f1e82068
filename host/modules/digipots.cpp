// Digital potentiometers and DACs that set stepper driver currents (Klipper's ad5206.py,
// mcp4451.py, dac084S085.py, mcp4018.py): each channel value from the config is scaled to the
// chip's register range and written with the MCU's init commands (mcp4018: at connect, and
// again on SET_DIGIPOT).
#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "core/gcode.h"
#include "core/printer.h"
#include "mcu/bus.h"

namespace kpp {
namespace {

// A channel's register value: `value` of `scale` mapped onto `full` steps, rounded as Klipper
// does (`round_half` adds .5 before truncating). Clamped to `max_code` so a channel set to the
// full scale can't overflow its byte.
int channel_code(double value, double scale, double full, bool round_half, int max_code) {
  int code = static_cast<int>(value * full / scale + (round_half ? .5 : 0.));
  return std::clamp(code, 0, max_code);
}

// [ad5206 name]: six-channel SPI digipot; enable_pin is its chip select.
class Ad5206 : public PrinterObject {
 public:
  explicit Ad5206(const ConfigWrapper& config)
      : spi_(spi_from_config(config, 0, "enable_pin", 25000000)) {
    double scale = config.getfloat("scale", 1., {.above = 0.});
    for (int i = 0; i < 6; i++) {
      auto v = config.getfloat_opt(fmt::format("channel_{}", i + 1),
                                   {.minval = 0., .maxval = scale});
      if (!v) continue;
      int code = channel_code(*v, scale, 256., true, 255);
      spi_->spi_send({static_cast<uint8_t>(i), static_cast<uint8_t>(code)});
    }
  }

 private:
  std::unique_ptr<McuSpi> spi_;
};

// [mcp4451 name]: four-wiper I2C digipot; the TCON registers enable every wiper first.
class Mcp4451 : public PrinterObject {
 public:
  explicit Mcp4451(const ConfigWrapper& config) : i2c_(i2c_from_config(config)) {
    constexpr std::array<int, 4> kWiperRegisters = {0x00, 0x01, 0x06, 0x07};
    double scale = config.getfloat("scale", 1., {.above = 0.});
    set_register(0x04, 0xff);
    set_register(0x0a, 0xff);
    for (int i = 0; i < 4; i++) {
      auto v = config.getfloat_opt(fmt::format("wiper_{}", i), {.minval = 0., .maxval = scale});
      if (v) set_register(kWiperRegisters[i], channel_code(*v, scale, 255., true, 255));
    }
  }

 private:
  // Register address in the high nibble, the wiper's 9th bit in the low bits of the first byte.
  void set_register(int reg, int value) {
    i2c_->i2c_write({static_cast<uint8_t>((reg << 4) | ((value >> 8) & 0x03)),
                     static_cast<uint8_t>(value & 0xff)});
  }
  std::unique_ptr<McuI2c> i2c_;
};

// [dac084S085 name] (the case Klipper uses): four-channel 8-bit SPI DAC (channels A-D).
class Dac084s085 : public PrinterObject {
 public:
  explicit Dac084s085(const ConfigWrapper& config)
      : spi_(spi_from_config(config, 1, "enable_pin", 10000000)) {
    double scale = config.getfloat("scale", 1., {.above = 0.});
    const char names[] = "ABCD";
    for (int chan = 0; chan < 4; chan++) {
      auto v = config.getfloat_opt(fmt::format("channel_{}", names[chan]),
                                   {.minval = 0., .maxval = scale});
      if (!v) continue;
      int value = channel_code(*v, scale, 255., false, 255);
      // Write-and-update mode (bit 4), channel in bits 6-7, the value split over two bytes.
      spi_->spi_send({static_cast<uint8_t>((chan << 6) | (1 << 4) | ((value >> 4) & 0x0f)),
                      static_cast<uint8_t>((value << 4) & 0xf0)});
    }
  }

 private:
  std::unique_ptr<McuSpi> spi_;
};

// [mcp4018 name]: single-wiper 7-bit I2C digipot (address 47 by default), settable at run
// time with SET_DIGIPOT DIGIPOT=name WIPER=value.
class Mcp4018 : public PrinterObject {
 public:
  explicit Mcp4018(const ConfigWrapper& config)
      : i2c_(i2c_from_config(config, 0x2f)),
        scale_(config.getfloat("scale", 1., {.above = 0.})),
        start_value_(config.getfloat("wiper", {.minval = 0., .maxval = scale_})) {
    auto& printer = config.get_printer();
    const auto& section = config.get_name();
    name_ = section.substr(section.find(' ') + 1);
    printer.register_event_handler("klippy:connect",
                                   std::function<void()>([this] { set_wiper(start_value_); }));
    printer.lookup<GCodeDispatch>("gcode").register_mux_command(
        "SET_DIGIPOT", "DIGIPOT", name_, [this](GCodeCommand& g) { cmd_set_digipot(g); },
        "Set digipot value");
  }

 private:
  void set_wiper(double value) {
    i2c_->i2c_write({static_cast<uint8_t>(channel_code(value, scale_, 127., true, 127))});
  }
  void cmd_set_digipot(GCodeCommand& gcmd) {
    auto wiper = gcmd.get_float_opt("WIPER", {.minval = 0., .maxval = scale_});
    if (!wiper) return;
    set_wiper(*wiper);
    gcmd.respond_info(fmt::format("New value for DIGIPOT = {}, wiper = {:.2f}", name_, *wiper));
  }
  std::unique_ptr<McuI2c> i2c_;
  double scale_;
  double start_value_;
  std::string name_;
};

template <class T>
std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<T>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(ad5206, nullptr, kpp::load_prefix<kpp::Ad5206>)
KPP_REGISTER_MODULE(mcp4451, nullptr, kpp::load_prefix<kpp::Mcp4451>)
KPP_REGISTER_MODULE(dac084S085, nullptr, kpp::load_prefix<kpp::Dac084s085>)
KPP_REGISTER_MODULE(mcp4018, nullptr, kpp::load_prefix<kpp::Mcp4018>)
