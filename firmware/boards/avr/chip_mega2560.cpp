// atmega2560 / atmega1280: ports A..L (no port I), ADC on ports F and K, USART0 on PE0/PE1.
#include "boards/avr/avr_chip.h"
#include "core/board.h"
#include "core/decl.h"

namespace fw {

FW_CONSTANT_STR("MCU", KPP_AVR_MCU);
FW_ENUM_RANGE("pin", "PA0", 0, 8);
FW_ENUM_RANGE("pin", "PB0", 8, 8);
FW_ENUM_RANGE("pin", "PC0", 16, 8);
FW_ENUM_RANGE("pin", "PD0", 24, 8);
FW_ENUM_RANGE("pin", "PE0", 32, 8);
FW_ENUM_RANGE("pin", "PF0", 40, 8);
FW_ENUM_RANGE("pin", "PG0", 48, 8);
FW_ENUM_RANGE("pin", "PH0", 56, 8);
FW_ENUM_RANGE("pin", "PJ0", 72, 8);
FW_ENUM_RANGE("pin", "PK0", 80, 8);
FW_ENUM_RANGE("pin", "PL0", 88, 8);
FW_CONSTANT_STR("RESERVE_PINS_serial", "PE0,PE1");
FW_CONSTANT_STR("BUS_PINS_spi", "PB3,PB2,PB1");
FW_CONSTANT_STR("BUS_PINS_twi", "PD0,PD1");

namespace avr {

// PINx addresses; port I does not exist (its pin numbers 64..71 stay unused).
const uint16_t kPortRegs[] PROGMEM = {0x20, 0x23,  0x26, 0x29,  0x2c,  0x2f,
                                      0x32, 0x100, 0,    0x103, 0x106, 0x109};
const uint8_t kPortCount = 12;

constexpr uint8_t P(char port, uint8_t bit) {
  return static_cast<uint8_t>((port - 'A') * 8 + bit);
}

const PwmInfo kPwmPins[] PROGMEM = {
    {P('B', 7), 0x47, 0x44, 0x45, 0x80, 0},     // OC0A
    {P('G', 5), 0x48, 0x44, 0x45, 0x20, 0},     // OC0B
    {P('B', 5), 0x88, 0x80, 0x81, 0x80, 1},     // OC1A (timer1 is the clock)
    {P('B', 6), 0x8a, 0x80, 0x81, 0x20, 1},     // OC1B
    {P('B', 4), 0xb3, 0xb0, 0xb1, 0x80, 0},     // OC2A
    {P('H', 6), 0xb4, 0xb0, 0xb1, 0x20, 0},     // OC2B
    {P('E', 3), 0x98, 0x90, 0x91, 0x80, 1},     // OC3A
    {P('E', 4), 0x9a, 0x90, 0x91, 0x20, 1},     // OC3B
    {P('E', 5), 0x9c, 0x90, 0x91, 0x08, 1},     // OC3C
    {P('H', 3), 0xa8, 0xa0, 0xa1, 0x80, 1},     // OC4A
    {P('H', 4), 0xaa, 0xa0, 0xa1, 0x20, 1},     // OC4B
    {P('H', 5), 0xac, 0xa0, 0xa1, 0x08, 1},     // OC4C
    {P('L', 3), 0x128, 0x120, 0x121, 0x80, 1},  // OC5A
    {P('L', 4), 0x12a, 0x120, 0x121, 0x20, 1},  // OC5B
    {P('L', 5), 0x12c, 0x120, 0x121, 0x08, 1},  // OC5C
};
const uint8_t kPwmPinCount = sizeof(kPwmPins) / sizeof(kPwmPins[0]);

const uint8_t kAdcPins[] PROGMEM = {
    P('F', 0), P('F', 1), P('F', 2), P('F', 3), P('F', 4), P('F', 5), P('F', 6), P('F', 7),
    P('K', 0), P('K', 1), P('K', 2), P('K', 3), P('K', 4), P('K', 5), P('K', 6), P('K', 7),
};
const uint8_t kAdcPinCount = sizeof(kAdcPins);

const uint8_t kSpiPins[4] PROGMEM = {P('B', 3), P('B', 2), P('B', 1), P('B', 0)};

void adc_select_high(uint8_t chan) {
  if (chan & 0x08)
    ADCSRB |= 1 << MUX5;
  else
    ADCSRB &= static_cast<uint8_t>(~(1 << MUX5));
}

void adc_disable_digital(uint8_t chan) {
  if (chan < 8)
    DIDR0 |= static_cast<uint8_t>(1 << chan);
  else
    DIDR2 |= static_cast<uint8_t>(1 << (chan - 8));
}

}  // namespace avr
}  // namespace fw
