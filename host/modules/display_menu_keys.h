// The encoder and buttons of [display] (see display_menu_keys.cpp).
#pragma once

#include <functional>
#include <string>

#include "core/config.h"
#include "core/reactor.h"

namespace kpp::display {

class MenuKeys {
 public:
  // key: "up", "down", "fast_up", "fast_down", "click", "long_click", "back".
  using KeyCallback = std::function<void(const std::string& key, double eventtime)>;
  MenuKeys(const ConfigWrapper& config, KeyCallback callback);
  ~MenuKeys();

 private:
  using ButtonCallback = std::function<void(double eventtime, int state)>;
  void register_button(const ConfigWrapper& config, const std::string& name, bool push_only,
                       ButtonCallback callback);
  void encoder_turn(double eventtime, bool cw);
  void click(double eventtime, int state);

  Printer& printer_;
  KeyCallback callback_;
  double fast_rate_ = .030;
  double last_cw_ = 0., last_ccw_ = 0.;
  bool is_short_click_ = false;
  Reactor::Timer* click_timer_ = nullptr;
};

}  // namespace kpp::display
