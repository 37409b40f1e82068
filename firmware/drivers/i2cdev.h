// I2C devices (config_i2c, i2c_set_bus, i2c_set_sw_bus, i2c_transfer) on a hardware bus of the
// board or on two bit-banged pins.
#pragma once

#include <stdint.h>

#include "core/board.h"

namespace fw {

struct I2cDev;

I2cDev* i2cdev_oid_lookup(uint8_t oid);
// Transfers on whichever bus the host set; they return one of the I2C_BUS_* codes of
// core/board.h. A device without a bus yet shuts the MCU down ("I2C bus not configured").
int i2c_dev_write(I2cDev* i2c, uint8_t write_len, uint8_t* write);
int i2c_dev_read(I2cDev* i2c, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read);
// For drivers that read a sensor on their own: a failed transfer shuts the MCU down with the
// bus status as reason ("I2C NACK", "I2C START NACK", "I2C START READ NACK", "I2C Timeout").
void i2c_shutdown_on_err(int status);

// ---- software I2C (i2c_software.cpp) ----
struct I2cSoftware {
  GpioOut scl_out, sda_out;
  GpioIn scl_in, sda_in;
  uint32_t pulse_ticks;  // half a clock period
  uint8_t addr;          // 7-bit address shifted left (the write address)
};
void i2c_software_setup(I2cSoftware* sw, uint32_t scl_pin, uint32_t sda_pin, uint32_t pulse_ticks,
                        uint8_t addr);
// Both return one of the I2C_BUS_* codes of core/board.h.
int i2c_software_write(I2cSoftware* sw, uint8_t write_len, const uint8_t* write);
int i2c_software_read(I2cSoftware* sw, uint8_t reg_len, const uint8_t* reg, uint8_t read_len,
                      uint8_t* read);

}  // namespace fw
