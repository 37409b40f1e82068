// hd44780 (parallel 4-bit bus driven by the MCU's hd44780 commands) and hd44780_spi (the same
// controller behind a shift register on a software SPI bus, as on mightyboard printers).
#include "modules/display_hd44780.h"

#include <fmt/format.h>

#include "mcu/bus.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp::display {

namespace {

// Time the MCU waits after each byte it clocks into the controller.
constexpr double kHd44780Delay = .000040;
// "Right arrow" of the controller's character ROM.
constexpr char kRightArrow = '\x7e';

// The init sequence: 8-bit/4-bit protocol switch (unless disabled for clones), 2-line mode,
// home; then entry mode (increment) and display on with hidden cursor. One group per 100 ms.
std::vector<Bytes> init_sequence(bool protocol_init) {
  std::vector<Bytes> init;
  if (protocol_init)
    init = {{0x33}, {0x33}, {0x32}, {0x28, 0x28, 0x02}};
  else
    init = {{0x02}};
  init.push_back({0x06, 0x0c});
  return init;
}

class Hd44780 final : public CharLcd {
 public:
  explicit Hd44780(const ConfigWrapper& config) : CharLcd(config) {
    protocol_init_ = config.getboolean("hd44780_protocol_init", true);
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    Mcu* mcu = nullptr;
    for (const char* name : {"rs", "e", "d4", "d5", "d6", "d7"}) {
      PinParams p = ppins.lookup_pin(config.get(fmt::format("{}_pin", name)));
      auto* m = dynamic_cast<Mcu*>(p.chip);
      if (!m || (mcu && m != mcu)) throw PinError("hd44780 all pins must be on same mcu");
      mcu = m;
      pins_.push_back(p.pin);
    }
    mcu_ = mcu;
    oid_ = mcu_->create_oid();
    mcu_->register_config_callback([this] { build_config(); });
  }

  void init() override {
    double print_time = mcu_->estimated_print_time(mcu_->get_printer().get_reactor().monotonic());
    auto init = init_sequence(protocol_init_);
    for (size_t i = 0; i < init.size(); i++)
      send(send_cmds_, init[i], mcu_->print_time_to_clock(print_time + i * .100), 0);
    flush();
  }

 private:
  void build_config() {
    mcu_->add_config_cmd(fmt::format(
        "config_hd44780 oid={} rs_pin={} e_pin={} d4_pin={} d5_pin={} d6_pin={} d7_pin={} "
        "delay_ticks={}",
        oid_, pins_[0], pins_[1], pins_[2], pins_[3], pins_[4], pins_[5],
        mcu_->seconds_to_clock(kHd44780Delay)));
    int cq = mcu_->alloc_command_queue();
    send_cmds_ = mcu_->lookup_command("hd44780_send_cmds oid=%c cmds=%*s", cq);
    send_data_ = mcu_->lookup_command("hd44780_send_data oid=%c data=%*s", cq);
  }
  void send(const McuCommand& cmd, const Bytes& bytes, uint64_t minclock, uint64_t reqclock) {
    std::vector<mcu::ParamValue> values{mcu::ParamValue::integer(oid_),
                                        mcu::ParamValue::bytes({bytes.begin(), bytes.end()})};
    cmd.send_values(values, minclock, reqclock);
  }
  void send_address(uint8_t cmd) override {
    send(send_cmds_, {cmd}, 0, kBackgroundPriorityClock);
  }
  void send_data(const Bytes& data) override {
    send(send_data_, data, 0, kBackgroundPriorityClock);
  }

  bool protocol_init_ = true;
  std::vector<std::string> pins_;
  Mcu* mcu_ = nullptr;
  int oid_ = -1;
  McuCommand send_cmds_, send_data_;
};

// The controller's 4-bit bus behind a shift register: each nibble is shifted out three times
// (enable low, high, low) with the register-select bit telling data from commands.
class Hd44780Spi final : public CharLcd {
 public:
  explicit Hd44780Spi(const ConfigWrapper& config) : CharLcd(config) {
    protocol_init_ = config.getboolean("hd44780_protocol_init", true);
    spi_ = spi_from_config(config, 0, "latch_pin");
  }

  void init() override {
    Mcu& mcu = spi_->get_mcu();
    double print_time = mcu.estimated_print_time(mcu.get_printer().get_reactor().monotonic());
    auto init = init_sequence(protocol_init_);
    for (size_t i = 0; i < init.size(); i++)
      send(init[i], false, mcu.print_time_to_clock(print_time + i * .100));
    flush();
  }

 private:
  static constexpr uint8_t kDataMask = 1 << 1;
  static constexpr uint8_t kEnableMask = 1 << 3;

  void send_nibble(uint8_t bits, bool is_data, uint64_t minclock) {
    uint8_t b = (bits & 0xf0) | (is_data ? kDataMask : 0);
    spi_->spi_send({b}, minclock);
    spi_->spi_send({static_cast<uint8_t>(b | kEnableMask)}, minclock);
    spi_->spi_send({b}, minclock);
  }
  void send(const Bytes& bytes, bool is_data, uint64_t minclock = 0) {
    for (uint8_t b : bytes) {
      send_nibble(b, is_data, minclock);
      send_nibble(static_cast<uint8_t>(b << 4), is_data, minclock);
    }
  }
  void send_address(uint8_t cmd) override { send({cmd}, false); }
  void send_data(const Bytes& data) override { send(data, true); }

  bool protocol_init_ = true;
  std::unique_ptr<McuSpi> spi_;
};

}  // namespace

// ---- CharLcd --------------------------------------------------------------------------------

CharLcd::CharLcd(const ConfigWrapper& config) {
  line_length_ = std::stoi(config.getchoice("line_length", {"16", "20"}, "20"));
  size_t len = 2 * static_cast<size_t>(line_length_);
  fbs_[0] = {Bytes(len, ' '), Bytes(len, '~'), 0x80};
  fbs_[1] = {Bytes(len, ' '), Bytes(len, '~'), 0xc0};
  fbs_[2] = {Bytes(64, 0), Bytes(64, '~'), 0x40};
}

void CharLcd::flush() {
  for (auto& fb : fbs_) {
    if (fb.now == fb.old) continue;
    for (const DiffRun& r : diff_runs(fb.now, fb.old, 4)) {
      send_address(static_cast<uint8_t>(fb.cmd + r.pos));
      send_data(Bytes(fb.now.begin() + static_cast<std::ptrdiff_t>(r.pos),
                      fb.now.begin() + static_cast<std::ptrdiff_t>(r.pos + r.count)));
    }
    fb.old = fb.now;
  }
}

void CharLcd::write_text(int x, int y, std::string_view data) {
  if (x < 0 || y < 0 || y > 3 || x >= line_length_) return;
  data = data.substr(0, static_cast<size_t>(line_length_ - x));
  // Rows 2 and 3 continue rows 0 and 1 in the controller's memory.
  size_t pos = static_cast<size_t>(x + ((y & 2) >> 1) * line_length_);
  Bytes& fb = fbs_[y & 1].now;
  std::copy(data.begin(), data.end(), fb.begin() + static_cast<std::ptrdiff_t>(pos));
}

int CharLcd::write_glyph(int x, int y, const std::string& name) {
  if (auto it = icons_.find(name); it != icons_.end()) {
    const auto& [slot, rows] = it->second;
    char code = static_cast<char>(slot);
    write_text(x, y, std::string_view(&code, 1));
    std::copy(rows.begin(), rows.end(), fbs_[2].now.begin() + slot * 8);
    return 1;
  }
  if (name == "right_arrow") {
    write_text(x, y, std::string_view(&kRightArrow, 1));
    return 1;
  }
  return 0;
}

void CharLcd::set_glyphs(const GlyphMap& glyphs) {
  for (const auto& [name, g] : glyphs)
    if (g.icon5x8) icons_[name] = *g.icon5x8;
}

void CharLcd::clear() {
  std::fill(fbs_[0].now.begin(), fbs_[0].now.end(), ' ');
  std::fill(fbs_[1].now.begin(), fbs_[1].now.end(), ' ');
}

std::unique_ptr<LcdChip> make_hd44780(const ConfigWrapper& config) {
  return std::make_unique<Hd44780>(config);
}

std::unique_ptr<LcdChip> make_hd44780_spi(const ConfigWrapper& config) {
  return std::make_unique<Hd44780Spi>(config);
}

}  // namespace kpp::display
