// The pin bus of the simulated MCU: how a printer model (sim/) sees the firmware's pins.
//
// The sim board keeps a table of its 176 pins (PA0..PK15, numbered as in its data dictionary:
// PA0=0 ... PA15=15, PB0=16, ... PK15=175). Whenever the firmware configures or drives a pin the
// board updates the table and tells the attached PinListener, stamped with the MCU clock at which
// it happened (64-bit ticks at kClockFreq; in virtual time this is exactly the scheduled time of
// the timer that drove the pin). Whenever the firmware samples an input or an ADC it asks the
// listener. With no listener attached, inputs read their pull level and ADCs a fixed value.
//
// Threading: the listener is called from the thread that runs the MCU (the klipper-sim main
// loop, or whoever calls fw::sim::run_until()).
#pragma once

#include <stdint.h>

namespace fw {
namespace sim {

constexpr uint32_t kClockFreq = 20000000;
constexpr uint16_t kAdcMax = 4095;
constexpr uint16_t kPwmMax = 255;
constexpr uint16_t kPinCount = 176;

enum class PinMode : uint8_t {
  kUnused,
  kOutput,
  kInput,
  kInputPullUp,
  kInputPullDown,
  kPwm,
  kAdc,
};

struct PinState {
  PinMode mode;
  uint8_t level;             // outputs: current level; soft PWM toggles show here too
  uint16_t pwm_value;        // hardware PWM: duty out of kPwmMax
  uint32_t pwm_cycle_ticks;  // hardware PWM: requested cycle
  uint64_t changed_clock;    // clock of the last change
  uint32_t edges;            // output transitions since configuration
};

// What the firmware has done to a pin so far.
const PinState& pin_state(uint16_t pin);

class PinListener {
 public:
  virtual ~PinListener() = default;
  // The pin table of the MCU this listener is attached to: set_pin_listener() binds it, since
  // with several simulated MCUs in one process (sim_mcu.h) each has its own.
  const PinState& firmware_pin(uint16_t pin) const {
    return pin_state_fn_ ? pin_state_fn_(pin) : pin_state(pin);
  }
  virtual void bind_pins(const PinState& (*fn)(uint16_t)) { pin_state_fn_ = fn; }
  // A pin was (re)configured.
  virtual void on_pin_mode(uint16_t pin, PinMode mode, uint64_t clock) {
    (void)pin, (void)mode, (void)clock;
  }
  // An output changed level: step and dir pins, enables, heaters, soft PWM edges, CS lines.
  virtual void on_output(uint16_t pin, uint8_t level, uint64_t clock) = 0;
  // A hardware PWM output was set (duty `value` out of kPwmMax).
  virtual void on_pwm(uint16_t pin, uint16_t value, uint32_t cycle_ticks, uint64_t clock) {
    (void)pin, (void)value, (void)cycle_ticks, (void)clock;
  }
  // The level of an input: endstops, probes, buttons, UART receive lines.
  virtual uint8_t read_input(uint16_t pin, uint64_t clock) = 0;
  // One ADC conversion, 0..kAdcMax.
  virtual uint16_t read_adc(uint16_t pin, uint64_t clock) = 0;
  // An SPI transfer on bus `bus` (the device is whichever chip-select output is active).
  // Replace data[0..len) with the bytes the device returns; leave it for a write-only device.
  virtual void spi_transfer(uint32_t bus, uint8_t mode, uint8_t* data, uint8_t len,
                            uint64_t clock) {
    (void)bus, (void)mode, (void)clock;
    for (uint8_t i = 0; i < len; i++) data[i] = 0;
  }
  // I2C: return one of the I2C_BUS_* codes of core/board.h (0 = success, 1 = nack).
  virtual int i2c_write(uint32_t bus, uint8_t addr, const uint8_t* data, uint8_t len,
                        uint64_t clock) {
    (void)bus, (void)addr, (void)data, (void)len, (void)clock;
    return 1;
  }
  virtual int i2c_read(uint32_t bus, uint8_t addr, const uint8_t* reg, uint8_t reg_len,
                       uint8_t* data, uint8_t len, uint64_t clock) {
    (void)bus, (void)addr, (void)reg, (void)reg_len, (void)data, (void)len, (void)clock;
    return 1;
  }

 private:
  const PinState& (*pin_state_fn_)(uint16_t) = nullptr;
};

// Attach the printer model (null detaches it). Not owned.
void set_pin_listener(PinListener* listener);
// "PA5" -> 5, "pk15" -> 175; -1 for a name the sim MCU does not have.
int pin_by_name(const char* name);
// 5 -> "PA5" (buf of at least 5 bytes); returns buf.
const char* pin_name(uint16_t pin, char* buf);

// Values used when no listener is attached.
void set_default_adc(uint16_t value);
void set_default_input(uint16_t pin, uint8_t level);

}  // namespace sim
}  // namespace fw
