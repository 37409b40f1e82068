// stm32f407: 168 MHz from an 8 MHz crystal, ports A..I, MODER/OTYPER/PUPDR/AFR (RM0090).
#include "boards/stm32/stm32_chip.h"
#include "core/decl.h"

namespace fw {

FW_CONSTANT_STR("MCU", "stm32f407xx");
FW_CONSTANT("CLOCK_FREQ", 168000000);
FW_ENUM_RANGE("pin", "PA0", 0, 16);
FW_ENUM_RANGE("pin", "PB0", 16, 16);
FW_ENUM_RANGE("pin", "PC0", 32, 16);
FW_ENUM_RANGE("pin", "PD0", 48, 16);
FW_ENUM_RANGE("pin", "PE0", 64, 16);
FW_ENUM_RANGE("pin", "PF0", 80, 16);
FW_ENUM_RANGE("pin", "PG0", 96, 16);
FW_ENUM_RANGE("pin", "PH0", 112, 16);
FW_ENUM_RANGE("pin", "PI0", 128, 16);
FW_ENUM("pin", "ADC_TEMPERATURE", 254);
FW_CONSTANT_STR("RESERVE_PINS_crystal", "PH0,PH1");
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
constexpr uintptr_t kRcc = 0x40023800, kFlash = 0x40023C00, kPwr = 0x40007000;
constexpr uintptr_t kRccCr = kRcc + 0x00, kRccPllcfgr = kRcc + 0x04, kRccCfgr = kRcc + 0x08,
                    kRccAhb1enr = kRcc + 0x30, kRccAhb2enr = kRcc + 0x34,
                    kRccApb1enr = kRcc + 0x40, kRccApb2enr = kRcc + 0x44;
constexpr uintptr_t kGpioBase = 0x40020000;
constexpr uintptr_t kAdc1 = 0x40012000, kAdcCcr = 0x40012304;
constexpr uintptr_t kAdcSr = kAdc1 + 0x00, kAdcCr2 = kAdc1 + 0x08, kAdcSmpr1 = kAdc1 + 0x0C,
                    kAdcSmpr2 = kAdc1 + 0x10, kAdcSqr3 = kAdc1 + 0x34, kAdcDr = kAdc1 + 0x4C;

void set_bits(uintptr_t addr, uint32_t shift, uint32_t width, uint32_t value) {
  uint32_t mask = ((1u << width) - 1) << shift;
  reg(addr) = (reg(addr) & ~mask) | (value << shift);
}

void set_mode(uint32_t pin, uint32_t mode) {
  uintptr_t port = gpio_port(pin / kPinsPerPort);
  reg(kRccAhb1enr) |= 1u << (pin / kPinsPerPort);
  set_bits(port + 0x00, (pin % kPinsPerPort) * 2, 2, mode);
}
}  // namespace

void clock_setup() {
  reg(kRccCr) |= 1 << 16;  // HSE on
  while (!(reg(kRccCr) & (1 << 17))) {
  }
  reg(kRccApb1enr) |= 1 << 28;  // PWR
  reg(kPwr) |= 1 << 14;         // voltage scale 1
  // PLL: 8 MHz / 8 * 336 / 2 = 168 MHz, / 7 = 48 MHz for USB.
  reg(kRccPllcfgr) = 8 | (336 << 6) | (0 << 16) | (1 << 22) | (7 << 24);
  reg(kRccCr) |= 1 << 24;
  while (!(reg(kRccCr) & (1 << 25))) {
  }
  reg(kFlash) = 5 | (1 << 8) | (1 << 9) | (1 << 10);  // 5 wait states, prefetch, caches
  // AHB 168 MHz, APB1 42 MHz, APB2 84 MHz, system clock from the PLL.
  reg(kRccCfgr) = (5 << 10) | (4 << 13) | 2;
  while ((reg(kRccCfgr) & (3 << 2)) != (2 << 2)) {
  }
}

uint32_t periph_clock(uintptr_t periph) {
  return periph >= 0x40010000 ? 84000000 : 42000000;
}

void periph_enable(uintptr_t periph) {
  if (periph >= 0x50000000)
    reg(kRccAhb2enr) |= 1 << 7;  // OTG FS
  else if (periph >= 0x40020000)
    reg(kRccAhb1enr) |= 1u << ((periph - 0x40020000) / 0x400);
  else if (periph >= 0x40010000)
    reg(kRccApb2enr) |= 1u << ((periph - 0x40010000) / 0x400);
  else
    reg(kRccApb1enr) |= 1u << ((periph - 0x40000000) / 0x400);
}

uint32_t gpio_port_count() { return 9; }
uintptr_t gpio_port(uint32_t port) { return kGpioBase + 0x400 * port; }
volatile uint32_t* gpio_odr(uint32_t port) { return &reg(gpio_port(port) + 0x14); }
volatile uint32_t* gpio_idr(uint32_t port) { return &reg(gpio_port(port) + 0x10); }

void gpio_mode_output(uint32_t pin) {
  uintptr_t port = gpio_port(pin / kPinsPerPort);
  uint32_t bit = pin % kPinsPerPort;
  set_mode(pin, 1);
  set_bits(port + 0x04, bit, 1, 0);      // push-pull
  set_bits(port + 0x08, bit * 2, 2, 2);  // fast
  set_bits(port + 0x0C, bit * 2, 2, 0);  // no pull
}

void gpio_mode_input(uint32_t pin, int8_t pull) {
  uintptr_t port = gpio_port(pin / kPinsPerPort);
  set_mode(pin, 0);
  set_bits(port + 0x0C, (pin % kPinsPerPort) * 2, 2, pull > 0 ? 1 : pull < 0 ? 2 : 0);
}

void gpio_mode_af(uint32_t pin, uint8_t af, bool open_drain) {
  uintptr_t port = gpio_port(pin / kPinsPerPort);
  uint32_t bit = pin % kPinsPerPort;
  set_bits(port + (bit < 8 ? 0x20 : 0x24), (bit % 8) * 4, 4, af);
  set_mode(pin, 2);
  set_bits(port + 0x04, bit, 1, open_drain ? 1 : 0);
  set_bits(port + 0x08, bit * 2, 2, 2);
  set_bits(port + 0x0C, bit * 2, 2, open_drain ? 1 : 0);
}

void gpio_mode_analog(uint32_t pin) { set_mode(pin, 3); }

uintptr_t usart1() { return 0x40011000; }

void adc_setup() {
  periph_enable(kAdc1);
  reg(kAdcCcr) = (1 << 16) | (1 << 23);  // ADC clock 84 / 4 = 21 MHz, temperature sensor on
  reg(kAdcCr2) = 1;                      // ADON
  reg(kAdcSmpr1) = 0x07ffffff;           // longest sample times
  reg(kAdcSmpr2) = 0x3fffffff;
}

void adc_start(uint8_t chan) {
  reg(kAdcSqr3) = chan;
  reg(kAdcCr2) |= 1 << 30;  // SWSTART
}

bool adc_done() { return reg(kAdcSr) & (1 << 1); }

uint16_t adc_result() { return static_cast<uint16_t>(reg(kAdcDr)); }

int adc_channel(uint32_t pin) {
  if (pin == 254) return 16;
  if (pin < 8) return static_cast<int>(pin);
  if (pin == 16 || pin == 17) return static_cast<int>(pin - 8);
  if (pin >= 32 && pin < 38) return static_cast<int>(pin - 22);
  return -1;
}

namespace {
constexpr uint8_t P(char port, uint8_t bit) { return static_cast<uint8_t>((port - 'A') * 16 + bit); }
const PwmPin kPwmPins[] = {
    {P('A', 0), 1, 0, 1},  {P('A', 1), 1, 1, 1},  {P('A', 2), 1, 2, 1},  {P('A', 3), 1, 3, 1},
    {P('A', 5), 1, 0, 1},  {P('A', 15), 1, 0, 1}, {P('B', 3), 1, 1, 1},  {P('B', 10), 1, 2, 1},
    {P('B', 11), 1, 3, 1}, {P('A', 6), 2, 0, 2},  {P('A', 7), 2, 1, 2},  {P('B', 0), 2, 2, 2},
    {P('B', 1), 2, 3, 2},  {P('B', 4), 2, 0, 2},  {P('B', 5), 2, 1, 2},  {P('C', 6), 2, 0, 2},
    {P('C', 7), 2, 1, 2},  {P('C', 8), 2, 2, 2},  {P('C', 9), 2, 3, 2},  {P('B', 6), 3, 0, 2},
    {P('B', 7), 3, 1, 2},  {P('B', 8), 3, 2, 2},  {P('B', 9), 3, 3, 2},  {P('D', 12), 3, 0, 2},
    {P('D', 13), 3, 1, 2}, {P('D', 14), 3, 2, 2}, {P('D', 15), 3, 3, 2}, {P('A', 8), 0, 0, 1},
    {P('A', 9), 0, 1, 1},  {P('A', 10), 0, 2, 1}, {P('A', 11), 0, 3, 1}, {P('E', 9), 0, 0, 1},
    {P('E', 11), 0, 1, 1}, {P('E', 13), 0, 2, 1}, {P('E', 14), 0, 3, 1},
};
const BusPins kSpi[] = {{0x40003800, P('B', 14), P('B', 15), P('B', 13), 5},
                        {0x40013000, P('A', 6), P('A', 7), P('A', 5), 5}};
const BusPins kI2c[] = {{0x40005400, P('B', 6), P('B', 7), 0, 4},
                        {0, 0, 0, 0, 0},
                        {0x40005800, P('B', 10), P('B', 11), 0, 4}};
}  // namespace

const PwmPin* pwm_pins(uint32_t* count) {
  *count = sizeof(kPwmPins) / sizeof(kPwmPins[0]);
  return kPwmPins;
}

uintptr_t pwm_timer(uint8_t timer) {
  static const uintptr_t kTimers[] = {0x40010000, 0x40000000, 0x40000400, 0x40000800};
  return kTimers[timer];
}

bool pwm_timer_advanced(uint8_t timer) { return timer == 0; }

uint32_t pwm_timer_clock(uint8_t timer) { return timer == 0 ? 168000000 : 84000000; }

const BusPins* spi_bus(uint32_t bus) { return bus < 2 ? &kSpi[bus] : nullptr; }

const BusPins* i2c_bus(uint32_t bus) { return bus < 3 && kI2c[bus].periph ? &kI2c[bus] : nullptr; }

uint32_t usb_irq() { return 67; }  // OTG_FS

}  // namespace stm32
}  // namespace fw
