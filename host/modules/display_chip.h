// The LCD controllers behind [display] (lcd_type): the interface the screen code draws through,
// the glyph data handed to them, and what the drivers share (framebuffer diffing, the 8x14 font).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"

namespace kpp::display {

using Bytes = std::vector<uint8_t>;
// One 8x16 pixel cell: 16 rows of 8 pixels, most significant bit leftmost.
using Cell = std::array<uint8_t, 16>;

// A [display_glyph] as the drivers use it: a 16x16 icon (left and right 8-pixel columns) for
// graphics displays and/or a 5x8 character with its CGRAM slot for hd44780-style displays.
struct Glyph {
  std::optional<std::pair<Cell, Cell>> icon16x16;
  std::optional<std::pair<int, std::array<uint8_t, 8>>> icon5x8;
};
using GlyphMap = std::map<std::string, Glyph>;

// What every display controller offers the screen code. Coordinates are character cells: x is
// the column, y the row (0-3).
class LcdChip {
 public:
  virtual ~LcdChip() = default;
  // Program the controller and send the whole (blank) screen; at klippy:ready.
  virtual void init() = 0;
  // Send what changed since the last flush.
  virtual void flush() = 0;
  // Text in the display's character set (bytes).
  virtual void write_text(int x, int y, std::string_view data) = 0;
  // Draw the named glyph; returns the number of columns used (0: unknown glyph).
  virtual int write_glyph(int x, int y, const std::string& name) = 0;
  // XOR an 8x16 pixel cell into the screen (character displays ignore it).
  virtual void write_graphics(int x, int y, const Cell& data) = 0;
  virtual void set_glyphs(const GlyphMap& glyphs) = 0;
  // Blank the (not yet flushed) screen.
  virtual void clear() = 0;
  // Columns and rows of characters.
  virtual std::pair<int, int> get_dimensions() const = 0;
};

// The controller for `config`'s lcd_type (every type of Klipper's Config_Reference).
std::unique_ptr<LcdChip> make_lcd_chip(const ConfigWrapper& config);

// One run of changed bytes to send: start position and length.
struct DiffRun {
  size_t pos;
  size_t count;
};
// The changed bytes of `now` against `old` (same size), grouped as Klipper's drivers group them:
// a change joins the following run when it lies within `gap` bytes of its start and that run is
// still shorter than 16 bytes. The identical grouping keeps the MCU traffic byte-identical.
std::vector<DiffRun> diff_runs(const Bytes& now, const Bytes& old, size_t gap);

// The 8x14 font (display_font.cpp), and a glyph of it as an 8x16 cell (one blank row above and
// below).
extern const uint8_t kFont8x14[256][14];
Cell font_cell(uint8_t ch);

// The request clock of screen updates: they go out when the link has nothing more urgent.
constexpr uint64_t kBackgroundPriorityClock = 0x7fffffff00000000ULL;

// The drivers (one file each), used by make_lcd_chip().
std::unique_ptr<LcdChip> make_hd44780(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_hd44780_spi(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_aip31068_spi(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_st7920(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_emulated_st7920(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_uc1701(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_ssd1306(const ConfigWrapper& config);
std::unique_ptr<LcdChip> make_sh1106(const ConfigWrapper& config);

}  // namespace kpp::display
