// SPI devices driven by the host (config_spi, config_spi_without_cs, spi_set_bus,
// spi_set_sw_bus, spi_transfer, spi_send) and messages sent to a device when the MCU shuts down
// (config_spi_shutdown).
#include <string.h>

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/spidev.h"

namespace fw {

struct SpiDev {
  union {
    SpiConfig hw;
    SpiSoftware* sw;
  };
  GpioOut cs;
  uint8_t flags;
};

namespace {

enum : uint8_t {
  SF_HAVE_PIN = 1 << 0,
  SF_SOFTWARE = 1 << 1,
  SF_HARDWARE = 1 << 2,
  SF_CS_ACTIVE_HIGH = 1 << 3,
};

struct SpiShutdown {
  SpiDev* spi;
  const uint8_t* msg;
  uint8_t msg_len;
};

}  // namespace

FW_COMMAND(command_config_spi, "config_spi oid=%c pin=%u cs_active_high=%c");
void command_config_spi(uint32_t* args) {
  SpiDev* spi = oid_alloc_t<SpiDev>(static_cast<uint8_t>(args[0]), command_config_spi);
  uint8_t active_high = args[2] ? 1 : 0;
  spi->cs = gpio_out_setup(args[1], !active_high);  // deselected from the start
  spi->flags = static_cast<uint8_t>(SF_HAVE_PIN | (active_high ? SF_CS_ACTIVE_HIGH : 0));
}

FW_COMMAND(command_config_spi_without_cs, "config_spi_without_cs oid=%c");
void command_config_spi_without_cs(uint32_t* args) {
  SpiDev* spi = oid_alloc_t<SpiDev>(static_cast<uint8_t>(args[0]), command_config_spi);
  spi->flags = 0;
}

SpiDev* spidev_oid_lookup(uint8_t oid) { return oid_lookup_t<SpiDev>(oid, command_config_spi); }

FW_COMMAND(command_spi_set_bus, "spi_set_bus oid=%c spi_bus=%u mode=%u rate=%u");
void command_spi_set_bus(uint32_t* args) {
  SpiDev* spi = spidev_oid_lookup(static_cast<uint8_t>(args[0]));
  if (args[2] > 3) fw_shutdown("Invalid spi config");
  spi->hw = spi_setup(args[1], static_cast<uint8_t>(args[2]), args[3]);
  spi->flags = static_cast<uint8_t>((spi->flags & ~SF_SOFTWARE) | SF_HARDWARE);
}

FW_COMMAND(command_spi_set_sw_bus,
           "spi_set_sw_bus oid=%c miso_pin=%u mosi_pin=%u sclk_pin=%u mode=%u pulse_ticks=%u");
void command_spi_set_sw_bus(uint32_t* args) {
  SpiDev* spi = spidev_oid_lookup(static_cast<uint8_t>(args[0]));
  if (args[4] > 3) fw_shutdown("Invalid spi config");
  SpiSoftware* sw = static_cast<SpiSoftware*>(alloc_chunk(sizeof(SpiSoftware)));
  spi_software_setup(sw, args[1], args[2], args[3], static_cast<uint8_t>(args[4]), args[5]);
  spi->sw = sw;
  spi->flags = static_cast<uint8_t>((spi->flags & ~SF_HARDWARE) | SF_SOFTWARE);
}

void spidev_transfer(SpiDev* spi, uint8_t receive, uint8_t len, uint8_t* data) {
  uint8_t flags = spi->flags;
  if (!(flags & (SF_SOFTWARE | SF_HARDWARE))) return;  // no bus yet
  if (flags & SF_SOFTWARE)
    spi_software_prepare(spi->sw);
  else
    spi_prepare(spi->hw);
  const uint8_t active = (flags & SF_CS_ACTIVE_HIGH) ? 1 : 0;
  if (flags & SF_HAVE_PIN) gpio_out_write(spi->cs, active);
  if (flags & SF_SOFTWARE)
    spi_software_transfer(spi->sw, receive, len, data);
  else
    spi_transfer(spi->hw, receive, len, data);
  if (flags & SF_HAVE_PIN) gpio_out_write(spi->cs, !active);
}

FW_COMMAND(command_spi_transfer, "spi_transfer oid=%c data=%*s");
void command_spi_transfer(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  SpiDev* spi = spidev_oid_lookup(oid);
  uint8_t len = static_cast<uint8_t>(args[1]);
  uint8_t data[64];  // a buffer parameter never exceeds a 64-byte message block
  memcpy(data, command_decode_ptr(args[2]), len);
  spidev_transfer(spi, 1, len, data);
  FW_RESPONSE(resp_spi_transfer_response, "spi_transfer_response oid=%c response=%*s");
  fw_sendf(resp_spi_transfer_response, oid, Bytes{data, len});
}

FW_COMMAND(command_spi_send, "spi_send oid=%c data=%*s");
void command_spi_send(uint32_t* args) {
  SpiDev* spi = spidev_oid_lookup(static_cast<uint8_t>(args[0]));
  uint8_t len = static_cast<uint8_t>(args[1]);
  uint8_t data[64];  // a buffer parameter never exceeds a 64-byte message block
  memcpy(data, command_decode_ptr(args[2]), len);
  spidev_transfer(spi, 0, len, data);
}

// ---- messages for shutdown ----

FW_COMMAND(command_config_spi_shutdown, "config_spi_shutdown oid=%c spi_oid=%c shutdown_msg=%*s");
void command_config_spi_shutdown(uint32_t* args) {
  SpiDev* spi = spidev_oid_lookup(static_cast<uint8_t>(args[1]));
  uint8_t len = static_cast<uint8_t>(args[2]);
  uint8_t* msg = static_cast<uint8_t*>(alloc_chunk(len ? len : 1));
  memcpy(msg, command_decode_ptr(args[3]), len);
  SpiShutdown* sd =
      oid_alloc_t<SpiShutdown>(static_cast<uint8_t>(args[0]), command_config_spi_shutdown);
  sd->spi = spi;
  sd->msg = msg;
  sd->msg_len = len;
}

FW_SHUTDOWN(spi_shutdown);
void spi_shutdown() {
  uint8_t oid;
  SpiShutdown* sd;
  FW_FOREACH_OID(oid, sd, SpiShutdown, command_config_spi_shutdown) {
    uint8_t data[64];  // a buffer parameter never exceeds a 64-byte message block
    memcpy(data, sd->msg, sd->msg_len);
    spidev_transfer(sd->spi, 0, sd->msg_len, data);
  }
}

}  // namespace fw
