// Board primitives of the Linux process MCU: GPIO lines through the gpiochip character device,
// PWM through sysfs, ADC through IIO, SPI through spidev, I2C through i2c-dev.
#pragma once

#include <stdint.h>

#include "boards/host/host_irq.h"

namespace fw {

// Handles index the board's tables of open lines and devices.
struct GpioOut {
  uint16_t line;
};
struct GpioIn {
  uint16_t line;
};
struct GpioPwm {
  int duty_fd;
  uint32_t period_ns;
};
struct GpioAdc {
  int fd;
};
struct SpiConfig {
  int fd;
  uint32_t rate;
};
struct I2cConfig {
  int fd;
};

// Linux steps through syscalls: always separate step and unstep events.
constexpr int32_t kStepperEdgeMaxTicks = -1;
constexpr int32_t kStepperInlineUnstepMaxTicks = -1;

void gpio_out_toggle(GpioOut g);
inline void gpio_out_toggle_noirq(GpioOut g) {
  gpio_out_toggle(g);
}

}  // namespace fw
