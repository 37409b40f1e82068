// The display's controls (Klipper's menu_keys): a rotary encoder (encoder_pins,
// encoder_steps_per_detent; turns faster than encoder_fast_rate become fast_up/fast_down), the
// click button (a press held 0.8 s is a long click), back/up/down buttons and a kill button that
// shuts the printer down. Any of them may be an analog button (analog_range_<name>,
// analog_pullup_resistor). Keys go to the display's menu.
#include "modules/display_menu_keys.h"

#include <fmt/format.h>

#include "modules/buttons.h"

namespace kpp::display {

namespace {
constexpr double kLongPressDuration = .800;

std::string strip(std::string s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}
}  // namespace

MenuKeys::MenuKeys(const ConfigWrapper& config, KeyCallback callback)
    : printer_(config.get_printer()), callback_(std::move(callback)) {
  auto& buttons = load_buttons(config);
  auto encoder_pins = config.get_opt("encoder_pins");
  int steps = std::stoi(config.getchoice("encoder_steps_per_detent", {"2", "4"}, "4"));
  if (encoder_pins) {
    auto comma = encoder_pins->find(',');
    if (comma == std::string::npos || encoder_pins->find(',', comma + 1) != std::string::npos)
      throw config.error("Unable to parse encoder_pins");
    buttons.register_rotary_encoder(
        strip(encoder_pins->substr(0, comma)), strip(encoder_pins->substr(comma + 1)),
        [this](double t) { encoder_turn(t, true); }, [this](double t) { encoder_turn(t, false); },
        steps);
  }
  fast_rate_ = config.getfloat("encoder_fast_rate", .030, {.above = 0.});
  click_timer_ = printer_.get_reactor().register_timer([this](double t) {
    is_short_click_ = false;
    callback_("long_click", t);
    return Reactor::kNever;
  });
  register_button(config, "click_pin", false, [this](double t, int state) { click(t, state); });
  register_button(config, "back_pin", true, [this](double t, int) { callback_("back", t); });
  register_button(config, "up_pin", true, [this](double t, int) { callback_("up", t); });
  register_button(config, "down_pin", true, [this](double t, int) { callback_("down", t); });
  register_button(config, "kill_pin", true, [this](double, int) {
    printer_.invoke_shutdown("Shutdown due to kill button!");
  });
}

MenuKeys::~MenuKeys() {
  if (click_timer_) printer_.get_reactor().unregister_timer(click_timer_);
}

void MenuKeys::register_button(const ConfigWrapper& config, const std::string& name,
                               bool push_only, ButtonCallback callback) {
  auto pin = config.get_opt(name);
  if (!pin) return;
  auto& buttons = load_buttons(config);
  std::string range_opt = "analog_range_" + name;
  if (!config.get_opt(range_opt)) {
    if (push_only)
      buttons.register_button_push(*pin, [callback](double t) { callback(t, 1); });
    else
      buttons.register_buttons({*pin}, std::move(callback));
    return;
  }
  auto range = config.getfloatlist(range_opt, ',', 2);
  double pullup = config.getfloat("analog_pullup_resistor", 4700., {.above = 0.});
  if (push_only)
    buttons.register_adc_button_push(*pin, range[0], range[1], pullup,
                                     [callback](double t) { callback(t, 1); });
  else
    buttons.register_adc_button(*pin, range[0], range[1], pullup, std::move(callback));
}

void MenuKeys::encoder_turn(double eventtime, bool cw) {
  double& last = cw ? last_cw_ : last_ccw_;
  bool fast = eventtime < last + fast_rate_;
  last = eventtime;
  callback_(std::string(fast ? "fast_" : "") + (cw ? "up" : "down"), eventtime);
}

void MenuKeys::click(double eventtime, int state) {
  auto& reactor = printer_.get_reactor();
  if (state) {
    is_short_click_ = true;
    reactor.update_timer(click_timer_, eventtime + kLongPressDuration);
  } else if (is_short_click_) {
    reactor.update_timer(click_timer_, Reactor::kNever);
    callback_("click", eventtime);
  }
}

}  // namespace kpp::display
