// SPI devices (config_spi and friends): a chip-select line plus a hardware or software bus,
// shared by the drivers that talk to SPI chips (thermocouple amplifiers, accelerometers).
#pragma once

#include <stdint.h>

#include "core/board.h"

namespace fw {

struct SpiDev;

SpiDev* spidev_oid_lookup(uint8_t oid);
// One transfer framed by the chip select: sends len bytes of data and, when `receive`, replaces
// them with what the device answered. Does nothing until the host has set the bus.
void spidev_transfer(SpiDev* spi, uint8_t receive, uint8_t len, uint8_t* data);

// ---- software SPI (spi_software.cpp) ----
struct SpiSoftware {
  GpioIn miso;
  GpioOut mosi, sclk;
  uint32_t pulse_ticks;  // time each clock level is held
  uint8_t mode;
};
void spi_software_setup(SpiSoftware* sw, uint32_t miso_pin, uint32_t mosi_pin,
                        uint32_t sclk_pin, uint8_t mode, uint32_t pulse_ticks);
void spi_software_prepare(SpiSoftware* sw);
void spi_software_transfer(SpiSoftware* sw, uint8_t receive, uint8_t len, uint8_t* data);

}  // namespace fw
