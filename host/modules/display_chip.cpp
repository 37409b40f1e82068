// What the display drivers share: lcd_type selection, framebuffer diffing, font cells.
#include "modules/display_chip.h"

#include <algorithm>

namespace kpp::display {

std::unique_ptr<LcdChip> make_lcd_chip(const ConfigWrapper& config) {
  using Factory = std::unique_ptr<LcdChip> (*)(const ConfigWrapper&);
  static const std::vector<std::pair<std::string, Factory>> kTypes = {
      {"st7920", make_st7920},     {"emulated_st7920", make_emulated_st7920},
      {"hd44780", make_hd44780},   {"uc1701", make_uc1701},
      {"ssd1306", make_ssd1306},   {"sh1106", make_sh1106},
      {"hd44780_spi", make_hd44780_spi}, {"aip31068_spi", make_aip31068_spi},
  };
  std::vector<std::string> names;
  for (const auto& [name, fn] : kTypes) names.push_back(name);
  std::string type = config.getchoice("lcd_type", names);
  for (const auto& [name, fn] : kTypes)
    if (name == type) return fn(config);
  return nullptr;  // unreachable: getchoice only returns listed names
}

std::vector<DiffRun> diff_runs(const Bytes& now, const Bytes& old, size_t gap) {
  std::vector<DiffRun> runs;
  for (size_t i = 0; i < now.size() && i < old.size(); i++)
    if (now[i] != old[i]) runs.push_back({i, 1});
  // Merge from the end, so a run grows backwards until it reaches 16 bytes.
  for (size_t k = runs.size(); k-- > 1;) {
    DiffRun& cur = runs[k - 1];
    const DiffRun& next = runs[k];
    if (cur.pos + gap >= next.pos && next.count < 16) {
      cur.count = next.count + (next.pos - cur.pos);
      runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
  return runs;
}

Cell font_cell(uint8_t ch) {
  Cell c{};
  std::copy(std::begin(kFont8x14[ch]), std::end(kFont8x14[ch]), c.begin() + 1);
  return c;
}

}  // namespace kpp::display
