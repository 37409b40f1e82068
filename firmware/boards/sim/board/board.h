// Board primitives of the simulated MCU (see sim_pins.h for how a printer model sees its pins).
#pragma once

#include <stdint.h>

#include "boards/host/host_irq.h"

namespace fw {

struct GpioOut {
  uint16_t pin;
};
struct GpioIn {
  uint16_t pin;
};
struct GpioPwm {
  uint16_t pin;
};
struct GpioAdc {
  uint16_t pin;
};
struct SpiConfig {
  uint32_t bus;
  uint8_t mode;
};
struct I2cConfig {
  uint32_t bus;
  uint8_t addr;
};

// Step paths (drivers/stepper.cpp): every toggle may be a step with invert_step=-1; otherwise
// separate step and unstep events keep step_pulse_ticks visible to the printer model.
constexpr int32_t kStepperEdgeMaxTicks = 0x7fffffff;
constexpr int32_t kStepperInlineUnstepMaxTicks = -1;

void gpio_out_toggle(GpioOut g);
inline void gpio_out_toggle_noirq(GpioOut g) {
  gpio_out_toggle(g);
}

}  // namespace fw
