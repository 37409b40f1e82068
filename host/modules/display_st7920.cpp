// st7920 and emulated_st7920: 128x64 displays whose controller has a 16x4 text layer (with four
// 16x16 user characters) over a pixel layer; the two are XORed on screen. Text goes to the text
// layer, icons and the progress bar to the pixel layer. The two-frame animations (fan, heating
// bed) keep their difference image in a user character, so switching frames only rewrites two
// text bytes.
#include <fmt/format.h>

#include "mcu/bus.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/display_chip.h"

namespace kpp::display {

namespace {

// Spec says 72 us; faster works in practice (the values Klipper uses).
constexpr double kCmdDelay = .000020;
constexpr double kSyncDelay = .000045;
constexpr char kRightArrow = '\x1a';

class St7920Base : public LcdChip {
 public:
  St7920Base() {
    fbs_.push_back({Bytes(64, ' '), Bytes(64, '~'), 0x80});  // text
    fbs_.push_back({Bytes(128, 0), Bytes(128, '~'), 0x40});  // user characters
    for (int i = 0; i < 32; i++) fbs_.push_back({Bytes(32, 0), Bytes(32, '~'), i});  // pixels
  }

  void init() override {
    send({0x24,    // extended mode
          0x40,    // clear vertical scroll address
          0x02,    // enable character RAM access
          0x26,    // graphics on
          0x22,    // basic mode
          0x02,    // home
          0x06,    // increment
          0x0c},   // display on, cursor hidden
         false, false);
    flush();
  }

  void flush() override {
    for (auto& fb : fbs_) {
      if (fb.now == fb.old) continue;
      for (DiffRun r : diff_runs(fb.now, fb.old, 5)) {
        // The controller addresses 16-bit words.
        r.count += r.pos & 1;
        r.count += r.count & 1;
        r.pos &= ~size_t{1};
        auto chip_pos = static_cast<uint8_t>(r.pos >> 1);
        if (fb.id < 0x40)
          send({static_cast<uint8_t>(0x80 + fb.id), static_cast<uint8_t>(0x80 + chip_pos)}, false,
               true);
        else
          send({static_cast<uint8_t>(fb.id + chip_pos)}, false, false);
        send(Bytes(fb.now.begin() + static_cast<std::ptrdiff_t>(r.pos),
                   fb.now.begin() + static_cast<std::ptrdiff_t>(r.pos + r.count)),
             true, false);
      }
      fb.old = fb.now;
    }
  }

  void write_text(int x, int y, std::string_view data) override {
    if (x < 0 || x >= 16 || y < 0 || y > 3) return;
    data = data.substr(0, static_cast<size_t>(16 - x));
    static constexpr int kRowStart[4] = {0, 32, 16, 48};
    std::copy(data.begin(), data.end(), fbs_[0].now.begin() + kRowStart[y] + x);
  }

  void write_graphics(int x, int y, const Cell& data) override {
    if (x < 0 || x >= 16 || y < 0 || y >= 4) return;
    // Rows 2 and 3 are the right half of the pixel rows of rows 0 and 1.
    int row = y * 16;
    if (row >= 32) {
      row -= 32;
      x += 16;
    }
    for (int i = 0; i < 16; i++) fbs_[2 + row + i].now[static_cast<size_t>(x)] ^= data[i];
  }

  int write_glyph(int x, int y, const std::string& name) override {
    std::string icon_name = name;
    if (auto c = cached_.find(name); c != cached_.end() && (x & 1) == 0) {
      // The difference image in the text layer, the base frame in the pixel layer.
      const char code[2] = {0, static_cast<char>(c->second.second * 2)};
      write_text(x, y, std::string_view(code, 2));
      icon_name = c->second.first;
    }
    if (auto it = icons_.find(icon_name); it != icons_.end()) {
      write_graphics(x, y, it->second.first);
      write_graphics(x + 1, y, it->second.second);
      return 2;
    }
    if (name == "right_arrow") {
      write_text(x, y, std::string_view(&kRightArrow, 1));
      return 1;
    }
    if (name == "degrees") {
      write_graphics(x, y, font_cell(0xf8));
      return 1;
    }
    return 0;
  }

  void set_glyphs(const GlyphMap& glyphs) override {
    for (const auto& [name, g] : glyphs)
      if (g.icon16x16) icons_[name] = *g.icon16x16;
    cache_glyph("fan2", "fan1", 0);
    cache_glyph("bed_heat2", "bed_heat1", 1);
  }

  void clear() override {
    std::fill(fbs_[0].now.begin(), fbs_[0].now.end(), ' ');
    for (size_t i = 2; i < fbs_.size(); i++) std::fill(fbs_[i].now.begin(), fbs_[i].now.end(), 0);
  }

  std::pair<int, int> get_dimensions() const override { return {16, 4}; }

 protected:
  // Send controller commands (switching between basic and extended instruction set as
  // `is_extended` asks) or RAM data.
  virtual void send_raw(const Bytes& bytes, bool is_data) = 0;

 private:
  struct Framebuffer {
    Bytes now, old;
    int id;  // 0-31: pixel row pair; 0x40: character RAM; 0x80: text
  };

  void send(Bytes bytes, bool is_data, bool is_extended) {
    if (!is_data && is_extended_ != is_extended) {
      bytes.insert(bytes.begin(), is_extended ? 0x26 : 0x22);
      is_extended_ = is_extended;
    }
    send_raw(bytes, is_data);
  }

  // User character `id` holds glyph `name` XOR glyph `base`.
  void cache_glyph(const std::string& name, const std::string& base, int id) {
    auto icon = icons_.find(name), base_icon = icons_.find(base);
    if (icon == icons_.end() || base_icon == icons_.end()) return;
    for (int i = 0; i < 16; i++) {
      size_t pos = static_cast<size_t>(id * 32 + i * 2);
      uint8_t b1 = icon->second.first[i] ^ base_icon->second.first[i];
      uint8_t b2 = icon->second.second[i] ^ base_icon->second.second[i];
      fbs_[1].now[pos] = b1;
      fbs_[1].now[pos + 1] = b2;
      fbs_[1].old[pos] = b1 ^ 1;  // force a transfer
      fbs_[1].old[pos + 1] = b2 ^ 1;
    }
    cached_[name] = {base, id};
  }

  std::vector<Framebuffer> fbs_;
  bool is_extended_ = false;
  std::map<std::string, std::pair<Cell, Cell>> icons_;
  std::map<std::string, std::pair<std::string, int>> cached_;  // name -> (base, character)
};

// The controller's serial mode driven by the MCU's st7920 commands.
class St7920 final : public St7920Base {
 public:
  explicit St7920(const ConfigWrapper& config) {
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    for (const char* name : {"cs", "sclk", "sid"}) {
      PinParams p = ppins.lookup_pin(config.get(fmt::format("{}_pin", name)));
      auto* m = dynamic_cast<Mcu*>(p.chip);
      if (!m || (mcu_ && m != mcu_)) throw PinError("st7920 all pins must be on same mcu");
      mcu_ = m;
      pins_.push_back(p.pin);
    }
    oid_ = mcu_->create_oid();
    mcu_->register_config_callback([this] { build_config(); });
  }

 private:
  void build_config() {
    mcu_->add_config_cmd(fmt::format(
        "config_st7920 oid={} cs_pin={} sclk_pin={} sid_pin={} sync_delay_ticks={} "
        "cmd_delay_ticks={}",
        oid_, pins_[0], pins_[1], pins_[2], mcu_->seconds_to_clock(kSyncDelay),
        mcu_->seconds_to_clock(kCmdDelay)));
    int cq = mcu_->alloc_command_queue();
    send_cmds_ = mcu_->lookup_command("st7920_send_cmds oid=%c cmds=%*s", cq);
    send_data_ = mcu_->lookup_command("st7920_send_data oid=%c data=%*s", cq);
  }
  void send_raw(const Bytes& bytes, bool is_data) override {
    std::vector<mcu::ParamValue> values{mcu::ParamValue::integer(oid_),
                                        mcu::ParamValue::bytes({bytes.begin(), bytes.end()})};
    (is_data ? send_data_ : send_cmds_).send_values(values, 0, kBackgroundPriorityClock);
  }

  Mcu* mcu_ = nullptr;
  std::vector<std::string> pins_;
  int oid_ = -1;
  McuCommand send_cmds_, send_data_;
};

// The same controller on a plain software SPI bus (e.g. boards that only wire an SPI port to
// the display): every byte travels as a sync byte and two nibbles, and an enable line is
// pulsed once before the first transfer.
class EmulatedSt7920 final : public St7920Base {
 public:
  explicit EmulatedSt7920(const ConfigWrapper& config) {
    auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
    std::array<std::string, 3> sw_pins;
    Mcu* mcu = nullptr;
    const char* kinds[] = {"miso", "mosi", "sclk"};
    for (int i = 0; i < 3; i++) {
      std::string opt = fmt::format("spi_software_{}_pin", kinds[i]);
      PinParams p = ppins.lookup_pin(config.get(opt), false, false, opt);
      auto* m = dynamic_cast<Mcu*>(p.chip);
      if (!m || (mcu && m != mcu))
        throw PinError(fmt::format("{}: spi pins must be on same mcu", config.get_name()));
      mcu = m;
      sw_pins[i] = p.pin;
    }
    int64_t speed = config.getint("spi_speed", 1000000, {.minval = 100000});
    spi_ = std::make_unique<McuSpi>(*mcu, std::nullopt, std::nullopt, 0, speed, sw_pins);
    enable_ = std::make_unique<McuBusDigitalOut>(*mcu, config.get("en_pin"),
                                                 spi_->get_command_queue());
  }

 private:
  void send_raw(const Bytes& bytes, bool is_data) override {
    Bytes spi{static_cast<uint8_t>(is_data ? 0xfa : 0xf8)};
    for (uint8_t b : bytes) {
      spi.push_back(b & 0xf0);
      spi.push_back(static_cast<uint8_t>((b & 0x0f) << 4));
    }
    if (!enabled_) {
      // Pulse the enable line; the last update delays everything queued after it.
      Mcu& mcu = spi_->get_mcu();
      double pt = mcu.estimated_print_time(mcu.get_printer().get_reactor().monotonic());
      enable_->update_digital_out(false, mcu.print_time_to_clock(pt + .100));
      enable_->update_digital_out(true, mcu.print_time_to_clock(pt + .200));
      enable_->update_digital_out(true, mcu.print_time_to_clock(pt + .300));
      enabled_ = true;
    }
    spi_->spi_send(spi, 0, kBackgroundPriorityClock);
  }

  std::unique_ptr<McuSpi> spi_;
  std::unique_ptr<McuBusDigitalOut> enable_;
  bool enabled_ = false;
};

}  // namespace

std::unique_ptr<LcdChip> make_st7920(const ConfigWrapper& config) {
  return std::make_unique<St7920>(config);
}

std::unique_ptr<LcdChip> make_emulated_st7920(const ConfigWrapper& config) {
  return std::make_unique<EmulatedSt7920>(config);
}

}  // namespace kpp::display
