// [display] and [display NAME]: an LCD on an MCU showing the printer's state, redrawn twice a
// second from display_data templates (only changed bytes are sent), SET_DISPLAY_GROUP to switch
// screens. See docs/display.md.
#pragma once

#include <memory>
#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "core/reactor.h"
#include "modules/display_chip.h"
#include "modules/display_layout.h"
#include "modules/display_menu.h"

namespace kpp {

class PrinterLcd : public PrinterObject, public display::Canvas {
 public:
  explicit PrinterLcd(const ConfigWrapper& config);
  ~PrinterLcd() override;

  std::pair<int, int> get_dimensions() const { return chip_->get_dimensions(); }
  // The menu of the primary display ([display]); null for [display NAME].
  display::MenuManager* menu() { return menu_.get(); }
  display::LcdChip& chip() { return *chip_; }
  // Redraw the screen now (Klipper draws at most every 100 ms on request).
  void request_redraw();
  // Clear, draw the active group (or what `draw` draws instead), flush.
  void redraw(double eventtime);

  // Canvas
  int draw_text(int row, int col, const std::string& mixed_text) override;
  void draw_progress_bar(int row, int col, int width, double value) override;

 private:
  void handle_ready();
  double screen_update_event(double eventtime);
  void cmd_set_display_group(GCodeCommand& gcmd);

  Printer& printer_;
  Reactor& reactor_;
  std::unique_ptr<display::LcdChip> chip_;
  std::unique_ptr<display::MenuManager> menu_;
  display::Layout layout_;
  const display::DisplayGroup* group_ = nullptr;
  Reactor::Timer* timer_ = nullptr;
  bool redraw_request_pending_ = false;
  double redraw_time_ = 0.;
};

}  // namespace kpp
