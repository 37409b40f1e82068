// SPI and I2C devices on an MCU (Klipper's bus.py): the bus objects, their config commands
// (hardware bus by name, or software bus on any pins), and the commands that talk to a device.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "mcu/mcu.h"

namespace kpp {

// The bus name for `param` ("spi_bus", "i2c_bus") as the MCU's dictionary knows it: `bus` when
// given (checked), else the MCU's bus number 0. Reserves the bus's pins. PinError when unknown.
std::string resolve_bus_name(Mcu& mcu, const std::string& param,
                             const std::optional<std::string>& bus);

class McuSpi {
 public:
  // `pin`: chip select (none: config_spi_without_cs); `sw_pins`: miso, mosi, sclk for software
  // SPI, else the hardware bus `bus` (default: the MCU's first).
  McuSpi(Mcu& mcu, std::optional<std::string> bus, std::optional<std::string> pin, int mode,
         int64_t speed, std::optional<std::array<std::string, 3>> sw_pins = std::nullopt,
         bool cs_active_high = false);
  // Bytes the MCU sends to the device when it shuts down.
  void setup_shutdown_msg(const std::vector<uint8_t>& shutdown_seq);
  int get_oid() const { return oid_; }
  Mcu& get_mcu() { return mcu_; }
  int get_command_queue() const { return cmd_queue_; }
  // Before the MCU is configured the bytes go out with its init commands.
  void spi_send(const std::vector<uint8_t>& data, uint64_t minclock = 0, uint64_t reqclock = 0);
  // Send and return the bytes read back (same length).
  std::string spi_transfer(const std::vector<uint8_t>& data, uint64_t minclock = 0,
                           uint64_t reqclock = 0);

 private:
  void build_config();
  Mcu& mcu_;
  std::optional<std::string> bus_;
  int mode_;
  int64_t speed_;
  std::optional<std::array<std::string, 3>> sw_pins_;
  int oid_;
  int cmd_queue_;
  McuCommand spi_send_cmd_;
  McuCommand spi_transfer_cmd_;
};

// An SPI device from a config section: chip select from `pin_option`, spi_speed, spi_bus or
// spi_software_{miso,mosi,sclk}_pin.
std::unique_ptr<McuSpi> spi_from_config(const ConfigWrapper& config, int mode,
                                        const std::string& pin_option = "cs_pin",
                                        int64_t default_speed = 100000,
                                        const std::string& share_type = {},
                                        bool cs_active_high = false);

class McuI2c {
 public:
  // `sw_pins`: scl, sda for software I2C, else the hardware bus `bus`.
  McuI2c(Mcu& mcu, std::optional<std::string> bus, int addr, int64_t speed,
         std::optional<std::array<std::string, 2>> sw_pins = std::nullopt);
  int get_oid() const { return oid_; }
  Mcu& get_mcu() { return mcu_; }
  int get_i2c_address() const { return addr_; }
  int get_command_queue() const { return cmd_queue_; }
  // Before the MCU is configured the bytes are kept and sent at klippy:connect.
  void i2c_write(const std::vector<uint8_t>& data, uint64_t minclock = 0, uint64_t reqclock = 0);
  // Write `write` (e.g. a register number) then read `read_len` bytes. McuError when the bus
  // reports a failure.
  std::string i2c_read(const std::vector<uint8_t>& write, int read_len);

 private:
  void build_config();
  Mcu& mcu_;
  std::optional<std::string> bus_;
  int addr_;
  int64_t speed_;
  std::optional<std::array<std::string, 2>> sw_pins_;
  int oid_;
  int cmd_queue_;
  McuCommand i2c_transfer_cmd_;
  std::vector<std::vector<uint8_t>> pending_writes_;
};

// An I2C device from a config section: i2c_mcu, i2c_address, i2c_speed, i2c_bus or
// i2c_software_{scl,sda}_pin.
std::unique_ptr<McuI2c> i2c_from_config(const ConfigWrapper& config,
                                        std::optional<int> default_addr = std::nullopt,
                                        int64_t default_speed = 100000);

// A digital output pin driven on a bus device's command queue (Klipper's MCU_bus_digital_out), so
// that its updates stay ordered with the device's bus messages (display data/command and reset
// lines). The pin must be on `mcu`.
class McuBusDigitalOut {
 public:
  McuBusDigitalOut(Mcu& mcu, const std::string& pin_desc, int cmd_queue, int value = 0);
  Mcu& get_mcu() { return mcu_; }
  // Before the MCU is configured the update goes out with its init commands.
  void update_digital_out(bool value, uint64_t minclock = 0, uint64_t reqclock = 0);

 private:
  Mcu& mcu_;
  int oid_;
  int cmd_queue_;
  McuCommand update_cmd_;
};

}  // namespace kpp
