// LedHelper and [led name] (Klipper's led.py): LEDs on PWM pins, one pin per color channel.
#include "modules/led.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "motion/toolhead.h"

namespace kpp {

LedHelper::LedHelper(const ConfigWrapper& config, UpdateFunc update, int led_count)
    : printer_(config.get_printer()),
      update_(std::move(update)),
      led_count_(led_count),
      template_eval_(TemplateEvaluator::lookup(config)),
      template_keys_(led_count) {
  LedColor initial{};
  const char* names[] = {"initial_RED", "initial_GREEN", "initial_BLUE", "initial_WHITE"};
  for (int i = 0; i < 4; i++) initial[i] = config.getfloat(names[i], 0., {.minval = 0., .maxval = 1.});
  state_.assign(led_count, initial);
  const auto& section = config.get_name();
  printer_.lookup<GCodeDispatch>("gcode").register_mux_command(
      "SET_LED", "LED", section.substr(section.rfind(' ') + 1),
      [this](GCodeCommand& g) { cmd_set_led(g); }, "Set the color of an LED");
  printer_.lookup<GCodeDispatch>("gcode").register_mux_command(
      "SET_LED_TEMPLATE", "LED", section.substr(section.rfind(' ') + 1),
      [this](GCodeCommand& g) { cmd_set_led_template(g); }, "Assign a display_template to an LED");
}

void LedHelper::cmd_set_led_template(GCodeCommand& gcmd) {
  auto index = gcmd.get_int_opt("INDEX", IntLimits{.minval = 1, .maxval = led_count_});
  for (int i = 0; i < led_count_; i++) {
    if (index && *index != i + 1) continue;
    template_eval_.set_template(
        gcmd, &template_keys_[i], [this, i](const std::string& t) { template_update(i + 1, t); },
        [this] { check_transmit(std::nullopt); }, this);
  }
}

void LedHelper::template_update(int index, const std::string& text) {
  // Up to 5 comma-separated fields (Python's split(',', 4)); every one must be a number.
  std::vector<std::string> fields;
  size_t start = 0;
  while (fields.size() < 4) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) break;
    fields.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  fields.push_back(text.substr(start));
  LedColor color{};
  for (size_t i = 0; i < fields.size(); i++) {
    auto v = parse_config_float(fields[i]);
    if (!v) {
      log::warning("led template render error: '{}'", text);
      color = {};
      break;
    }
    if (i < 4) color[i] = std::clamp(*v, 0., 1.);
  }
  set_color(index, color);
}

Json LedHelper::get_status() const {
  Json data = Json::array();
  for (auto& c : state_) data.push_back({c[0], c[1], c[2], c[3]});
  return {{"color_data", data}};
}

void LedHelper::set_color(std::optional<int> index, const LedColor& color) {
  if (!index) {
    bool same = true;
    for (auto& c : state_) same = same && c == color;
    if (same) return;
    state_.assign(led_count_, color);
  } else {
    if (state_[*index - 1] == color) return;
    state_[*index - 1] = color;
  }
  need_transmit_ = true;
}

void LedHelper::check_transmit(std::optional<double> print_time) {
  if (!need_transmit_) return;
  need_transmit_ = false;
  try {
    update_(state_, print_time);
  } catch (const CommandError& e) {
    log::warning("led update transmit error: {}", e.what());
  }
}

void LedHelper::cmd_set_led(GCodeCommand& gcmd) {
  FloatLimits unit{.minval = 0., .maxval = 1.};
  LedColor color{gcmd.get_float("RED", 0., unit), gcmd.get_float("GREEN", 0., unit),
                 gcmd.get_float("BLUE", 0., unit), gcmd.get_float("WHITE", 0., unit)};
  std::optional<int> index;
  if (auto i = gcmd.get_int_opt("INDEX", IntLimits{.minval = 1, .maxval = led_count_}))
    index = static_cast<int>(*i);
  bool transmit = gcmd.get_int("TRANSMIT", 1) != 0;
  bool sync = gcmd.get_int("SYNC", 1) != 0;
  auto apply = [this, index, color, transmit](std::optional<double> print_time) {
    set_color(index, color);
    if (transmit) check_transmit(print_time);
  };
  if (sync) {
    // In step with the moves queued before it.
    printer_.lookup<ToolHead>("toolhead").register_lookahead_callback(
        [apply](double print_time) { apply(print_time); });
  } else {
    // Right away (does not wake the toolhead, so idle_timeout is not reset).
    apply(std::nullopt);
  }
}

namespace {

constexpr double kPinMinTime = 0.100;
constexpr double kMaxScheduleTime = 5.0;

// [led name]: red_pin, green_pin, blue_pin, white_pin (any subset), cycle_time, hardware_pwm.
class PwmLed : public PrinterObject {
 public:
  explicit PwmLed(const ConfigWrapper& config) : printer_(config.get_printer()) {
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    double cycle_time = config.getfloat("cycle_time", 0.010, {.maxval = kMaxScheduleTime, .above = 0.});
    bool hardware_pwm = config.getboolean("hardware_pwm", false);
    const char* names[] = {"red_pin", "green_pin", "blue_pin", "white_pin"};
    for (int i = 0; i < 4; i++) {
      auto pin = config.get_opt(names[i]);
      if (!pin) continue;
      auto mcu_pin = ppins.setup_pwm(*pin);
      mcu_pin->setup_max_duration(0.);
      mcu_pin->setup_cycle_time(cycle_time, hardware_pwm);
      pins_.emplace_back(i, mcu_pin);
    }
    if (pins_.empty())
      throw ConfigError(fmt::format("No LED pin definitions found in '{}'", config.get_name()));
    helper_.emplace(config, [this](auto& s, auto t) { update_leds(s, t); }, 1);
    prev_color_ = helper_->state()[0];
    for (auto& [idx, pin] : pins_) pin->setup_start_value(prev_color_[idx], 0.);
  }
  Json get_status(double) override { return helper_->get_status(); }

 private:
  // Each changed channel at print_time, at least kPinMinTime after the previous change.
  void update_leds(const std::vector<LedColor>& state, std::optional<double> print_time) {
    double t;
    if (print_time) {
      t = *print_time;
    } else {
      Mcu& mcu = pins_[0].second->get_mcu();
      t = mcu.estimated_print_time(printer_.get_reactor().monotonic()) + kPinMinTime;
    }
    t = std::max(t, last_print_time_ + kPinMinTime);
    const LedColor& color = state[0];
    for (auto& [idx, pin] : pins_) {
      if (prev_color_[idx] == color[idx]) continue;
      pin->set_pwm(t, color[idx]);
      last_print_time_ = t;
    }
    prev_color_ = color;
  }

  Printer& printer_;
  std::vector<std::pair<int, std::shared_ptr<McuPwm>>> pins_;
  std::optional<LedHelper> helper_;
  LedColor prev_color_{};
  double last_print_time_ = 0.;
};

std::shared_ptr<PrinterObject> load_prefix(ConfigWrapper& config) {
  return std::make_shared<PwmLed>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(led, nullptr, kpp::load_prefix)
