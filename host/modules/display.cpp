// [display] (see display.h).
#include "modules/display.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/logging.h"

namespace kpp {

namespace {
constexpr double kRedrawTime = .500;     // between two screen updates
constexpr double kRedrawMinTime = .100;  // at least between updates on request
}  // namespace

PrinterLcd::PrinterLcd(const ConfigWrapper& config)
    : printer_(config.get_printer()), reactor_(printer_.get_reactor()) {
  chip_ = display::make_lcd_chip(config);
  if (config.get_name() == "display") menu_ = std::make_unique<display::MenuManager>(config, *this);
  printer_.load_object(config, "display_status");
  layout_ = display::load_layout(config);
  chip_->set_glyphs(layout_.glyphs);
  std::string dgroup = get_dimensions().first == 20 ? "_default_20x4" : "_default_16x4";
  dgroup = config.get("display_group", dgroup);
  auto it = layout_.groups.find(dgroup);
  if (it == layout_.groups.end())
    throw config.error(fmt::format("Unknown display_data group '{}'", dgroup));
  group_ = &it->second;
  printer_.register_event_handler("klippy:ready", std::function<void()>([this] { handle_ready(); }));
  timer_ = reactor_.register_timer([this](double t) { return screen_update_event(t); });
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  const std::string& name = config.get_name();
  std::string key = name == "display" ? std::string("display") : name.substr(name.find(' ') + 1);
  auto handler = [this](GCodeCommand& g) { cmd_set_display_group(g); };
  gcode.register_mux_command("SET_DISPLAY_GROUP", "DISPLAY", key, handler,
                             "Set the active display group");
  if (name == "display") gcode.register_mux_command("SET_DISPLAY_GROUP", "DISPLAY", "", handler);
}

PrinterLcd::~PrinterLcd() {
  if (timer_) reactor_.unregister_timer(timer_);
}

void PrinterLcd::handle_ready() {
  chip_->init();
  // First update on the reactor's next pass, not within the pass running the ready handlers
  // (Klipper's reactor only sees a timer on the pass after the one that registered it).
  reactor_.update_timer(timer_, reactor_.monotonic());
}

void PrinterLcd::redraw(double eventtime) {
  chip_->clear();
  try {
    if (!menu_ || !menu_->screen_update_event(eventtime))
      group_->show(*this, layout_.templates, eventtime);
  } catch (const std::exception& e) {
    log::warning("Error during display screen update: {}", e.what());
  }
  chip_->flush();
}

double PrinterLcd::screen_update_event(double eventtime) {
  if (redraw_request_pending_) {
    redraw_request_pending_ = false;
    redraw_time_ = eventtime + kRedrawMinTime;
  }
  redraw(eventtime);
  return eventtime + kRedrawTime;
}

void PrinterLcd::request_redraw() {
  if (redraw_request_pending_) return;
  redraw_request_pending_ = true;
  reactor_.update_timer(timer_, redraw_time_);
}

int PrinterLcd::draw_text(int row, int col, const std::string& mixed_text) {
  // "~name~" draws a glyph; the text between glyphs is written as is.
  int pos = col;
  size_t start = 0;
  for (bool is_glyph = false;; is_glyph = !is_glyph) {
    size_t end = mixed_text.find('~', start);
    std::string part = mixed_text.substr(start, end == std::string::npos ? end : end - start);
    if (is_glyph) {
      pos += chip_->write_glyph(pos, row, part);
    } else {
      chip_->write_text(pos, row, part);
      pos += static_cast<int>(part.size());
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return pos;
}

void PrinterLcd::draw_progress_bar(int row, int col, int width, double value) {
  // A frame of `width` cells with the done part filled from the left: bit 0 of `pixels` is the
  // rightmost pixel column.
  int total = width * 8;
  int empty = std::clamp(static_cast<int>(total * (1. - value) + .5), 0, total);
  auto pixel = [&](int bit) {
    bool on = bit >= empty;  // -1 << empty
    if (bit == total - 1 || bit == 0) on = true;
    return on;
  };
  for (int i = 0; i < width; i++) {
    uint8_t b = 0;
    for (int k = 0; k < 8; k++)
      if (pixel(i * 8 + k)) b |= static_cast<uint8_t>(1 << k);
    display::Cell cell;
    cell.fill(b);
    cell[0] = cell[15] = 0xff;
    chip_->write_graphics(col + width - 1 - i, row, cell);
  }
}

void PrinterLcd::cmd_set_display_group(GCodeCommand& gcmd) {
  std::string group = gcmd.get("GROUP");
  auto it = layout_.groups.find(group);
  if (it == layout_.groups.end())
    throw CommandError(fmt::format("Unknown display_data group '{}'", group));
  group_ = &it->second;
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrinterLcd>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(display, kpp::load, kpp::load)
