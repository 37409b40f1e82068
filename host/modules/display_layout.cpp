// Display templates, data groups and glyphs (see display_layout.h).
#include "modules/display_layout.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "core/logging.h"
#include "template/pyliteral.h"

namespace kpp::display {

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) i++;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string strip(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) e--;
  return std::string(s.substr(b, e - b));
}

// The sections with `prefix` of the printer's config, then the defaults of that kind the printer's
// config does not replace.
std::vector<ConfigWrapper> merged_sections(const ConfigWrapper& config,
                                           const ConfigWrapper& defaults,
                                           const std::string& prefix) {
  std::vector<ConfigWrapper> out = config.get_prefix_sections(prefix);
  std::set<std::string> names;
  for (const auto& c : out) names.insert(c.get_name());
  for (auto& c : defaults.get_prefix_sections(prefix))
    if (!names.count(c.get_name())) out.push_back(c);
  return out;
}

ConfigWrapper default_config(Printer& printer) {
  static const std::shared_ptr<ConfigFile> file =
      ConfigFile::parse_plain(kDefaultDisplayConfig, "display_defaults");
  // A tracker of its own: the defaults are not part of the printer's config checks.
  return ConfigWrapper(printer, file, std::make_shared<ConfigAccessTracker>(), "display");
}

}  // namespace

// ---- DisplayTemplate --------------------------------------------------------------------------

DisplayTemplate::DisplayTemplate(const ConfigWrapper& config) {
  auto parts = split_words(config.get_name());
  if (parts.size() != 2)
    throw config.error(fmt::format("Section name '{}' is not valid", config.get_name()));
  name_ = parts[1];
  for (const auto& option : config.get_prefix_options("param_")) {
    try {
      params_.emplace_back(option, tmpl::literal_eval(config.get(option)));
    } catch (const tmpl::LiteralError&) {
      throw config.error(fmt::format("Option '{}' in section '{}' is not a valid literal",
                                     option, config.get_name()));
    }
  }
  template_.emplace(load_gcode_macro(config).load_template(config, "text"));
}

std::string DisplayTemplate::render(
    tmpl::Context ctx, const std::vector<std::pair<std::string, tmpl::Value>>& kwargs) const {
  auto params = params_;
  for (const auto& [key, value] : kwargs) {
    auto it = std::find_if(params.begin(), params.end(), [&](auto& p) { return p.first == key; });
    if (it == params.end())
      throw CommandError(fmt::format("Invalid parameter to display_template {}", name_));
    it->second = value;
  }
  for (const auto& [key, value] : params) ctx.set(key, value);
  return template_->render(ctx);
}

// ---- DisplayGroup -----------------------------------------------------------------------------

DisplayGroup::DisplayGroup(const ConfigWrapper& display_config,
                           const std::vector<ConfigWrapper>& configs)
    : macro_(&load_gcode_macro(display_config)) {
  std::vector<std::tuple<int, int, std::string, const ConfigWrapper*>> order;
  for (const auto& c : configs) {
    std::string pos = c.get("position");
    auto comma = pos.find(',');
    auto row = comma == std::string::npos ? std::nullopt : parse_config_int(pos.substr(0, comma));
    auto col = comma == std::string::npos ? std::nullopt : parse_config_int(pos.substr(comma + 1));
    if (!row || !col)
      throw c.error(fmt::format("Unable to parse 'position' in section '{}'", c.get_name()));
    order.emplace_back(static_cast<int>(*row), static_cast<int>(*col), c.get_name(), &c);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), std::get<2>(b));
  });
  for (auto& [row, col, name, c] : order) {
    Item item{row, col, name, std::nullopt};
    // An empty text disables an item (e.g. to hide a default one).
    if (!c->get("text").empty()) item.text.emplace(macro_->load_template(*c, "text"));
    if (item.text) items_.push_back(std::move(item));
  }
}

void DisplayGroup::show(Canvas& canvas, const std::map<std::string, DisplayTemplate>& templates,
                        double eventtime) const {
  tmpl::Context ctx = macro_->create_template_context(eventtime);
  ctx.set("draw_progress_bar", tmpl::Value::function("draw_progress_bar", [&](tmpl::CallArgs& a) {
    a.check("draw_progress_bar", 4, {"row", "col", "width", "value"});
    canvas.draw_progress_bar(static_cast<int>(a.need(0, "row", "draw_progress_bar").to_int()),
                             static_cast<int>(a.need(1, "col", "draw_progress_bar").to_int()),
                             static_cast<int>(a.need(2, "width", "draw_progress_bar").to_int()),
                             a.need(3, "value", "draw_progress_bar").to_double());
    return tmpl::Value("");
  }));
  install_render_function(ctx, templates);
  for (const auto& item : items_) {
    std::string text = item.text->render(ctx);
    std::erase(text, '\n');
    canvas.draw_text(item.row, item.col, text);
  }
}

void install_render_function(tmpl::Context& ctx,
                             const std::map<std::string, DisplayTemplate>& templates) {
  // render() sees the same context (printer, render, draw_progress_bar) plus its params. The
  // function holds the context by pointer: it only runs while the caller renders with ctx.
  tmpl::Context* shared = &ctx;
  ctx.set("render", tmpl::Value::function("render", [&templates, shared](tmpl::CallArgs& a) {
    if (a.args.size() != 1 || !a.args[0].is_str())
      throw tmpl::TemplateError(tmpl::err::kType, "render() takes a template name");
    auto it = templates.find(a.args[0].as_str());
    if (it == templates.end()) throw tmpl::TemplateError(tmpl::err::kKey, a.args[0].repr());
    return tmpl::Value(it->second.render(*shared, a.kwargs));
  }));
}

// ---- Glyphs -----------------------------------------------------------------------------------

std::vector<uint32_t> parse_glyph(const std::string& name, const std::string& data, int width,
                                  int height) {
  std::vector<uint32_t> rows;
  size_t start = 0;
  while (start <= data.size()) {
    size_t nl = data.find('\n', start);
    std::string line = strip(data.substr(start, nl == std::string::npos ? nl : nl - start));
    start = nl == std::string::npos ? data.size() + 1 : nl + 1;
    if (line.empty()) continue;
    uint32_t bits = 0;
    bool ok = static_cast<int>(line.size()) == width;
    for (char ch : line) {
      if (ch == '.' || ch == '0')
        bits <<= 1;
      else if (ch == '*' || ch == '1')
        bits = (bits << 1) | 1;
      else
        ok = false;
    }
    if (!ok) throw ConfigError(fmt::format("Invalid glyph line in {}", name));
    rows.push_back(bits);
  }
  if (static_cast<int>(rows.size()) != height)
    throw ConfigError(fmt::format("Glyph {} incorrect lines", name));
  return rows;
}

// ---- Loading ----------------------------------------------------------------------------------

std::map<std::string, DisplayTemplate> load_display_templates(const ConfigWrapper& config) {
  std::map<std::string, DisplayTemplate> templates;
  ConfigWrapper defaults = default_config(config.get_printer());
  for (auto& c : merged_sections(config, defaults, "display_template ")) {
    DisplayTemplate t(c);
    std::string name = t.name();
    templates.erase(name);
    templates.emplace(name, std::move(t));
  }
  return templates;
}

Layout load_layout(const ConfigWrapper& config) {
  Layout layout;
  ConfigWrapper defaults = default_config(config.get_printer());
  layout.templates = load_display_templates(config);
  std::map<std::string, std::vector<ConfigWrapper>> groups;
  std::vector<std::string> group_order;
  for (auto& c : merged_sections(config, defaults, "display_data ")) {
    auto parts = split_words(c.get_name());
    if (parts.size() != 3)
      throw config.error(fmt::format("Section name '{}' is not valid", c.get_name()));
    groups[parts[1]].push_back(c);
  }
  for (auto& [name, items] : groups) layout.groups.emplace(name, DisplayGroup(config, items));
  const std::string prefix = "display_glyph ";
  for (auto& c : merged_sections(config, defaults, prefix)) {
    std::string name = c.get_name().substr(prefix.size());
    Glyph& g = layout.glyphs[name];
    if (auto data = c.get_opt("data")) {
      auto rows = parse_glyph(name, *data, 16, 16);
      Cell left{}, right{};
      for (int i = 0; i < 16; i++) {
        left[i] = static_cast<uint8_t>(rows[i] >> 8);
        right[i] = static_cast<uint8_t>(rows[i] & 0xff);
      }
      g.icon16x16 = std::make_pair(left, right);
    }
    if (auto data = c.get_opt("hd44780_data")) {
      int slot = static_cast<int>(c.getint("hd44780_slot", {.minval = 0, .maxval = 7}));
      auto rows = parse_glyph(name, *data, 5, 8);
      std::array<uint8_t, 8> bits{};
      for (int i = 0; i < 8; i++) bits[i] = static_cast<uint8_t>(rows[i]);
      g.icon5x8 = std::make_pair(slot, bits);
    }
  }
  return layout;
}

}  // namespace kpp::display
