// Shared LED logic (Klipper's led.py LEDHelper): the color state of a chain of LEDs, SET_LED,
// the `color_data` status, and when to hand a changed state to the chip's transmit function.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <vector>

#include "core/gcode.h"
#include "core/printer.h"
#include "modules/template_evaluator.h"

namespace kpp {

// red, green, blue, white, each 0..1.
using LedColor = std::array<double, 4>;

class LedHelper {
 public:
  // `update(state, print_time)` sends the whole chain's state; print_time is unset for an
  // immediate update (SET_LED SYNC=0, connect).
  using UpdateFunc = std::function<void(const std::vector<LedColor>&, std::optional<double>)>;
  // Reads initial_RED/GREEN/BLUE/WHITE and registers SET_LED and SET_LED_TEMPLATE for the
  // section's last word.
  LedHelper(const ConfigWrapper& config, UpdateFunc update, int led_count = 1);
  const std::vector<LedColor>& state() const { return state_; }
  Json get_status() const;

 private:
  void set_color(std::optional<int> index, const LedColor& color);
  void check_transmit(std::optional<double> print_time);
  void cmd_set_led(GCodeCommand& gcmd);
  void cmd_set_led_template(GCodeCommand& gcmd);
  // A template's text "r, g, b, w" (missing or unparsable values are 0) for LED `index`.
  void template_update(int index, const std::string& text);

  Printer& printer_;
  UpdateFunc update_;
  int led_count_;
  std::vector<LedColor> state_;
  bool need_transmit_ = false;
  TemplateEvaluator& template_eval_;
  std::vector<char> template_keys_;  // one address per LED: its key with the evaluator
};

}  // namespace kpp
