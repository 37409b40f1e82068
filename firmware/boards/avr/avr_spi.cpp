// AVR hardware SPI (master).
#include "boards/avr/avr_chip.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_ENUM("spi_bus", "spi", 0);

namespace {
bool g_spi_ready;
}

SpiConfig spi_setup(uint32_t bus, uint8_t mode, uint32_t rate) {
  if (bus != 0 || mode > 3) fw_shutdown("Invalid spi config");
  if (!g_spi_ready) {
    // MISO input; MOSI, SCK and SS outputs (SS must be an output for master mode).
    gpio_in_setup(pgm_read(&avr::kSpiPins[0]), 0);
    gpio_out_setup(pgm_read(&avr::kSpiPins[1]), 0);
    gpio_out_setup(pgm_read(&avr::kSpiPins[2]), 0);
    gpio_out_setup(pgm_read(&avr::kSpiPins[3]), 1);
    g_spi_ready = true;
  }
  // Dividers 2..128: SPR1:0 select 4/16/64/128, SPI2X halves.
  uint8_t spcr = static_cast<uint8_t>((1 << SPE) | (1 << MSTR) | (mode << CPHA)), spsr = 0;
  uint32_t div = F_CPU / (rate ? rate : 1);
  if (div <= 2)
    spsr = 1 << SPI2X;
  else if (div <= 4)
    ;
  else if (div <= 8)
    spcr |= 1 << SPR0, spsr = 1 << SPI2X;
  else if (div <= 16)
    spcr |= 1 << SPR0;
  else if (div <= 32)
    spcr |= 1 << SPR1, spsr = 1 << SPI2X;
  else if (div <= 64)
    spcr |= 1 << SPR1;
  else
    spcr |= (1 << SPR1) | (1 << SPR0);
  return SpiConfig{spcr, spsr};
}

void spi_prepare(SpiConfig config) {
  SPCR = config.spcr;
  SPSR = config.spsr;
}

void spi_transfer(SpiConfig, uint8_t receive, uint8_t len, uint8_t* data) {
  while (len--) {
    SPDR = *data;
    while (!(SPSR & (1 << SPIF))) {
    }
    uint8_t in = SPDR;
    if (receive) *data = in;
    data++;
  }
}

}  // namespace fw
