// stm32f103 (xE: 512K flash, 64K RAM): 72 MHz from an 8 MHz crystal, ports A..G, configuration
// through CRL/CRH (RM0008).
#include "boards/stm32/stm32_chip.h"
#include "core/decl.h"

namespace fw {

FW_CONSTANT_STR("MCU", "stm32f103xe");
FW_CONSTANT("CLOCK_FREQ", 72000000);
FW_ENUM_RANGE("pin", "PA0", 0, 16);
FW_ENUM_RANGE("pin", "PB0", 16, 16);
FW_ENUM_RANGE("pin", "PC0", 32, 16);
FW_ENUM_RANGE("pin", "PD0", 48, 16);
FW_ENUM_RANGE("pin", "PE0", 64, 16);
FW_ENUM_RANGE("pin", "PF0", 80, 16);
FW_ENUM_RANGE("pin", "PG0", 96, 16);
FW_ENUM("pin", "ADC_TEMPERATURE", 254);
FW_CONSTANT_STR("BUS_PINS_spi1", "PA6,PA7,PA5");
FW_CONSTANT_STR("BUS_PINS_spi2", "PB14,PB15,PB13");
FW_CONSTANT_STR("BUS_PINS_i2c1", "PB6,PB7");
FW_CONSTANT_STR("BUS_PINS_i2c2", "PB10,PB11");
FW_ENUM("spi_bus", "spi2", 0);
FW_ENUM("spi_bus", "spi1", 1);
FW_ENUM("i2c_bus", "i2c1", 0);
FW_ENUM("i2c_bus", "i2c2", 2);

namespace stm32 {

namespace {
constexpr uintptr_t kRcc = 0x40021000, kFlash = 0x40022000;
constexpr uintptr_t kRccCr = kRcc + 0x00, kRccCfgr = kRcc + 0x04, kRccApb2enr = kRcc + 0x18,
                    kRccApb1enr = kRcc + 0x1C, kRccAhbenr = kRcc + 0x14;
constexpr uintptr_t kGpioBase = 0x40010800;  // GPIOA; ports are 0x400 apart
constexpr uintptr_t kAdc1 = 0x40012400;
constexpr uintptr_t kAdcSr = kAdc1 + 0x00, kAdcCr2 = kAdc1 + 0x08, kAdcSmpr1 = kAdc1 + 0x0C,
                    kAdcSmpr2 = kAdc1 + 0x10, kAdcSqr3 = kAdc1 + 0x34, kAdcDr = kAdc1 + 0x4C;

void set_config(uint32_t pin, uint32_t cfg) {
  uintptr_t port = gpio_port(pin / kPinsPerPort);
  uint32_t bit = pin % kPinsPerPort;
  volatile uint32_t& cr = reg(port + (bit < 8 ? 0x00 : 0x04));
  uint32_t shift = (bit % 8) * 4;
  cr = (cr & ~(0xfu << shift)) | (cfg << shift);
}
}  // namespace

void clock_setup() {
  reg(kRccCr) |= 1 << 16;  // HSE on
  while (!(reg(kRccCr) & (1 << 17))) {
  }
  reg(kFlash) = 2 | (1 << 4);  // two wait states, prefetch
  // PLL = HSE * 9 = 72 MHz; APB1 = 36 MHz; ADC = 12 MHz; USB = 72 / 1.5 = 48 MHz.
  reg(kRccCfgr) = (1 << 16) | (7 << 18) | (4 << 8) | (2 << 14);
  reg(kRccCr) |= 1 << 24;  // PLL on
  while (!(reg(kRccCr) & (1 << 25))) {
  }
  reg(kRccCfgr) |= 2;  // system clock from the PLL
  while ((reg(kRccCfgr) & (3 << 2)) != (2 << 2)) {
  }
  reg(kRccApb2enr) |= 1;  // AFIO
}

uint32_t periph_clock(uintptr_t periph) {
  return periph >= 0x40010000 ? 72000000 : 36000000;
}

void periph_enable(uintptr_t periph) {
  if (periph >= 0x40010000 && periph < 0x40018000)
    reg(kRccApb2enr) |= 1u << ((periph - 0x40010000) / 0x400);
  else if (periph < 0x40010000)
    reg(kRccApb1enr) |= 1u << ((periph - 0x40000000) / 0x400);
}

uint32_t gpio_port_count() { return 7; }
uintptr_t gpio_port(uint32_t port) { return kGpioBase + 0x400 * port; }
volatile uint32_t* gpio_odr(uint32_t port) { return &reg(gpio_port(port) + 0x0C); }
volatile uint32_t* gpio_idr(uint32_t port) { return &reg(gpio_port(port) + 0x08); }

void gpio_mode_output(uint32_t pin) {
  periph_enable(gpio_port(pin / kPinsPerPort));
  set_config(pin, 0x3);  // push-pull, 50 MHz
}

void gpio_mode_input(uint32_t pin, int8_t pull) {
  periph_enable(gpio_port(pin / kPinsPerPort));
  if (!pull) {
    set_config(pin, 0x4);  // floating
    return;
  }
  uint32_t bit = 1u << (pin % kPinsPerPort);
  volatile uint32_t* odr = gpio_odr(pin / kPinsPerPort);
  *odr = pull > 0 ? (*odr | bit) : (*odr & ~bit);
  set_config(pin, 0x8);  // pull-up/down selected by ODR
}

void gpio_mode_af(uint32_t pin, uint8_t, bool open_drain) {
  periph_enable(gpio_port(pin / kPinsPerPort));
  set_config(pin, open_drain ? 0xF : 0xB);
}

void gpio_mode_analog(uint32_t pin) {
  periph_enable(gpio_port(pin / kPinsPerPort));
  set_config(pin, 0x0);
}

uintptr_t usart1() { return 0x40013800; }

void adc_setup() {
  periph_enable(kAdc1);
  reg(kAdcCr2) = 1;  // ADON
  for (volatile int i = 0; i < 100; i++) {
  }
  reg(kAdcCr2) = 1 | (1 << 3);  // reset calibration
  while (reg(kAdcCr2) & (1 << 3)) {
  }
  reg(kAdcCr2) = 1 | (1 << 2);  // calibrate
  while (reg(kAdcCr2) & (1 << 2)) {
  }
  // Software trigger (EXTSEL = SWSTART), temperature sensor on, longest sample times.
  reg(kAdcCr2) = 1 | (7 << 17) | (1 << 20) | (1 << 23);
  reg(kAdcSmpr1) = 0x00ffffff;
  reg(kAdcSmpr2) = 0x3fffffff;
}

void adc_start(uint8_t chan) {
  reg(kAdcSqr3) = chan;
  reg(kAdcCr2) |= 1 << 22;  // SWSTART
}

bool adc_done() { return reg(kAdcSr) & (1 << 1); }

uint16_t adc_result() { return static_cast<uint16_t>(reg(kAdcDr)); }

int adc_channel(uint32_t pin) {
  if (pin == 254) return 16;
  if (pin < 8) return static_cast<int>(pin);             // PA0..PA7
  if (pin == 16 || pin == 17) return static_cast<int>(pin - 8);  // PB0, PB1
  if (pin >= 32 && pin < 38) return static_cast<int>(pin - 22);  // PC0..PC5
  return -1;
}

namespace {
constexpr uint8_t P(char port, uint8_t bit) { return static_cast<uint8_t>((port - 'A') * 16 + bit); }
const PwmPin kPwmPins[] = {
    {P('A', 0), 1, 0, 0}, {P('A', 1), 1, 1, 0}, {P('A', 2), 1, 2, 0}, {P('A', 3), 1, 3, 0},
    {P('A', 6), 2, 0, 0}, {P('A', 7), 2, 1, 0}, {P('B', 0), 2, 2, 0}, {P('B', 1), 2, 3, 0},
    {P('B', 6), 3, 0, 0}, {P('B', 7), 3, 1, 0}, {P('B', 8), 3, 2, 0}, {P('B', 9), 3, 3, 0},
    {P('A', 8), 0, 0, 0}, {P('A', 9), 0, 1, 0}, {P('A', 10), 0, 2, 0}, {P('A', 11), 0, 3, 0},
};
const BusPins kSpi[] = {{0x40003800, P('B', 14), P('B', 15), P('B', 13), 0},
                        {0x40013000, P('A', 6), P('A', 7), P('A', 5), 0}};
const BusPins kI2c[] = {{0x40005400, P('B', 6), P('B', 7), 0, 0},
                        {0, 0, 0, 0, 0},
                        {0x40005800, P('B', 10), P('B', 11), 0, 0}};
}  // namespace

const PwmPin* pwm_pins(uint32_t* count) {
  *count = sizeof(kPwmPins) / sizeof(kPwmPins[0]);
  return kPwmPins;
}

uintptr_t pwm_timer(uint8_t timer) {
  static const uintptr_t kTimers[] = {0x40012C00, 0x40000000, 0x40000400, 0x40000800};
  return kTimers[timer];
}

bool pwm_timer_advanced(uint8_t timer) { return timer == 0; }

uint32_t pwm_timer_clock(uint8_t) { return 72000000; }

const BusPins* spi_bus(uint32_t bus) { return bus < 2 ? &kSpi[bus] : nullptr; }

const BusPins* i2c_bus(uint32_t bus) { return bus < 3 && kI2c[bus].periph ? &kI2c[bus] : nullptr; }

uint32_t usb_irq() { return 20; }  // USB_LP_CAN1_RX0

}  // namespace stm32
}  // namespace fw
