// aip31068_spi: YHCB2004-style 20x4 character displays whose AiP31068 controller takes 9-bit
// words (register-select bit + 8 data bits) on a 3-wire software SPI bus. Words are sent in
// groups of eight (9 bytes), padded with a fast "entry mode" command, so that the MCU's 8-bit
// SPI code can carry them.
#include <fmt/format.h>

#include "mcu/bus.h"
#include "mcu/mcu.h"
#include "modules/display_hd44780.h"

namespace kpp::display {

namespace {

constexpr uint16_t kCmdHome = 0x02;
constexpr uint16_t kCmdEntryModeInc = 0x04 | 0x02;  // increment, no shift (39 us)
constexpr uint16_t kCmdDisplayOn = 0x08 | 0x04;     // cursor and blinking off
constexpr uint16_t kCmdShiftRight = 0x10 | 0x04;    // move the cursor only
constexpr uint16_t kCmdTwoLines = 0x20 | 0x08;      // 2-line mode, 5x8 dots
constexpr uint16_t kWriteRam = 0x100;               // register-select: data

class Aip31068Spi final : public CharLcd {
 public:
  explicit Aip31068Spi(const ConfigWrapper& config) : CharLcd(config) {
    spi_ = spi_from_config(config, 0, "latch_pin");
  }

  void init() override {
    Mcu& mcu = spi_->get_mcu();
    double print_time = mcu.estimated_print_time(mcu.get_printer().get_reactor().monotonic());
    const uint16_t init[] = {kCmdHome, kCmdEntryModeInc, kCmdDisplayOn, kCmdShiftRight,
                             kCmdTwoLines};
    for (size_t i = 0; i < std::size(init); i++)
      send({init[i]}, mcu.print_time_to_clock(print_time + i * .100));
    flush();
  }

  // Packs 9-bit words most significant bit first; the last byte is padded with zero bits.
  static Bytes encode(const std::vector<uint16_t>& words) {
    Bytes out;
    uint32_t acc = 0;
    int bits = 0;
    for (uint16_t w : words) {
      acc = (acc << 9) | (w & 0x1ff);
      bits += 9;
      while (bits >= 8) {
        bits -= 8;
        out.push_back(static_cast<uint8_t>(acc >> bits));
        acc &= (1u << bits) - 1;
      }
    }
    if (bits > 0) out.push_back(static_cast<uint8_t>(acc << (8 - bits)));
    return out;
  }

 private:
  void send(std::vector<uint16_t> words, uint64_t minclock = 0) {
    for (size_t i = 0; i < words.size(); i += 8) {
      std::vector<uint16_t> group(words.begin() + static_cast<std::ptrdiff_t>(i),
                                  words.begin() + static_cast<std::ptrdiff_t>(
                                                      std::min(i + 8, words.size())));
      group.resize(8, kCmdEntryModeInc);
      spi_->spi_send(encode(group), minclock);
    }
  }
  void send_address(uint8_t cmd) override { send({cmd}); }
  void send_data(const Bytes& data) override {
    std::vector<uint16_t> words;
    for (uint8_t b : data) words.push_back(kWriteRam | b);
    send(words);
  }

  std::unique_ptr<McuSpi> spi_;
};

}  // namespace

std::unique_ptr<LcdChip> make_aip31068_spi(const ConfigWrapper& config) {
  return std::make_unique<Aip31068Spi>(config);
}

}  // namespace kpp::display
