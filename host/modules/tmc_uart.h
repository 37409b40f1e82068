// TMC single-wire UART (Klipper's tmc_uart.py): the datagram encoding (sync, address,
// register, value, CRC8 with serial start/stop bits, as the MCU's tmcuart bit-bangs them),
// UARTs shared by several drivers (uart_address, or analog mux select_pins), and the register
// access with the IFCNT write check.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/reactor.h"
#include "mcu/mcu.h"
#include "modules/tmc_transport.h"

namespace kpp {

namespace tmcuart {

// CRC8 (polynomial 0x07, bits taken LSB first) as the TMC22xx datagrams use it.
uint8_t crc8(std::span<const uint8_t> data);
// Each byte becomes 10 bits on the wire (start bit 0, 8 data bits LSB first, stop bit 1),
// packed LSB first into bytes.
std::vector<uint8_t> add_serial_bits(std::span<const uint8_t> data);
std::vector<uint8_t> encode_read(uint8_t sync, uint8_t addr, uint8_t reg);
std::vector<uint8_t> encode_write(uint8_t sync, uint8_t addr, uint8_t reg, uint32_t val);
// The value of a 10-byte read reply, if its framing and CRC are right.
std::optional<uint32_t> decode_read(uint8_t reg, std::span<const uint8_t> data);

}  // namespace tmcuart

// Select pins of an analog mux in front of a shared UART line.
class TmcUartMux {
 public:
  TmcUartMux(Mcu& mcu, int cmd_queue, const std::string& select_pins_desc);
  // The pin levels that select the driver described by `select_pins_desc`.
  std::vector<int> get_instance_id(const std::string& select_pins_desc) const;
  void activate(const std::vector<int>& instance_id);

 private:
  Mcu& mcu_;
  int cmd_queue_;
  std::vector<int> oids_;
  std::vector<std::string> pins_;
  std::vector<int> pin_values_;
  McuCommand update_pin_cmd_;
};

// One UART line on an MCU (config_tmcuart), shared by every driver wired to it.
class TmcUartBitbang {
 public:
  TmcUartBitbang(Mcu& mcu, const PinParams& rx, const PinParams& tx,
                 const std::optional<std::string>& select_pins, ReactorMutex& mutex);
  // Register a driver on this line; ConfigError when pins differ or the address is taken.
  std::vector<int> register_instance(const PinParams& rx, const PinParams& tx,
                                     const std::optional<std::string>& select_pins, int addr);
  std::optional<uint32_t> reg_read(const std::vector<int>& instance, int addr, int reg);
  void reg_write(const std::vector<int>& instance, int addr, int reg, uint32_t val,
                 std::optional<double> print_time);
  ReactorMutex& mutex() { return mutex_; }
  Mcu& mcu() { return mcu_; }

 private:
  void build_config();
  McuResponse send(const std::vector<uint8_t>& msg, int read_len, uint64_t minclock);

  Mcu& mcu_;
  std::string rx_pin_, tx_pin_;
  int pullup_;
  int oid_;
  int cmd_queue_;
  std::unique_ptr<TmcUartMux> mux_;
  std::map<std::pair<std::vector<int>, int>, bool> instances_;
  McuCommand tmcuart_send_cmd_;
  ReactorMutex& mutex_;
};

// A driver's register access over a (possibly shared) UART.
class McuTmcUart : public TmcTransport {
 public:
  // `max_addr`: highest uart_address the chip accepts (0: the option is not offered).
  McuTmcUart(const ConfigWrapper& config, TmcFieldHelper& fields, int max_addr);
  TmcFieldHelper& get_fields() override { return fields_; }
  uint32_t get_register(const std::string& reg_name) override;
  void set_register(const std::string& reg_name, uint32_t val,
                    std::optional<double> print_time = {}) override;
  std::optional<double> get_tmc_frequency() const override { return fields_.chip().tmc_frequency; }

 private:
  uint32_t do_get_register(const std::string& reg_name);
  int reg_addr(const std::string& reg_name) const;

  Printer& printer_;
  std::string name_;
  TmcFieldHelper& fields_;
  std::optional<uint32_t> ifcnt_;
  int addr_ = 0;
  std::vector<int> instance_id_;
  TmcUartBitbang* uart_ = nullptr;
};

}  // namespace kpp
