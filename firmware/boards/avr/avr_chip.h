// What the chip file (chip_*.cpp) of an AVR build provides to the board code.
#pragma once

#include <stdint.h>

#include "core/board.h"

namespace fw {
namespace avr {

// PINx register address of each port (0 where the chip has no such port), 8 pins per port.
extern const uint16_t kPortRegs[] PROGMEM;
extern const uint8_t kPortCount;

// Hardware PWM outputs: pin, OCR register, the timer's TCCRnA/TCCRnB registers, the COM bits
// of the channel, and whether the timer is 16 bits wide.
struct PwmInfo {
  uint8_t pin;
  uint16_t ocr, tccra, tccrb;
  uint8_t com_bits;
  uint8_t is16;
};
extern const PwmInfo kPwmPins[] PROGMEM;
extern const uint8_t kPwmPinCount;

// ADC inputs: pin of each ADC channel (0xff where the channel has no pin).
extern const uint8_t kAdcPins[] PROGMEM;
extern const uint8_t kAdcPinCount;

// Channels above 7 (MUX5 on the atmega2560) and the digital input buffer of a channel's pin.
void adc_select_high(uint8_t chan);
void adc_disable_digital(uint8_t chan);

// SPI: MISO, MOSI, SCK and SS pins.
extern const uint8_t kSpiPins[4] PROGMEM;

}  // namespace avr
}  // namespace fw
