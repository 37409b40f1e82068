// Pins of the simulated MCU: a state table plus notifications to the printer model.
#include <string.h>

#include "boards/host/host_board.h"
#include "boards/sim/sim_pins.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("ADC_MAX", 4095);
FW_CONSTANT("PWM_MAX", 255);
FW_CONSTANT_STR("MCU", "sim");
FW_ENUM_RANGE("pin", "PA0", 0, 16);
FW_ENUM_RANGE("pin", "PB0", 16, 16);
FW_ENUM_RANGE("pin", "PC0", 32, 16);
FW_ENUM_RANGE("pin", "PD0", 48, 16);
FW_ENUM_RANGE("pin", "PE0", 64, 16);
FW_ENUM_RANGE("pin", "PF0", 80, 16);
FW_ENUM_RANGE("pin", "PG0", 96, 16);
FW_ENUM_RANGE("pin", "PH0", 112, 16);
FW_ENUM_RANGE("pin", "PI0", 128, 16);
FW_ENUM_RANGE("pin", "PJ0", 144, 16);
FW_ENUM_RANGE("pin", "PK0", 160, 16);
FW_ENUM("spi_bus", "spi0", 0);
FW_ENUM("spi_bus", "spi1", 1);
FW_ENUM("i2c_bus", "i2c0", 0);
FW_ENUM("i2c_bus", "i2c1", 1);

namespace sim {

namespace {
PinState g_pins[kPinCount];
int8_t g_default_input[kPinCount];  // -1: read the pull level
uint16_t g_default_adc = 3911;      // ~25 C through a 100k NTC with a 4.7k pull-up
PinListener* g_listener;
bool g_defaults_ready;

void init_defaults() {
  if (g_defaults_ready) return;
  for (auto& v : g_default_input) v = -1;
  g_defaults_ready = true;
}

uint16_t check_pin(uint32_t pin) {
  if (pin >= kPinCount) fw_shutdown("Not a valid pin");
  return static_cast<uint16_t>(pin);
}

void set_mode(uint16_t pin, PinMode mode) {
  PinState& p = g_pins[pin];
  uint64_t now = host::clock_now();
  if (p.mode != mode) p.edges = 0;
  p.mode = mode;
  p.changed_clock = now;
  if (g_listener) g_listener->on_pin_mode(pin, mode, now);
}

void set_level(uint16_t pin, uint8_t level) {
  PinState& p = g_pins[pin];
  if (p.level == level) return;
  uint64_t now = host::clock_now();
  p.level = level;
  p.edges++;
  p.changed_clock = now;
  if (g_listener) g_listener->on_output(pin, level, now);
}
}  // namespace

void set_pin_listener(PinListener* listener) {
  g_listener = listener;
  if (listener) listener->bind_pins(&pin_state);
}

const PinState& pin_state(uint16_t pin) {
  return g_pins[pin < kPinCount ? pin : 0];
}

int pin_by_name(const char* name) {
  if (!name || (name[0] != 'P' && name[0] != 'p')) return -1;
  char port = name[1];
  if (port >= 'a' && port <= 'z') port = static_cast<char>(port - 'a' + 'A');
  if (port < 'A' || port > 'K' || !name[2]) return -1;
  int num = 0;
  for (const char* s = name + 2; *s; s++) {
    if (*s < '0' || *s > '9' || num > 15) return -1;
    num = num * 10 + (*s - '0');
  }
  if (num > 15) return -1;
  return (port - 'A') * 16 + num;
}

const char* pin_name(uint16_t pin, char* buf) {
  buf[0] = 'P';
  buf[1] = static_cast<char>('A' + pin / 16);
  int n = pin % 16;
  if (n >= 10) {
    buf[2] = '1';
    buf[3] = static_cast<char>('0' + n - 10);
    buf[4] = 0;
  } else {
    buf[2] = static_cast<char>('0' + n);
    buf[3] = 0;
  }
  return buf;
}

void set_default_adc(uint16_t value) {
  g_default_adc = value;
}

void set_default_input(uint16_t pin, uint8_t level) {
  init_defaults();
  if (pin < kPinCount) g_default_input[pin] = static_cast<int8_t>(level ? 1 : 0);
}

// Power-on state of every pin (used when the simulated MCU restarts).
void reset_pins() {
  memset(g_pins, 0, sizeof(g_pins));
  init_defaults();
}

}  // namespace sim

using sim::g_pins;

GpioOut gpio_out_setup(uint32_t pin, uint8_t val) {
  uint16_t p = sim::check_pin(pin);
  GpioOut g = {p};
  gpio_out_reset(g, val);
  return g;
}

void gpio_out_reset(GpioOut g, uint8_t val) {
  if (g_pins[g.pin].mode != sim::PinMode::kOutput) sim::set_mode(g.pin, sim::PinMode::kOutput);
  sim::set_level(g.pin, val ? 1 : 0);
}

void gpio_out_write(GpioOut g, uint8_t val) {
  sim::set_level(g.pin, val ? 1 : 0);
}

void gpio_out_toggle(GpioOut g) {
  sim::set_level(g.pin, g_pins[g.pin].level ^ 1);
}

GpioIn gpio_in_setup(uint32_t pin, int8_t pull_up) {
  GpioIn g = {sim::check_pin(pin)};
  gpio_in_reset(g, pull_up);
  return g;
}

void gpio_in_reset(GpioIn g, int8_t pull_up) {
  sim::set_mode(g.pin, pull_up > 0   ? sim::PinMode::kInputPullUp
                       : pull_up < 0 ? sim::PinMode::kInputPullDown
                                     : sim::PinMode::kInput);
}

uint8_t gpio_in_read(GpioIn g) {
  if (sim::g_listener) return sim::g_listener->read_input(g.pin, host::clock_now()) ? 1 : 0;
  sim::init_defaults();
  int8_t d = sim::g_default_input[g.pin];
  if (d >= 0) return static_cast<uint8_t>(d);
  return g_pins[g.pin].mode == sim::PinMode::kInputPullUp ? 1 : 0;
}

GpioPwm gpio_pwm_setup(uint32_t pin, uint32_t cycle_ticks, uint32_t val) {
  GpioPwm g = {sim::check_pin(pin)};
  sim::set_mode(g.pin, sim::PinMode::kPwm);
  g_pins[g.pin].pwm_cycle_ticks = cycle_ticks;
  gpio_pwm_write(g, val);
  return g;
}

void gpio_pwm_write(GpioPwm g, uint32_t val) {
  if (val > sim::kPwmMax) val = sim::kPwmMax;
  sim::PinState& p = g_pins[g.pin];
  uint64_t now = host::clock_now();
  p.pwm_value = static_cast<uint16_t>(val);
  p.level = val ? 1 : 0;
  p.changed_clock = now;
  if (sim::g_listener) sim::g_listener->on_pwm(g.pin, p.pwm_value, p.pwm_cycle_ticks, now);
}

GpioAdc gpio_adc_setup(uint32_t pin) {
  GpioAdc g = {sim::check_pin(pin)};
  sim::set_mode(g.pin, sim::PinMode::kAdc);
  return g;
}

uint32_t gpio_adc_sample(GpioAdc) {
  return 0;
}

uint16_t gpio_adc_read(GpioAdc g) {
  uint16_t v =
      sim::g_listener ? sim::g_listener->read_adc(g.pin, host::clock_now()) : sim::g_default_adc;
  return v > sim::kAdcMax ? sim::kAdcMax : v;
}

void gpio_adc_cancel_sample(GpioAdc) {}

SpiConfig spi_setup(uint32_t bus, uint8_t mode, uint32_t) {
  if (bus > 1 || mode > 3) fw_shutdown("Invalid spi config");
  return SpiConfig{bus, mode};
}

void spi_prepare(SpiConfig) {}

void spi_transfer(SpiConfig config, uint8_t receive, uint8_t len, uint8_t* data) {
  uint8_t buf[256];
  memcpy(buf, data, len);
  if (sim::g_listener)
    sim::g_listener->spi_transfer(config.bus, config.mode, buf, len, host::clock_now());
  else
    memset(buf, 0, len);
  if (receive) memcpy(data, buf, len);
}

I2cConfig i2c_setup(uint32_t bus, uint32_t, uint8_t addr) {
  if (bus > 1) fw_shutdown("Unsupported i2c bus");
  return I2cConfig{bus, addr};
}

int i2c_write(I2cConfig config, uint8_t write_len, uint8_t* write) {
  if (!sim::g_listener) return I2C_BUS_START_NACK;
  return sim::g_listener->i2c_write(config.bus, config.addr, write, write_len, host::clock_now());
}

int i2c_read(I2cConfig config, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read) {
  if (!sim::g_listener) return I2C_BUS_START_NACK;
  return sim::g_listener->i2c_read(config.bus, config.addr, reg, reg_len, read, read_len,
                                   host::clock_now());
}

}  // namespace fw
