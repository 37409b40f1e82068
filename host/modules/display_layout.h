// What a display shows: [display_template] (reusable text templates with param_* defaults),
// [display_data GROUP ITEM] (a template at a row and column; the items of one group form a
// screen), [display_glyph] (user icons), merged with the built-in defaults of
// display_defaults.cpp (a section of the printer's config replaces the default of that name).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modules/display_chip.h"
#include "modules/gcode_macro.h"

namespace kpp::display {

class DisplayTemplate {
 public:
  explicit DisplayTemplate(const ConfigWrapper& config);
  const std::string& name() const { return name_; }
  // Render with `ctx` plus the param_* values, replaced by `kwargs` (which must name existing
  // params: CommandError "Invalid parameter to display_template NAME").
  std::string render(tmpl::Context ctx,
                     const std::vector<std::pair<std::string, tmpl::Value>>& kwargs) const;
  bool has_param(const std::string& name) const {
    for (const auto& p : params_)
      if (p.first == name) return true;
    return false;
  }

 private:
  std::string name_;
  std::vector<std::pair<std::string, tmpl::Value>> params_;
  std::optional<MacroTemplate> template_;
};

// What a screen draws through (implemented by the display).
class Canvas {
 public:
  virtual ~Canvas() = default;
  // Text with ~glyph~ names; returns the column after it.
  virtual int draw_text(int row, int col, const std::string& mixed_text) = 0;
  virtual void draw_progress_bar(int row, int col, int width, double value) = 0;
};

class DisplayGroup {
 public:
  struct Item {
    int row, col;
    std::string section;
    std::optional<MacroTemplate> text;
  };
  DisplayGroup(const ConfigWrapper& display_config, const std::vector<ConfigWrapper>& items);
  // Draw every item (in row, column order). A template failure propagates (the display logs
  // it and keeps the items drawn so far).
  void show(Canvas& canvas, const std::map<std::string, DisplayTemplate>& templates,
            double eventtime) const;
  const std::vector<Item>& items() const { return items_; }

 private:
  PrinterGCodeMacro* macro_;
  std::vector<Item> items_;
};

// Everything loaded for one display.
struct Layout {
  std::map<std::string, DisplayTemplate> templates;
  std::map<std::string, DisplayGroup> groups;
  GlyphMap glyphs;
};
Layout load_layout(const ConfigWrapper& display_config);

// Every [display_template] of the printer's config merged with the built-in ones, by name
// (what displays, LEDs, output pins and fans render).
std::map<std::string, DisplayTemplate> load_display_templates(const ConfigWrapper& config);

// Make render('name', param_x=...) available to templates rendered with `ctx`. `ctx` must stay
// where it is while it is used (render() renders with it).
void install_render_function(tmpl::Context& ctx,
                             const std::map<std::string, DisplayTemplate>& templates);

// The built-in sections (display_defaults.cpp), as config text.
extern const char* const kDefaultDisplayConfig;

// A glyph drawing: `height` lines of `width` '.' (off) / '*' (on) characters ('0'/'1' too).
// ConfigError "Invalid glyph line in NAME" / "Glyph NAME incorrect lines".
std::vector<uint32_t> parse_glyph(const std::string& name, const std::string& data, int width,
                                  int height);

}  // namespace kpp::display
