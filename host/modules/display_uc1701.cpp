// uc1701, ssd1306 and sh1106: 128x64 (sh1106: 132x64) pixel displays organised as 8 pages of
// 8-pixel-high columns. Text is drawn with the 8x14 font into 8x16 cells, four rows of 16
// characters. uc1701 talks over SPI with a data/command line (a0_pin); ssd1306/sh1106 over I2C,
// or over SPI with dc_pin when cs_pin is given.
#include <fmt/format.h>

#include "mcu/bus.h"
#include "mcu/mcu.h"
#include "modules/display_chip.h"

namespace kpp::display {

namespace {

// The two 8-row halves of an 8x16 cell as page column bytes (bit 0 = top row).
std::pair<std::array<uint8_t, 8>, std::array<uint8_t, 8>> to_columns(const Cell& cell) {
  std::array<uint8_t, 8> top{}, bottom{};
  for (int col = 0; col < 8; col++) {
    for (int row = 0; row < 8; row++) {
      if (cell[row] & (0x80 >> col)) top[col] |= static_cast<uint8_t>(1 << row);
      if (cell[row + 8] & (0x80 >> col)) bottom[col] |= static_cast<uint8_t>(1 << row);
    }
  }
  return {top, bottom};
}

// How bytes reach the controller: command bytes or display RAM data.
class DisplayIo {
 public:
  virtual ~DisplayIo() = default;
  virtual void send(const Bytes& bytes, bool is_data) = 0;
  virtual Mcu& get_mcu() = 0;
  virtual int get_command_queue() const = 0;
};

// SPI plus a data/command line switched on the same command queue.
class Spi4Wire final : public DisplayIo {
 public:
  Spi4Wire(const ConfigWrapper& config, const std::string& dc_option) {
    spi_ = spi_from_config(config, 0, "cs_pin", 10000000);
    dc_ = std::make_unique<McuBusDigitalOut>(spi_->get_mcu(), config.get(dc_option),
                                             spi_->get_command_queue());
  }
  void send(const Bytes& bytes, bool is_data) override {
    dc_->update_digital_out(is_data, 0, kBackgroundPriorityClock);
    spi_->spi_send(bytes, 0, kBackgroundPriorityClock);
  }
  Mcu& get_mcu() override { return spi_->get_mcu(); }
  int get_command_queue() const override { return spi_->get_command_queue(); }

 private:
  std::unique_ptr<McuSpi> spi_;
  std::unique_ptr<McuBusDigitalOut> dc_;
};

// I2C: each transfer starts with a control byte, 0x00 for commands, 0x40 for data.
class I2cIo final : public DisplayIo {
 public:
  I2cIo(const ConfigWrapper& config, int default_addr)
      : i2c_(i2c_from_config(config, default_addr, 400000)) {}
  void send(const Bytes& bytes, bool is_data) override {
    Bytes msg{static_cast<uint8_t>(is_data ? 0x40 : 0x00)};
    msg.insert(msg.end(), bytes.begin(), bytes.end());
    i2c_->i2c_write(msg, 0, kBackgroundPriorityClock);
  }
  Mcu& get_mcu() override { return i2c_->get_mcu(); }
  int get_command_queue() const override { return i2c_->get_command_queue(); }

 private:
  std::unique_ptr<McuI2c> i2c_;
};

// An optional reset line, pulsed low at start-up; its last update holds back the commands
// queued after it until the controller is out of reset.
class ResetLine {
 public:
  ResetLine(const std::optional<std::string>& pin, DisplayIo& io) {
    if (pin) pin_ = std::make_unique<McuBusDigitalOut>(io.get_mcu(), *pin, io.get_command_queue());
  }
  void pulse() {
    if (!pin_) return;
    Mcu& mcu = pin_->get_mcu();
    double pt = mcu.estimated_print_time(mcu.get_printer().get_reactor().monotonic());
    pin_->update_digital_out(false, mcu.print_time_to_clock(pt + .100));
    pin_->update_digital_out(true, mcu.print_time_to_clock(pt + .200));
    pin_->update_digital_out(true, mcu.print_time_to_clock(pt + .300));
  }

 private:
  std::unique_ptr<McuBusDigitalOut> pin_;
};

class PagedDisplay : public LcdChip {
 public:
  void flush() override {
    for (size_t page = 0; page < 8; page++) {
      auto& [now, old] = pages_[page];
      if (now == old) continue;
      for (const DiffRun& r : diff_runs(now, old, 5)) {
        io_->send({static_cast<uint8_t>(0xb0 | page), static_cast<uint8_t>(0x10 | (r.pos >> 4)),
                   static_cast<uint8_t>(r.pos & 0x0f)},
                  false);
        io_->send(Bytes(now.begin() + static_cast<std::ptrdiff_t>(r.pos),
                        now.begin() + static_cast<std::ptrdiff_t>(r.pos + r.count)),
                  true);
      }
      old = now;
    }
  }

  void write_text(int x, int y, std::string_view data) override {
    if (x < 0 || x >= 16 || y < 0 || y > 3) return;
    data = data.substr(0, static_cast<size_t>(16 - x));
    size_t px = static_cast<size_t>(x * 8 + x_offset_);
    for (char ch : data) {
      const auto& [top, bottom] = font_[static_cast<uint8_t>(ch)];
      std::copy(top.begin(), top.end(), pages_[y * 2].first.begin() + static_cast<long>(px));
      std::copy(bottom.begin(), bottom.end(),
                pages_[y * 2 + 1].first.begin() + static_cast<long>(px));
      px += 8;
    }
  }

  void write_graphics(int x, int y, const Cell& data) override {
    if (x < 0 || x >= 16 || y < 0 || y >= 4) return;
    auto [top, bottom] = to_columns(data);
    size_t px = static_cast<size_t>(x * 8 + x_offset_);
    for (size_t i = 0; i < 8; i++) {
      pages_[y * 2].first[px + i] ^= top[i];
      pages_[y * 2 + 1].first[px + i] ^= bottom[i];
    }
  }

  int write_glyph(int x, int y, const std::string& name) override {
    if (auto it = icons_.find(name); it != icons_.end() && x >= 0 && x < 15 && y >= 0 && y < 4) {
      long px = x * 8 + x_offset_;
      std::copy(it->second.first.begin(), it->second.first.end(),
                pages_[y * 2].first.begin() + px);
      std::copy(it->second.second.begin(), it->second.second.end(),
                pages_[y * 2 + 1].first.begin() + px);
      return 2;
    }
    char ch = name == "right_arrow" ? '\x1a' : name == "degrees" ? '\xf8' : 0;
    if (!ch) return 0;
    write_text(x, y, std::string_view(&ch, 1));
    return 1;
  }

  void set_glyphs(const GlyphMap& glyphs) override {
    for (const auto& [name, g] : glyphs) {
      if (!g.icon16x16) continue;
      auto [top1, bottom1] = to_columns(g.icon16x16->first);
      auto [top2, bottom2] = to_columns(g.icon16x16->second);
      std::array<uint8_t, 16> top{}, bottom{};
      std::copy(top1.begin(), top1.end(), top.begin());
      std::copy(top2.begin(), top2.end(), top.begin() + 8);
      std::copy(bottom1.begin(), bottom1.end(), bottom.begin());
      std::copy(bottom2.begin(), bottom2.end(), bottom.begin() + 8);
      icons_[name] = {top, bottom};
    }
  }

  void clear() override {
    for (auto& p : pages_) std::fill(p.first.begin(), p.first.end(), 0);
  }

  std::pair<int, int> get_dimensions() const override { return {16, 4}; }

 protected:
  void setup(std::unique_ptr<DisplayIo> io, size_t columns = 128, int x_offset = 0) {
    io_ = std::move(io);
    x_offset_ = x_offset;
    for (auto& p : pages_) p = {Bytes(columns, 0), Bytes(columns, '~')};
    for (int c = 0; c < 256; c++) font_[c] = to_columns(font_cell(static_cast<uint8_t>(c)));
  }
  void send(const Bytes& bytes, bool is_data = false) { io_->send(bytes, is_data); }
  DisplayIo& io() { return *io_; }

 private:
  std::unique_ptr<DisplayIo> io_;
  int x_offset_ = 0;
  std::array<std::pair<Bytes, Bytes>, 8> pages_;  // wanted content, content on the display
  std::array<std::pair<std::array<uint8_t, 8>, std::array<uint8_t, 8>>, 256> font_;
  std::map<std::string, std::pair<std::array<uint8_t, 16>, std::array<uint8_t, 16>>> icons_;
};

class Uc1701 final : public PagedDisplay {
 public:
  explicit Uc1701(const ConfigWrapper& config) {
    setup(std::make_unique<Spi4Wire>(config, "a0_pin"));
    contrast_ = static_cast<uint8_t>(config.getint("contrast", 40, {.minval = 0, .maxval = 63}));
    reset_ = std::make_unique<ResetLine>(config.get_opt("rst_pin"), io());
  }
  void init() override {
    reset_->pulse();
    send({0xe2,        // system reset
          0x40,        // display starts at line 0
          0xa0,        // segment direction
          0xc8,        // COM direction
          0xa2,        // bias 1/9
          0x2c,        // booster on
          0x2e,        // voltage regulator on
          0x2f,        // voltage follower on
          0xf8, 0x00,  // booster ratio 4x
          0x23,        // resistor ratio 3
          0x81, contrast_,  // electronic volume
          0xac,        // static indicator off
          0x00,        // nop
          0xa6,        // not inverted
          0xaf});      // display on
    send({0xa5});      // all pixels on
    send({0xa4});      // back to RAM content
    flush();
  }

 private:
  uint8_t contrast_ = 40;
  std::unique_ptr<ResetLine> reset_;
};

class Ssd1306 : public PagedDisplay {
 public:
  explicit Ssd1306(const ConfigWrapper& config, size_t columns = 128, int x_offset = 0) {
    std::unique_ptr<DisplayIo> io;
    if (config.get_opt("cs_pin"))
      io = std::make_unique<Spi4Wire>(config, "dc_pin");
    else
      io = std::make_unique<I2cIo>(config, 60);
    reset_ = std::make_unique<ResetLine>(config.get_opt("reset_pin"), *io);
    setup(std::move(io), columns, x_offset);
    contrast_ =
        static_cast<uint8_t>(config.getint("contrast", 239, {.minval = 0, .maxval = 255}));
    vcomh_ = static_cast<uint8_t>(config.getint("vcomh", 0, {.minval = 0, .maxval = 63}));
    invert_ = config.getboolean("invert", false);
  }
  void init() override {
    reset_->pulse();
    send({0xae,              // display off
          0xd5, 0x80,        // oscillator frequency
          0xa8, 0x3f,        // multiplex ratio
          0xd3, 0x00,        // display offset
          0x40,              // start line
          0x8d, 0x14,        // charge pump
          0x20, 0x02,        // page addressing
          0xa1,              // segment re-map
          0xc8,              // COM scan direction
          0xda, 0x12,        // COM pins
          0x81, contrast_,   // contrast
          0xd9, 0xa1,        // pre-charge period
          0xdb, vcomh_,      // VCOMH deselect level
          0x2e,              // scrolling off
          0xa4,              // show RAM
          static_cast<uint8_t>(invert_ ? 0xa7 : 0xa6),
          0xaf});            // display on
    flush();
  }

 private:
  uint8_t contrast_ = 239, vcomh_ = 0;
  bool invert_ = false;
  std::unique_ptr<ResetLine> reset_;
};

}  // namespace

std::unique_ptr<LcdChip> make_uc1701(const ConfigWrapper& config) {
  return std::make_unique<Uc1701>(config);
}

std::unique_ptr<LcdChip> make_ssd1306(const ConfigWrapper& config) {
  return std::make_unique<Ssd1306>(config);
}

// SSD1306 compatible with 132 columns; x_offset shifts the picture on panels that show the
// middle 128.
std::unique_ptr<LcdChip> make_sh1106(const ConfigWrapper& config) {
  int x_offset = static_cast<int>(config.getint("x_offset", 0, {.minval = 0, .maxval = 3}));
  return std::make_unique<Ssd1306>(config, 132, x_offset);
}

}  // namespace kpp::display
