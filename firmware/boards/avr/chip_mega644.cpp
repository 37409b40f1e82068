// atmega644p / atmega1284p: ports A..D, ADC on port A, USART0 on PD0/PD1.
#include "boards/avr/avr_chip.h"
#include "core/board.h"
#include "core/decl.h"

namespace fw {

FW_CONSTANT_STR("MCU", KPP_AVR_MCU);
FW_ENUM_RANGE("pin", "PA0", 0, 8);
FW_ENUM_RANGE("pin", "PB0", 8, 8);
FW_ENUM_RANGE("pin", "PC0", 16, 8);
FW_ENUM_RANGE("pin", "PD0", 24, 8);
FW_CONSTANT_STR("RESERVE_PINS_serial", "PD0,PD1");
FW_CONSTANT_STR("BUS_PINS_spi", "PB6,PB5,PB7");
FW_CONSTANT_STR("BUS_PINS_twi", "PC0,PC1");

namespace avr {

const uint16_t kPortRegs[] PROGMEM = {0x20, 0x23, 0x26, 0x29};
const uint8_t kPortCount = 4;

constexpr uint8_t P(char port, uint8_t bit) {
  return static_cast<uint8_t>((port - 'A') * 8 + bit);
}

// Timer3 (PB6/PB7) exists on the atmega1284p only; avr-libc defines OCR3A for it.
const PwmInfo kPwmPins[] PROGMEM = {
    {P('B', 3), 0x47, 0x44, 0x45, 0x80, 0},  // OC0A
    {P('B', 4), 0x48, 0x44, 0x45, 0x20, 0},  // OC0B
    {P('D', 5), 0x88, 0x80, 0x81, 0x80, 1},  // OC1A (timer1 is the clock)
    {P('D', 4), 0x8a, 0x80, 0x81, 0x20, 1},  // OC1B
    {P('D', 7), 0xb3, 0xb0, 0xb1, 0x80, 0},  // OC2A
    {P('D', 6), 0xb4, 0xb0, 0xb1, 0x20, 0},  // OC2B
#ifdef OCR3A
    {P('B', 6), 0x98, 0x90, 0x91, 0x80, 1},  // OC3A
    {P('B', 7), 0x9a, 0x90, 0x91, 0x20, 1},  // OC3B
#endif
};
const uint8_t kPwmPinCount = sizeof(kPwmPins) / sizeof(kPwmPins[0]);

const uint8_t kAdcPins[] PROGMEM = {P('A', 0), P('A', 1), P('A', 2), P('A', 3),
                                    P('A', 4), P('A', 5), P('A', 6), P('A', 7)};
const uint8_t kAdcPinCount = sizeof(kAdcPins);

const uint8_t kSpiPins[4] PROGMEM = {P('B', 6), P('B', 5), P('B', 7), P('B', 4)};

void adc_select_high(uint8_t) {}

void adc_disable_digital(uint8_t chan) {
  DIDR0 |= static_cast<uint8_t>(1 << chan);
}

}  // namespace avr
}  // namespace fw
