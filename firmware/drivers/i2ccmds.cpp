// I2C devices driven by the host: config_i2c, then i2c_set_bus (a hardware bus of the board) or
// i2c_set_sw_bus (bit-banged), then i2c_transfer, answered by i2c_response with the bus status
// (i2c_bus_status enumeration) so the host can report or retry a failed transfer.
#include <string.h>

#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"
#include "drivers/i2cdev.h"

namespace fw {

FW_ENUM("i2c_bus_status", "SUCCESS", 0);
FW_ENUM("i2c_bus_status", "NACK", 1);
FW_ENUM("i2c_bus_status", "BUS_TIMEOUT", 2);
FW_ENUM("i2c_bus_status", "START_NACK", 3);
FW_ENUM("i2c_bus_status", "START_READ_NACK", 4);

struct I2cDev {
  union {
    I2cConfig hw;
    I2cSoftware* sw;
  };
  uint8_t flags;
};

namespace {
enum : uint8_t { IF_SOFTWARE = 1, IF_HARDWARE = 2 };
}  // namespace

FW_COMMAND(command_config_i2c, "config_i2c oid=%c");
void command_config_i2c(uint32_t* args) {
  oid_alloc_t<I2cDev>(static_cast<uint8_t>(args[0]), command_config_i2c);
}

I2cDev* i2cdev_oid_lookup(uint8_t oid) { return oid_lookup_t<I2cDev>(oid, command_config_i2c); }

int i2c_dev_write(I2cDev* i2c, uint8_t write_len, uint8_t* write) {
  if (i2c->flags & IF_SOFTWARE) return i2c_software_write(i2c->sw, write_len, write);
  if (i2c->flags & IF_HARDWARE) return i2c_write(i2c->hw, write_len, write);
  fw_shutdown("I2C bus not configured");
}

int i2c_dev_read(I2cDev* i2c, uint8_t reg_len, uint8_t* reg, uint8_t read_len, uint8_t* read) {
  if (i2c->flags & IF_SOFTWARE) return i2c_software_read(i2c->sw, reg_len, reg, read_len, read);
  if (i2c->flags & IF_HARDWARE) return i2c_read(i2c->hw, reg_len, reg, read_len, read);
  fw_shutdown("I2C bus not configured");
}

void i2c_shutdown_on_err(int status) {
  switch (status) {
    case I2C_BUS_NACK:
      fw_shutdown("I2C NACK");
    case I2C_BUS_START_NACK:
      fw_shutdown("I2C START NACK");
    case I2C_BUS_START_READ_NACK:
      fw_shutdown("I2C START READ NACK");
    case I2C_BUS_TIMEOUT:
      fw_shutdown("I2C Timeout");
    default:
      break;
  }
}

namespace {
I2cDev* i2cdev_lookup(uint32_t oid) { return i2cdev_oid_lookup(static_cast<uint8_t>(oid)); }
uint8_t check_address(uint32_t addr) {
  if (addr > 0x7f) fw_shutdown("Invalid I2C address");
  return static_cast<uint8_t>(addr);
}
}  // namespace

FW_COMMAND(command_i2c_set_bus, "i2c_set_bus oid=%c i2c_bus=%u rate=%u address=%u");
void command_i2c_set_bus(uint32_t* args) {
  I2cDev* i2c = i2cdev_lookup(args[0]);
  i2c->hw = i2c_setup(args[1], args[2], check_address(args[3]));
  i2c->flags = IF_HARDWARE;
}

FW_COMMAND(command_i2c_set_sw_bus,
           "i2c_set_sw_bus oid=%c scl_pin=%u sda_pin=%u pulse_ticks=%u address=%u");
void command_i2c_set_sw_bus(uint32_t* args) {
  I2cDev* i2c = i2cdev_lookup(args[0]);
  uint8_t addr = check_address(args[4]);
  // The host may send this again to talk to another address: reuse the pins' state.
  I2cSoftware* sw = (i2c->flags & IF_SOFTWARE)
                        ? i2c->sw
                        : static_cast<I2cSoftware*>(alloc_chunk(sizeof(I2cSoftware)));
  i2c_software_setup(sw, args[1], args[2], args[3], addr);
  i2c->sw = sw;
  i2c->flags = IF_SOFTWARE;
}

FW_COMMAND(command_i2c_transfer, "i2c_transfer oid=%c write=%*s read_len=%u");
void command_i2c_transfer(uint32_t* args) {
  uint8_t oid = static_cast<uint8_t>(args[0]);
  I2cDev* i2c = i2cdev_lookup(oid);
  uint8_t write_len = static_cast<uint8_t>(args[1]);
  uint8_t write[64];  // a buffer parameter never exceeds a 64-byte message block
  memcpy(write, command_decode_ptr(args[2]), write_len);
  if (args[3] > 48) fw_shutdown("i2c_transfer read_len too large");
  uint8_t read_len = static_cast<uint8_t>(args[3]);
  uint8_t read[48];
  memset(read, 0, sizeof(read));
  int status = read_len ? i2c_dev_read(i2c, write_len, write, read_len, read)
                        : i2c_dev_write(i2c, write_len, write);
  FW_RESPONSE(resp_i2c_response, "i2c_response oid=%c i2c_bus_status=%c response=%*s");
  fw_sendf(resp_i2c_response, oid, static_cast<uint8_t>(status), Bytes{read, read_len});
}

}  // namespace fw
