// What a chip file (chip_f1.cpp, chip_f4.cpp) provides to the STM32 board code: clocks, GPIO
// modes, and the addresses and pins of the peripherals.
#pragma once

#include <stdint.h>

#include "boards/stm32/stm32_regs.h"

namespace fw {
namespace stm32 {

// PLL and bus clocks to CLOCK_FREQ; flash wait states.
void clock_setup();
// Peripheral bus clock of a peripheral (for baud rates and dividers), and enabling it.
uint32_t periph_clock(uintptr_t periph);
void periph_enable(uintptr_t periph);

constexpr uint32_t kPinsPerPort = 16;
// Number of ports (PA.. ) and the register block of each.
uint32_t gpio_port_count();
uintptr_t gpio_port(uint32_t port);
volatile uint32_t* gpio_odr(uint32_t port);
volatile uint32_t* gpio_idr(uint32_t port);
void gpio_mode_output(uint32_t pin);
void gpio_mode_input(uint32_t pin, int8_t pull);
// Alternate function (af is the F4 AF number; F1 ignores it). Open drain for I2C.
void gpio_mode_af(uint32_t pin, uint8_t af, bool open_drain);
void gpio_mode_analog(uint32_t pin);

// The console USART and its pins.
uintptr_t usart1();
constexpr uint32_t kUsart1Irq = 37;
constexpr uint32_t kUsart1Tx = 9, kUsart1Rx = 10;  // PA9, PA10
constexpr uint8_t kUsart1Af = 7;

// ADC: one software-started conversion at a time.
void adc_setup();
void adc_start(uint8_t chan);
bool adc_done();
uint16_t adc_result();
// The ADC channel of a pin (or the temperature sensor pseudo-pin), -1 when it has none.
int adc_channel(uint32_t pin);

// Hardware PWM: the timer and channel (0..3) of a pin, and the AF number to connect it.
struct PwmPin {
  uint8_t pin;
  uint8_t timer;  // index into pwm_timer()
  uint8_t channel;
  uint8_t af;
};
const PwmPin* pwm_pins(uint32_t* count);
uintptr_t pwm_timer(uint8_t timer);
bool pwm_timer_advanced(uint8_t timer);
// Input clock of a timer (twice its bus clock when the bus is divided).
uint32_t pwm_timer_clock(uint8_t timer);

// SPI and I2C buses (numbered as in the data dictionary).
struct BusPins {
  uintptr_t periph;
  uint8_t pin0, pin1, pin2;  // SPI: MISO, MOSI, SCK; I2C: SCL, SDA
  uint8_t af;
};
const BusPins* spi_bus(uint32_t bus);
const BusPins* i2c_bus(uint32_t bus);

// USB: the interrupt number of the USB peripheral.
uint32_t usb_irq();

}  // namespace stm32
}  // namespace fw
