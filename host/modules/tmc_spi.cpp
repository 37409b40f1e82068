// TMC register access over SPI (single drivers, daisy chains, and the TMC2660).
#include "modules/tmc_spi.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/errors.h"
#include "mcu/pins.h"

namespace kpp {

namespace {

constexpr int64_t kDefaultSpeed = 4000000;

// Daisy chains by chip select pin: the first driver of a chain creates the SPI device, the
// others join it.
class TmcSpiChains : public PrinterObject {
 public:
  std::map<std::string, std::shared_ptr<TmcSpiChain>> chains;
};

uint32_t be32(const std::string& r, size_t off) {
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(r[off + i])); };
  return (b(1) << 24) | (b(2) << 16) | (b(3) << 8) | b(4);
}

std::string short_name(const ConfigWrapper& config) {
  const std::string& section = config.get_name();
  return section.substr(section.rfind(' ') + 1);
}

}  // namespace

TmcSpiChain::TmcSpiChain(const ConfigWrapper& config, int chain_len)
    : printer_(config.get_printer()),
      chain_len_(chain_len),
      spi_(spi_from_config(config, 3, "cs_pin", kDefaultSpeed, chain_len > 1 ? "tmc_spi_cs" : "")),
      mutex_(config.get_printer().get_reactor()) {}

std::vector<uint8_t> TmcSpiChain::build_cmd(const std::vector<uint8_t>& data, int pos) const {
  std::vector<uint8_t> out(static_cast<size_t>((chain_len_ - pos) * 5), 0);
  out.insert(out.end(), data.begin(), data.end());
  out.resize(out.size() + static_cast<size_t>((pos - 1) * 5), 0);
  return out;
}

uint32_t TmcSpiChain::extract(const std::string& response, int pos) const {
  size_t off = static_cast<size_t>((chain_len_ - pos) * 5);
  if (response.size() < off + 5) throw CommandError("Short tmc spi response");
  return be32(response, off);
}

uint32_t TmcSpiChain::reg_read(int reg, int pos) {
  auto cmd = build_cmd({static_cast<uint8_t>(reg), 0, 0, 0, 0}, pos);
  // The first transfer latches the register; its contents come back on the next one.
  spi_->spi_send(cmd);
  if (printer_.is_batch_mode()) return 0;
  return extract(spi_->spi_transfer(cmd), pos);
}

uint32_t TmcSpiChain::reg_write(int reg, uint32_t val, int pos, std::optional<double> print_time) {
  uint64_t minclock = print_time ? spi_->get_mcu().print_time_to_clock(*print_time) : 0;
  std::vector<uint8_t> data{static_cast<uint8_t>((reg | 0x80) & 0xff),
                            static_cast<uint8_t>(val >> 24), static_cast<uint8_t>(val >> 16),
                            static_cast<uint8_t>(val >> 8), static_cast<uint8_t>(val)};
  auto write_cmd = build_cmd(data, pos);
  if (printer_.is_batch_mode()) {
    spi_->spi_send(write_cmd, minclock);
    return val;
  }
  // The write and a dummy read go out back to back on the same queue; the read returns what
  // the register now holds, which confirms the write.
  spi_->spi_send(write_cmd, minclock);
  auto dummy = build_cmd({0, 0, 0, 0, 0}, pos);
  return extract(spi_->spi_transfer(dummy, minclock), pos);
}

McuTmcSpi::McuTmcSpi(const ConfigWrapper& config, TmcFieldHelper& fields)
    : printer_(config.get_printer()), name_(short_name(config)), fields_(fields) {
  auto chain_len = config.getint_opt("chain_length", {.minval = 2});
  if (!chain_len) {
    own_chain_ = std::make_shared<TmcSpiChain>(config, 1);
    chain_ = own_chain_.get();
    chain_pos_ = 1;
    return;
  }
  auto& ppins = printer_.lookup<PrinterPins>("pins");
  PinParams cs = ppins.lookup_pin(config.get("cs_pin"), false, false, "tmc_spi_cs");
  auto* chains = printer_.try_lookup<TmcSpiChains>("tmc_spi_chains");
  if (!chains) {
    auto obj = std::make_shared<TmcSpiChains>();
    chains = obj.get();
    printer_.add_object("tmc_spi_chains", obj);
  }
  auto& chain = chains->chains[cs.chip_name + ":" + cs.pin];
  if (!chain) chain = std::make_shared<TmcSpiChain>(config, static_cast<int>(*chain_len));
  if (chain->chain_len() != *chain_len) throw ConfigError("TMC SPI chain must have same length");
  chain_pos_ =
      static_cast<int>(config.getint("chain_position", {.minval = 1, .maxval = *chain_len}));
  auto& taken = chain->taken_positions();
  if (std::find(taken.begin(), taken.end(), chain_pos_) != taken.end())
    throw ConfigError("TMC SPI chain can not have duplicate position");
  taken.push_back(chain_pos_);
  own_chain_ = chain;
  chain_ = chain.get();
}

int McuTmcSpi::reg_addr(const std::string& reg_name) const {
  auto addr = fields_.chip().address(reg_name);
  if (!addr) throw CommandError(fmt::format("Unknown register name '{}'", reg_name));
  return *addr;
}

uint32_t McuTmcSpi::get_register(const std::string& reg_name) {
  int reg = reg_addr(reg_name);
  ReactorLock lock(chain_->mutex());
  return chain_->reg_read(reg, chain_pos_);
}

void McuTmcSpi::set_register(const std::string& reg_name, uint32_t val,
                             std::optional<double> print_time) {
  int reg = reg_addr(reg_name);
  ReactorLock lock(chain_->mutex());
  for (int retry = 0; retry < 5; retry++)
    if (chain_->reg_write(reg, val, chain_pos_, print_time) == val) return;
  throw CommandError(fmt::format("Unable to write tmc spi '{}' register {}", name_, reg_name));
}

McuTmc2660Spi::McuTmc2660Spi(const ConfigWrapper& config, TmcFieldHelper& fields)
    : printer_(config.get_printer()),
      fields_(fields),
      spi_(spi_from_config(config, 0, "cs_pin", kDefaultSpeed)),
      mutex_(config.get_printer().get_reactor()) {}

std::vector<uint8_t> McuTmc2660Spi::datagram(int reg, uint32_t val) {
  return {static_cast<uint8_t>(((val >> 16) | static_cast<uint32_t>(reg)) & 0xff),
          static_cast<uint8_t>(val >> 8), static_cast<uint8_t>(val)};
}

uint32_t McuTmc2660Spi::get_register(const std::string& reg_name) {
  const auto& reads = fields_.chip().read_registers;
  auto it = std::find(reads.begin(), reads.end(), reg_name);
  if (it == reads.end()) throw CommandError(fmt::format("Unknown register name '{}'", reg_name));
  int new_rdsel = static_cast<int>(it - reads.begin());
  if (printer_.is_batch_mode()) return 0;
  int drvconf = *fields_.chip().address("DRVCONF");
  ReactorLock lock(mutex_);
  int64_t old_rdsel = fields_.get_field("rdsel");
  uint32_t val = fields_.set_field("rdsel", new_rdsel);
  auto msg = datagram(drvconf, val);
  // Every datagram returns the register selected by the previous one.
  if (new_rdsel != old_rdsel) spi_->spi_send(msg);
  std::string r = spi_->spi_transfer(msg);
  if (r.size() < 3) throw CommandError("Short tmc spi response");
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(r[i])); };
  return (b(0) << 16) | (b(1) << 8) | b(2);
}

void McuTmc2660Spi::set_register(const std::string& reg_name, uint32_t val,
                                 std::optional<double> print_time) {
  auto addr = fields_.chip().address(reg_name);
  if (!addr) throw CommandError(fmt::format("Unknown register name '{}'", reg_name));
  uint64_t minclock = print_time ? spi_->get_mcu().print_time_to_clock(*print_time) : 0;
  ReactorLock lock(mutex_);
  spi_->spi_send(datagram(*addr, val), minclock);
}

}  // namespace kpp
