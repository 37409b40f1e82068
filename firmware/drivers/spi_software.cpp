// Bit-banged SPI master on any three pins (spi_set_sw_bus), for boards whose SPI pins are taken
// or missing. Each clock level is held for pulse_ticks.
#include "core/board.h"
#include "core/sched.h"
#include "drivers/spidev.h"

namespace fw {

void spi_software_setup(SpiSoftware* sw, uint32_t miso_pin, uint32_t mosi_pin,
                        uint32_t sclk_pin, uint8_t mode, uint32_t pulse_ticks) {
  if (mode > 3) fw_shutdown("Invalid spi config");
  sw->miso = gpio_in_setup(miso_pin, 1);
  sw->mosi = gpio_out_setup(mosi_pin, 0);
  sw->sclk = gpio_out_setup(sclk_pin, mode & 2 ? 1 : 0);  // idle level is CPOL
  sw->mode = mode;
  sw->pulse_ticks = pulse_ticks;
}

// The clock may have been left at the wrong idle level by another device's mode.
void spi_software_prepare(SpiSoftware* sw) { gpio_out_write(sw->sclk, sw->mode & 2 ? 1 : 0); }

void spi_software_transfer(SpiSoftware* sw, uint8_t receive, uint8_t len, uint8_t* data) {
  const bool cpha = sw->mode & 1;
  while (len--) {
    uint8_t out = *data, in = 0;
    for (uint_fast8_t i = 0; i < 8; i++) {
      // CPHA 0: data is valid before the first (leading) edge and sampled on it; CPHA 1: data
      // changes on the leading edge and is sampled on the trailing one.
      if (!cpha) gpio_out_write(sw->mosi, out & 0x80);
      board_delay_ticks(sw->pulse_ticks);
      gpio_out_toggle(sw->sclk);  // leading edge
      if (cpha) {
        gpio_out_write(sw->mosi, out & 0x80);
        board_delay_ticks(sw->pulse_ticks);
        gpio_out_toggle(sw->sclk);  // trailing edge
        in = static_cast<uint8_t>(in << 1 | gpio_in_read(sw->miso));
      } else {
        in = static_cast<uint8_t>(in << 1 | gpio_in_read(sw->miso));
        board_delay_ticks(sw->pulse_ticks);
        gpio_out_toggle(sw->sclk);  // trailing edge
      }
      out = static_cast<uint8_t>(out << 1);
    }
    if (receive) *data = in;
    data++;
  }
}

}  // namespace fw
