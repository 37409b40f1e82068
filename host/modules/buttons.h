// [buttons] (Klipper's extras/buttons.py): push buttons and rotary encoders read by the MCU's
// "buttons" object (config_buttons, buttons_add, buttons_query, acknowledged buttons_state
// reports), and buttons on an analog pin told apart by their resistance. Modules such as
// gcode_button, filament_switch_sensor and display register their pins here; "buttons" is
// loaded on demand with load_buttons().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/printer.h"
#include "mcu/mcu.h"
#include "mcu/pin_types.h"

namespace kpp {

// (eventtime, state): for register_buttons() the state is the group's bits (pin i at bit i,
// 1 = pressed after inversion); for analog buttons 1 = pressed, 0 = released.
using ButtonCallback = std::function<void(double eventtime, int state)>;
using ButtonPushCallback = std::function<void(double eventtime)>;

// The buttons of one MCU object (up to 8 pins).
class McuButtons {
 public:
  static constexpr double kQueryTime = .002;
  static constexpr int kRetransmitCount = 50;
  static constexpr size_t kMaxPins = 8;

  McuButtons(Printer& printer, Mcu& mcu);
  void setup_buttons(const std::vector<PinParams>& pins, ButtonCallback callback);
  size_t pin_count() const { return pins_.size(); }
  int invert_mask() const { return invert_; }
  int oid() const { return oid_; }
  // A buttons_state report: `ack_count` is the MCU's 8-bit count of reports acknowledged before
  // this one, `state` the raw pin bytes still unacknowledged. Acknowledges the new ones and
  // schedules their callbacks; returns how many were new (public for tests).
  int handle_state(int ack_count, std::string_view state);
  // One new pin state (raw, as the MCU reports it): calls each group whose pins changed.
  void handle_button(double eventtime, uint8_t raw);
  int64_t acked() const { return ack_count_; }

 private:
  struct Group {
    int mask, shift;
    ButtonCallback callback;
  };
  void build_config();

  Printer& printer_;
  Mcu& mcu_;
  int oid_ = -1;
  std::vector<std::pair<std::string, int>> pins_;  // (pin, pullup)
  std::vector<Group> groups_;
  int invert_ = 0;
  int last_button_ = 0;
  int64_t ack_count_ = 0;
  McuCommand ack_cmd_;
};

// Several buttons on one analog pin, each a resistance range against a pull-up. A button counts
// as pressed once the reading stays in its range for kDebounceTime.
class McuAdcButtons {
 public:
  // One reading every 10 ms, sent five to a message (Klipper's batched analog buttons).
  static constexpr double kReportTime = .010;
  static constexpr int kBatchCount = 5;
  static constexpr double kDebounceTime = .025;
  static constexpr double kSampleTime = .001;
  static constexpr int kSampleCount = 6;

  McuAdcButtons(Printer& printer, const std::string& pin, double pullup);
  void setup_button(double min_value, double max_value, ButtonCallback callback);
  // One ADC reading (0..1) taken at read_time (public for tests).
  void adc_callback(double read_time, double value);

 private:
  struct Button {
    double min_value, max_value;
    ButtonCallback callback;
  };
  std::optional<size_t> find_button(double resistance) const;
  void call_button(size_t index, bool pressed);

  Printer& printer_;
  double pullup_;
  std::shared_ptr<McuAdc> adc_;
  std::vector<Button> buttons_;
  double min_value_ = 1e300, max_value_ = 0.;
  std::optional<size_t> last_button_, last_pressed_;
  double last_debounce_time_ = 0.;
};

// Quadrature decoding of a rotary encoder's two pins (state bit 0 = pin A, bit 1 = pin B), the
// state machines of Ben Buxton's rotary library: full steps (a click per 4 edges) or half steps
// (a click per 2 edges).
class RotaryEncoder {
 public:
  RotaryEncoder(int steps_per_detent, ButtonPushCallback cw, ButtonPushCallback ccw);
  void encoder_callback(double eventtime, int state);

 private:
  const uint8_t (*table_)[4];
  ButtonPushCallback cw_, ccw_;
  uint8_t state_ = 0;
};

// The debounce_delay option of gcode_button and filament sensors: a new state counts once it
// has held for the delay; a shorter toggle is ignored.
class DebounceButton {
 public:
  DebounceButton(Printer& printer, double delay, ButtonCallback action)
      : printer_(printer), delay_(delay), action_(std::move(action)) {}
  void button_handler(double eventtime, int state);

 private:
  void debounce_event(double eventtime);
  Printer& printer_;
  double delay_;
  ButtonCallback action_;
  std::optional<int> logical_state_, physical_state_;
  double latest_eventtime_ = 0.;
};

class PrinterButtons : public PrinterObject {
 public:
  explicit PrinterButtons(Printer& printer) : printer_(printer) {}
  // Pins as in a config ("^!PA3"), all on one MCU. Pins of one MCU share an MCU object of up to
  // 8 pins; a group that does not fit starts a new object.
  void register_buttons(const std::vector<std::string>& pins, ButtonCallback callback);
  // `callback` on each press of a single pin.
  void register_button_push(const std::string& pin, ButtonPushCallback callback);
  // steps_per_detent: 4 (full steps) or 2 (half steps).
  void register_rotary_encoder(const std::string& pin1, const std::string& pin2,
                               ButtonPushCallback cw, ButtonPushCallback ccw,
                               int steps_per_detent = 4);
  // A button on an analog pin: pressed while the resistance (pull-up `pullup` ohms against the
  // button) lies strictly between min_value and max_value.
  void register_adc_button(const std::string& pin, double min_value, double max_value,
                           double pullup, ButtonCallback callback);
  void register_adc_button_push(const std::string& pin, double min_value, double max_value,
                                double pullup, ButtonPushCallback callback);
  // A single button with the debounce_delay option of `config` (default 0: none).
  void register_debounce_button(const std::string& pin, ButtonCallback callback,
                                const ConfigWrapper& config);
  void register_debounce_adc_button(const std::string& pin, double min_value, double max_value,
                                    double pullup, ButtonCallback callback,
                                    const ConfigWrapper& config);
  // The MCU objects made so far (tests).
  const std::vector<std::unique_ptr<McuButtons>>& mcu_buttons() const { return all_mcu_; }
  McuAdcButtons* adc_buttons(const std::string& pin);

 private:
  Printer& printer_;
  std::map<std::string, McuButtons*> mcu_buttons_;  // MCU name -> the object being filled
  std::vector<std::unique_ptr<McuButtons>> all_mcu_;
  std::map<std::string, std::unique_ptr<McuAdcButtons>> adc_buttons_;
  std::vector<std::unique_ptr<RotaryEncoder>> encoders_;
  std::vector<std::unique_ptr<DebounceButton>> debouncers_;
};

// Loads (once) and returns the shared "buttons" object.
PrinterButtons& load_buttons(const ConfigWrapper& config);

}  // namespace kpp
