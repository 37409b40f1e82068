// Buttons and rotary encoders on MCU pins, analog buttons (see buttons.h).
#include "modules/buttons.h"

#include <fmt/format.h>

#include <algorithm>

#include "mcu/mcu.h"
#include "mcu/pins.h"

namespace kpp {

// ---- McuButtons ----

McuButtons::McuButtons(Printer& printer, Mcu& mcu) : printer_(printer), mcu_(mcu) {
  mcu_.register_config_callback([this] { build_config(); });
}

void McuButtons::setup_buttons(const std::vector<PinParams>& pins, ButtonCallback callback) {
  int shift = static_cast<int>(pins_.size());
  int mask = 0;
  for (const auto& p : pins) {
    int bit = 1 << pins_.size();
    if (p.invert) invert_ |= bit;
    mask |= bit;
    pins_.emplace_back(p.pin, p.pullup);
  }
  groups_.push_back({mask, shift, std::move(callback)});
}

void McuButtons::build_config() {
  if (pins_.empty()) return;
  // As in Klipper the oid is taken at connect, after the oids of objects made in constructors.
  oid_ = mcu_.create_oid();
  mcu_.add_config_cmd(fmt::format("config_buttons oid={} button_count={}", oid_, pins_.size()));
  for (size_t i = 0; i < pins_.size(); i++)
    mcu_.add_config_cmd(fmt::format("buttons_add oid={} pos={} pin={} pull_up={}", oid_, i,
                                    pins_[i].first, pins_[i].second),
                        true);
  ack_cmd_ = mcu_.lookup_command("buttons_ack oid=%c count=%c", mcu_.alloc_command_queue());
  uint64_t clock = mcu_.get_query_slot(oid_);
  int64_t rest_ticks = mcu_.seconds_to_clock(kQueryTime);
  // invert is the raw level of an idle group: the MCU starts from it, so an inverted pin at
  // rest is no change to report; reports carry raw levels and handle_button() inverts them.
  mcu_.add_config_cmd(
      fmt::format("buttons_query oid={} clock={} rest_ticks={} retransmit_count={} invert={}",
                  oid_, clock, rest_ticks, kRetransmitCount, invert_),
      true);
  mcu_.register_response(
      [this](const McuResponse& r) {
        handle_state(static_cast<int>(r.get_int("ack_count")), r.get_bytes("state"));
      },
      "buttons_state", oid_);
}

int McuButtons::handle_state(int ack_count, std::string_view state) {
  // The MCU counts acknowledged reports in 8 bits: widen against our own count (the two never
  // drift apart by 128 or more).
  int diff = static_cast<int>((ack_count_ - ack_count) & 0xff);
  if (diff & 0x80) diff -= 0x100;
  int64_t msg_ack_count = ack_count_ - diff;
  // The report holds every unacknowledged state; the ones past our count are new (a
  // retransmission repeats states already handled).
  int64_t new_count = msg_ack_count + static_cast<int64_t>(state.size()) - ack_count_;
  if (new_count <= 0) return 0;
  std::string fresh(state.substr(state.size() - static_cast<size_t>(new_count)));
  ack_cmd_.send({oid_, new_count});
  ack_count_ += new_count;
  // Callbacks may run G-code (and wait): each runs in its own reactor callback, in order.
  Reactor& reactor = printer_.get_reactor();
  for (char c : fresh) {
    auto raw = static_cast<uint8_t>(c);
    reactor.register_callback([this, raw](double eventtime) { handle_button(eventtime, raw); });
  }
  return static_cast<int>(new_count);
}

void McuButtons::handle_button(double eventtime, uint8_t raw) {
  int button = raw ^ invert_;
  int changed = button ^ last_button_;
  last_button_ = button;
  for (auto& g : groups_)
    if (changed & g.mask) g.callback(eventtime, (button & g.mask) >> g.shift);
}

// ---- McuAdcButtons ----

McuAdcButtons::McuAdcButtons(Printer& printer, const std::string& pin, double pullup)
    : printer_(printer), pullup_(pullup) {
  adc_ = printer.lookup<PrinterPins>("pins").setup_adc(pin);
  adc_->setup_minmax(kSampleTime, kSampleCount);
  adc_->setup_adc_callback(
      kReportTime, [this](double t, double v) { adc_callback(t, v); }, kBatchCount);
}

void McuAdcButtons::setup_button(double min_value, double max_value, ButtonCallback callback) {
  min_value_ = std::min(min_value_, min_value);
  max_value_ = std::max(max_value_, max_value);
  buttons_.push_back({min_value, max_value, std::move(callback)});
}

std::optional<size_t> McuAdcButtons::find_button(double r) const {
  if (r < min_value_ || r > max_value_) return std::nullopt;
  for (size_t i = 0; i < buttons_.size(); i++)
    if (buttons_[i].min_value < r && r < buttons_[i].max_value) return i;
  return std::nullopt;
}

void McuAdcButtons::adc_callback(double read_time, double value) {
  // The ADC divides the supply between the pull-up and the button's resistor.
  double adc = std::clamp(value, .00001, .99999);
  auto btn = find_button(pullup_ * adc / (1. - adc));
  // Any change (noise or a press) restarts the debounce time.
  if (btn != last_button_) last_debounce_time_ = read_time;
  if (read_time - last_debounce_time_ >= kDebounceTime && last_button_ == btn &&
      last_pressed_ != btn) {
    if (last_pressed_) {
      call_button(*last_pressed_, false);
      last_pressed_.reset();
    }
    if (btn) {
      call_button(*btn, true);
      last_pressed_ = btn;
    }
  }
  last_button_ = btn;
}

void McuAdcButtons::call_button(size_t index, bool pressed) {
  ButtonCallback cb = buttons_[index].callback;
  printer_.get_reactor().register_callback(
      [cb, pressed](double eventtime) { cb(eventtime, pressed ? 1 : 0); });
}

// ---- RotaryEncoder ----

namespace {
constexpr uint8_t kDirCw = 0x10, kDirCcw = 0x20, kDirMask = 0x30;

// Full steps: states START, CW_FINAL, CW_BEGIN, CW_NEXT, CCW_BEGIN, CCW_FINAL, CCW_NEXT; a
// direction is emitted when the pins return to 00 (once per detent of 4 edges).
constexpr uint8_t kFullStep[7][4] = {
    {0, 2, 4, 0}, {3, 0, 1, 0 | kDirCw}, {3, 2, 0, 0},          {3, 2, 1, 0},
    {6, 0, 4, 0}, {6, 5, 0, 0 | kDirCcw}, {6, 5, 4, 0},
};
// Half steps: states START (00), CCW_BEGIN, CW_BEGIN, START_M (11), CW_BEGIN_M, CCW_BEGIN_M; a
// direction is emitted at 00 and at 11.
constexpr uint8_t kHalfStep[6][4] = {
    {3, 2, 1, 0},          {3 | kDirCcw, 0, 1, 0}, {3 | kDirCw, 2, 0, 0},
    {3, 5, 4, 0},          {3, 3, 4, 0 | kDirCw},  {3, 5, 3, 0 | kDirCcw},
};
}  // namespace

RotaryEncoder::RotaryEncoder(int steps_per_detent, ButtonPushCallback cw, ButtonPushCallback ccw)
    : cw_(std::move(cw)), ccw_(std::move(ccw)) {
  if (steps_per_detent == 2)
    table_ = kHalfStep;
  else if (steps_per_detent == 4)
    table_ = kFullStep;
  else
    throw ConfigError(fmt::format("{} steps per detent not supported", steps_per_detent));
}

void RotaryEncoder::encoder_callback(double eventtime, int state) {
  uint8_t es = table_[state_ & 0xf][state & 0x3];
  state_ = es;
  if ((es & kDirMask) == kDirCw)
    cw_(eventtime);
  else if ((es & kDirMask) == kDirCcw)
    ccw_(eventtime);
}

// ---- DebounceButton ----

void DebounceButton::button_handler(double eventtime, int state) {
  physical_state_ = state;
  latest_eventtime_ = eventtime;
  if (logical_state_ == physical_state_) return;
  printer_.get_reactor().register_callback([this](double t) { debounce_event(t); },
                                           eventtime + delay_);
}

void DebounceButton::debounce_event(double eventtime) {
  if (logical_state_ == physical_state_) return;
  // A later change restarted the wait; its own check decides.
  if (eventtime - delay_ < latest_eventtime_) return;
  logical_state_ = physical_state_;
  action_(latest_eventtime_, *logical_state_);
}

// ---- PrinterButtons ----

void PrinterButtons::register_buttons(const std::vector<std::string>& pins,
                                      ButtonCallback callback) {
  auto& ppins = printer_.lookup<PrinterPins>("pins");
  std::vector<PinParams> params;
  Mcu* mcu = nullptr;
  std::string mcu_name;
  for (const auto& pin : pins) {
    PinParams p = ppins.lookup_pin(pin, true, true);
    auto* chip = dynamic_cast<Mcu*>(p.chip);
    if (!chip) throw PinError(fmt::format("Pin '{}' is not on an MCU: it can not be a button", pin));
    if (mcu && chip != mcu) throw PinError("button pins must be on same mcu");
    mcu = chip;
    mcu_name = p.chip_name;
    params.push_back(std::move(p));
  }
  if (!mcu) return;
  McuButtons*& mb = mcu_buttons_[mcu_name];
  if (!mb || mb->pin_count() + params.size() > McuButtons::kMaxPins) {
    all_mcu_.push_back(std::make_unique<McuButtons>(printer_, *mcu));
    mb = all_mcu_.back().get();
  }
  mb->setup_buttons(params, std::move(callback));
}

void PrinterButtons::register_button_push(const std::string& pin, ButtonPushCallback callback) {
  register_buttons({pin}, [cb = std::move(callback)](double eventtime, int state) {
    if (state) cb(eventtime);
  });
}

void PrinterButtons::register_rotary_encoder(const std::string& pin1, const std::string& pin2,
                                             ButtonPushCallback cw, ButtonPushCallback ccw,
                                             int steps_per_detent) {
  encoders_.push_back(std::make_unique<RotaryEncoder>(steps_per_detent, std::move(cw),
                                                      std::move(ccw)));
  RotaryEncoder* re = encoders_.back().get();
  register_buttons({pin1, pin2},
                   [re](double eventtime, int state) { re->encoder_callback(eventtime, state); });
}

void PrinterButtons::register_adc_button(const std::string& pin, double min_value,
                                         double max_value, double pullup,
                                         ButtonCallback callback) {
  auto& ab = adc_buttons_[pin];
  if (!ab) ab = std::make_unique<McuAdcButtons>(printer_, pin, pullup);
  ab->setup_button(min_value, max_value, std::move(callback));
}

void PrinterButtons::register_adc_button_push(const std::string& pin, double min_value,
                                              double max_value, double pullup,
                                              ButtonPushCallback callback) {
  register_adc_button(pin, min_value, max_value, pullup,
                      [cb = std::move(callback)](double eventtime, int state) {
                        if (state) cb(eventtime);
                      });
}

void PrinterButtons::register_debounce_button(const std::string& pin, ButtonCallback callback,
                                              const ConfigWrapper& config) {
  double delay = config.getfloat("debounce_delay", 0., {.minval = 0.});
  debouncers_.push_back(std::make_unique<DebounceButton>(printer_, delay, std::move(callback)));
  DebounceButton* db = debouncers_.back().get();
  register_buttons({pin}, [db](double t, int state) { db->button_handler(t, state); });
}

void PrinterButtons::register_debounce_adc_button(const std::string& pin, double min_value,
                                                  double max_value, double pullup,
                                                  ButtonCallback callback,
                                                  const ConfigWrapper& config) {
  double delay = config.getfloat("debounce_delay", 0., {.minval = 0.});
  debouncers_.push_back(std::make_unique<DebounceButton>(printer_, delay, std::move(callback)));
  DebounceButton* db = debouncers_.back().get();
  register_adc_button(pin, min_value, max_value, pullup,
                      [db](double t, int state) { db->button_handler(t, state); });
}

McuAdcButtons* PrinterButtons::adc_buttons(const std::string& pin) {
  auto it = adc_buttons_.find(pin);
  return it == adc_buttons_.end() ? nullptr : it->second.get();
}

PrinterButtons& load_buttons(const ConfigWrapper& config) {
  return config.get_printer().load<PrinterButtons>(config, "buttons");
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PrinterButtons>(config.get_printer());
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(buttons, kpp::load, nullptr)
