// I2C devices (config_i2c, i2c_set_bus, i2c_set_sw_bus, i2c_transfer) on a hardware bus of the
// board or on two bit-banged pins.
#pragma once

#include <stdint.h>

#include "core/board.h"

namespace fw {

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
