// Bit-banged I2C master (i2c_set_sw_bus). The lines are open drain: a line is driven low by
// making its pin an output at 0 and released by making it an input with the pull-up on, so a
// slave can hold SCL low (clock stretching) or answer on SDA.
#include "core/board.h"
#include "core/sched.h"
#include "drivers/i2cdev.h"

namespace fw {

namespace {

// How long a slave may stretch the clock before the bus counts as stuck.
constexpr uint32_t kStretchTimeoutUs = 5000;

void line_low(GpioOut out) { gpio_out_reset(out, 0); }
void line_release(GpioIn in) { gpio_in_reset(in, 1); }

void delay(I2cSoftware* sw) { board_delay_ticks(sw->pulse_ticks); }

// Release SCL and wait for it to go high; false when a slave holds it too long.
bool scl_release(I2cSoftware* sw) {
  line_release(sw->scl_in);
  if (gpio_in_read(sw->scl_in)) return true;
  uint32_t deadline = timer_read_time() + timer_from_us(kStretchTimeoutUs);
  while (!gpio_in_read(sw->scl_in)) {
    if (!timer_is_before(timer_read_time(), deadline)) return false;
  }
  return true;
}

// (Repeated) start: SDA falls while SCL is high.
bool start(I2cSoftware* sw) {
  line_release(sw->sda_in);
  delay(sw);
  if (!scl_release(sw)) return false;
  delay(sw);
  line_low(sw->sda_out);
  delay(sw);
  line_low(sw->scl_out);
  return true;
}

void stop(I2cSoftware* sw) {
  line_low(sw->sda_out);
  delay(sw);
  scl_release(sw);
  delay(sw);
  line_release(sw->sda_in);
  delay(sw);
}

// One byte out; returns I2C_BUS_SUCCESS when acknowledged, `nack` when not.
int write_byte(I2cSoftware* sw, uint8_t b, int nack) {
  for (uint_fast8_t i = 0; i < 8; i++, b = static_cast<uint8_t>(b << 1)) {
    if (b & 0x80)
      line_release(sw->sda_in);
    else
      line_low(sw->sda_out);
    delay(sw);
    if (!scl_release(sw)) return I2C_BUS_TIMEOUT;
    delay(sw);
    line_low(sw->scl_out);
  }
  line_release(sw->sda_in);  // the slave acknowledges by pulling SDA low
  delay(sw);
  if (!scl_release(sw)) return I2C_BUS_TIMEOUT;
  uint8_t acked = !gpio_in_read(sw->sda_in);
  delay(sw);
  line_low(sw->scl_out);
  return acked ? I2C_BUS_SUCCESS : nack;
}

int read_byte(I2cSoftware* sw, uint8_t* out, bool ack) {
  uint8_t b = 0;
  line_release(sw->sda_in);
  for (uint_fast8_t i = 0; i < 8; i++) {
    delay(sw);
    if (!scl_release(sw)) return I2C_BUS_TIMEOUT;
    b = static_cast<uint8_t>(b << 1 | gpio_in_read(sw->sda_in));
    delay(sw);
    line_low(sw->scl_out);
  }
  if (ack) line_low(sw->sda_out);  // more bytes wanted
  delay(sw);
  if (!scl_release(sw)) return I2C_BUS_TIMEOUT;
  delay(sw);
  line_low(sw->scl_out);
  line_release(sw->sda_in);
  *out = b;
  return I2C_BUS_SUCCESS;
}

}  // namespace

void i2c_software_setup(I2cSoftware* sw, uint32_t scl_pin, uint32_t sda_pin, uint32_t pulse_ticks,
                        uint8_t addr) {
  sw->scl_in = gpio_in_setup(scl_pin, 1);
  sw->scl_out = gpio_out_setup(scl_pin, 0);
  sw->sda_in = gpio_in_setup(sda_pin, 1);
  sw->sda_out = gpio_out_setup(sda_pin, 0);
  line_release(sw->scl_in);  // both lines idle high
  line_release(sw->sda_in);
  sw->pulse_ticks = pulse_ticks;
  sw->addr = static_cast<uint8_t>(addr << 1);
}

int i2c_software_write(I2cSoftware* sw, uint8_t write_len, const uint8_t* write) {
  if (!start(sw)) return I2C_BUS_TIMEOUT;
  int ret = write_byte(sw, sw->addr, I2C_BUS_START_NACK);
  while (ret == I2C_BUS_SUCCESS && write_len--) ret = write_byte(sw, *write++, I2C_BUS_NACK);
  stop(sw);
  return ret;
}

int i2c_software_read(I2cSoftware* sw, uint8_t reg_len, const uint8_t* reg, uint8_t read_len,
                      uint8_t* read) {
  int ret = I2C_BUS_SUCCESS;
  if (reg_len) {
    if (!start(sw)) return I2C_BUS_TIMEOUT;
    ret = write_byte(sw, sw->addr, I2C_BUS_START_NACK);
    while (ret == I2C_BUS_SUCCESS && reg_len--) ret = write_byte(sw, *reg++, I2C_BUS_NACK);
  }
  if (ret == I2C_BUS_SUCCESS) {
    if (!start(sw)) return I2C_BUS_TIMEOUT;
    ret = write_byte(sw, static_cast<uint8_t>(sw->addr | 1), I2C_BUS_START_READ_NACK);
  }
  while (ret == I2C_BUS_SUCCESS && read_len) {
    read_len--;
    ret = read_byte(sw, read++, read_len != 0);
  }
  stop(sw);
  return ret;
}

}  // namespace fw
