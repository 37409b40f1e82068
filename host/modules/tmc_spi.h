// TMC drivers on SPI: 40-bit datagrams (TMC2130, TMC5160, TMC2240), optionally several drivers
// daisy chained behind one chip select (chain_position / chain_length), and the TMC2660's
// 20-bit datagrams whose read-back register is chosen by DRVCONF.rdsel.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/reactor.h"
#include "mcu/bus.h"
#include "modules/tmc_transport.h"

namespace kpp {

// One SPI device: a single driver, or a daisy chain of `chain_len` drivers.
class TmcSpiChain {
 public:
  TmcSpiChain(const ConfigWrapper& config, int chain_len);
  int chain_len() const { return chain_len_; }
  std::vector<int>& taken_positions() { return taken_; }
  ReactorMutex& mutex() { return mutex_; }
  // The bytes shifted out for a datagram to chain position `pos` (1 = next to MOSI): the
  // others get no-op reads.
  std::vector<uint8_t> build_cmd(const std::vector<uint8_t>& data, int pos) const;
  uint32_t reg_read(int reg, int pos);
  // Returns the value the driver shifted back during the following dummy read (the register's
  // new contents); in batch mode `val` itself.
  uint32_t reg_write(int reg, uint32_t val, int pos, std::optional<double> print_time);

 private:
  uint32_t extract(const std::string& response, int pos) const;

  Printer& printer_;
  int chain_len_;
  std::unique_ptr<McuSpi> spi_;
  std::vector<int> taken_;
  ReactorMutex mutex_;
};

class McuTmcSpi : public TmcTransport {
 public:
  McuTmcSpi(const ConfigWrapper& config, TmcFieldHelper& fields);
  TmcFieldHelper& get_fields() override { return fields_; }
  uint32_t get_register(const std::string& reg_name) override;
  void set_register(const std::string& reg_name, uint32_t val,
                    std::optional<double> print_time = {}) override;
  std::optional<double> get_tmc_frequency() const override { return fields_.chip().tmc_frequency; }

 private:
  int reg_addr(const std::string& reg_name) const;
  Printer& printer_;
  std::string name_;
  TmcFieldHelper& fields_;
  TmcSpiChain* chain_;
  int chain_pos_;
  std::shared_ptr<TmcSpiChain> own_chain_;
};

class McuTmc2660Spi : public TmcTransport {
 public:
  McuTmc2660Spi(const ConfigWrapper& config, TmcFieldHelper& fields);
  TmcFieldHelper& get_fields() override { return fields_; }
  // reg_name is one of READRSP@RDSEL0..2: selects it with DRVCONF.rdsel, then reads.
  uint32_t get_register(const std::string& reg_name) override;
  void set_register(const std::string& reg_name, uint32_t val,
                    std::optional<double> print_time = {}) override;
  std::optional<double> get_tmc_frequency() const override { return std::nullopt; }

 private:
  static std::vector<uint8_t> datagram(int reg, uint32_t val);
  Printer& printer_;
  TmcFieldHelper& fields_;
  std::unique_ptr<McuSpi> spi_;
  ReactorMutex mutex_;
};

}  // namespace kpp
