// Character displays of the hd44780 family (hd44780, hd44780_spi, aip31068_spi): 16 or 20
// columns by 4 rows, eight user-defined 5x8 characters. The screen lives in the controller as two
// lines of 2 x line_length characters (rows 0+2 and 1+3) and 64 bytes of character RAM.
#pragma once

#include <array>
#include <map>
#include <string>

#include "modules/display_chip.h"

namespace kpp::display {

class CharLcd : public LcdChip {
 public:
  void flush() override;
  void write_text(int x, int y, std::string_view data) override;
  int write_glyph(int x, int y, const std::string& name) override;
  void write_graphics(int, int, const Cell&) override {}  // no pixel access
  void set_glyphs(const GlyphMap& glyphs) override;
  void clear() override;
  std::pair<int, int> get_dimensions() const override { return {line_length_, 4}; }

 protected:
  // Reads line_length (16 or 20, default 20).
  explicit CharLcd(const ConfigWrapper& config);
  // Set the controller's address (a "set DDRAM/CGRAM address" command), then write RAM bytes.
  virtual void send_address(uint8_t cmd) = 0;
  virtual void send_data(const Bytes& data) = 0;

 private:
  struct Framebuffer {
    Bytes now, old;  // wanted content, content on the display ('~' = unknown at start)
    uint8_t cmd;     // address command of byte 0
  };
  int line_length_;
  std::array<Framebuffer, 3> fbs_;  // text lines 0x80 and 0xc0, character RAM 0x40
  std::map<std::string, std::pair<int, std::array<uint8_t, 8>>> icons_;
};

}  // namespace kpp::display
