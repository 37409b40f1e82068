// TMC single-wire UART: datagram encoding, shared lines and register access.
#include "modules/tmc_uart.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/gcode.h"
#include "mcu/pins.h"

namespace kpp {

namespace tmcuart {

uint8_t crc8(std::span<const uint8_t> data) {
  uint8_t crc = 0;
  for (uint8_t b : data) {
    for (int i = 0; i < 8; i++) {
      if (((crc >> 7) ^ (b & 0x01)) != 0)
        crc = static_cast<uint8_t>((crc << 1) ^ 0x07);
      else
        crc = static_cast<uint8_t>(crc << 1);
      b >>= 1;
    }
  }
  return crc;
}

std::vector<uint8_t> add_serial_bits(std::span<const uint8_t> data) {
  // At most 8 bytes (80 bits) per datagram: collect the bit stream in a byte vector directly.
  size_t nbits = data.size() * 10;
  std::vector<uint8_t> out((nbits + 7) / 8, 0);
  size_t pos = 0;
  for (uint8_t d : data) {
    uint32_t framed = (static_cast<uint32_t>(d) << 1) | 0x200;  // start bit 0, stop bit 1
    for (int i = 0; i < 10; i++, pos++)
      if (framed & (1u << i)) out[pos / 8] |= static_cast<uint8_t>(1u << (pos % 8));
  }
  return out;
}

std::vector<uint8_t> encode_read(uint8_t sync, uint8_t addr, uint8_t reg) {
  std::vector<uint8_t> msg{sync, addr, reg};
  msg.push_back(crc8(msg));
  return add_serial_bits(msg);
}

std::vector<uint8_t> encode_write(uint8_t sync, uint8_t addr, uint8_t reg, uint32_t val) {
  std::vector<uint8_t> msg{sync,
                           addr,
                           reg,
                           static_cast<uint8_t>(val >> 24),
                           static_cast<uint8_t>(val >> 16),
                           static_cast<uint8_t>(val >> 8),
                           static_cast<uint8_t>(val)};
  msg.push_back(crc8(msg));
  return add_serial_bits(msg);
}

std::optional<uint32_t> decode_read(uint8_t reg, std::span<const uint8_t> data) {
  if (data.size() != 10) return std::nullopt;
  auto bit_at = [&](size_t pos) { return (data[pos / 8] >> (pos % 8)) & 1u; };
  // Data bytes 3..6 of the reply (each 10 bits on the wire, after its start bit).
  auto byte_at = [&](size_t start) {
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) v |= bit_at(start + i) << i;
    return v;
  };
  uint32_t val = (byte_at(31) << 24) | (byte_at(41) << 16) | (byte_at(51) << 8) | byte_at(61);
  // A reply is a write datagram from master address 0xff: re-encode and compare to check the
  // start/stop bits and the CRC at once.
  auto expect = encode_write(0x05, 0xff, reg, val);
  if (!std::equal(expect.begin(), expect.end(), data.begin())) return std::nullopt;
  return val;
}

}  // namespace tmcuart

namespace {

constexpr double kBaudRate = 40000.;
constexpr double kBaudRateAvr = 9000.;

// UART lines and per-MCU mutexes (Klipper keeps these on its "tmc_uart" object): only one
// tmcuart transfer runs on an MCU at a time.
class TmcUartRegistry : public PrinterObject {
 public:
  std::map<std::string, std::unique_ptr<TmcUartBitbang>> lines;
  std::map<Mcu*, std::unique_ptr<ReactorMutex>> mutexes;
};

TmcUartRegistry& registry(Printer& printer) {
  auto* reg = printer.try_lookup<TmcUartRegistry>("tmc_uart");
  if (!reg) {
    auto obj = std::make_shared<TmcUartRegistry>();
    reg = obj.get();
    printer.add_object("tmc_uart", obj);
  }
  return *reg;
}

}  // namespace

TmcUartMux::TmcUartMux(Mcu& mcu, int cmd_queue, const std::string& select_pins_desc)
    : mcu_(mcu), cmd_queue_(cmd_queue) {
  auto& ppins = mcu.get_printer().lookup<PrinterPins>("pins");
  size_t start = 0;
  while (start <= select_pins_desc.size()) {
    size_t end = select_pins_desc.find(',', start);
    std::string desc = select_pins_desc.substr(start, end == std::string::npos ? end : end - start);
    PinParams p = ppins.lookup_pin(desc, true);
    int oid = mcu.create_oid();
    oids_.push_back(oid);
    pins_.push_back(p.pin);
    pin_values_.push_back(-1);
    mcu.add_config_cmd(fmt::format(
        "config_digital_out oid={} pin={} value=0 default_value=0 max_duration=0", oid, p.pin));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  mcu.register_config_callback([this] {
    update_pin_cmd_ = mcu_.lookup_command("update_digital_out oid=%c value=%c", cmd_queue_);
  });
}

std::vector<int> TmcUartMux::get_instance_id(const std::string& select_pins_desc) const {
  auto& ppins = mcu_.get_printer().lookup<PrinterPins>("pins");
  std::vector<std::string> pins;
  std::vector<int> levels;
  size_t start = 0;
  while (start <= select_pins_desc.size()) {
    size_t end = select_pins_desc.find(',', start);
    std::string desc = select_pins_desc.substr(start, end == std::string::npos ? end : end - start);
    PinParams p = ppins.parse_pin(desc, true);
    if (p.chip != &mcu_) throw ConfigError("TMC mux pins must be on the same mcu");
    pins.push_back(p.pin);
    levels.push_back(p.invert ? 0 : 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (pins != pins_) throw ConfigError("All TMC mux instances must use identical pins");
  return levels;
}

void TmcUartMux::activate(const std::vector<int>& instance_id) {
  for (size_t i = 0; i < oids_.size(); i++)
    if (pin_values_[i] != instance_id[i]) update_pin_cmd_.send({oids_[i], instance_id[i]});
  pin_values_ = instance_id;
}

TmcUartBitbang::TmcUartBitbang(Mcu& mcu, const PinParams& rx, const PinParams& tx,
                               const std::optional<std::string>& select_pins, ReactorMutex& mutex)
    : mcu_(mcu), rx_pin_(rx.pin), tx_pin_(tx.pin), pullup_(rx.pullup), mutex_(mutex) {
  oid_ = mcu.create_oid();
  cmd_queue_ = mcu.alloc_command_queue();
  if (select_pins) mux_ = std::make_unique<TmcUartMux>(mcu, cmd_queue_, *select_pins);
  mcu.register_config_callback([this] { build_config(); });
}

void TmcUartBitbang::build_config() {
  // AVRs cannot bit-bang 40 kbaud reliably next to the step timers.
  double baud = kBaudRate;
  const auto& consts = mcu_.get_constants();
  auto it = consts.find("MCU");
  if (it != consts.end() && (it->second.starts_with("atmega") || it->second.starts_with("at90usb")))
    baud = kBaudRateAvr;
  int64_t bit_ticks = mcu_.seconds_to_clock(1. / baud);
  mcu_.add_config_cmd(
      fmt::format("config_tmcuart oid={} rx_pin={} pull_up={} tx_pin={} bit_time={}", oid_, rx_pin_,
                  pullup_, tx_pin_, bit_ticks));
  tmcuart_send_cmd_ = mcu_.lookup_command("tmcuart_send oid=%c write=%*s read=%c", cmd_queue_);
}

std::vector<int> TmcUartBitbang::register_instance(const PinParams& rx, const PinParams& tx,
                                                   const std::optional<std::string>& select_pins,
                                                   int addr) {
  if (rx.pin != rx_pin_ || tx.pin != tx_pin_ || select_pins.has_value() != (mux_ != nullptr))
    throw ConfigError("Shared TMC uarts must use the same pins");
  std::vector<int> instance;
  if (mux_) instance = mux_->get_instance_id(*select_pins);
  auto key = std::make_pair(instance, addr);
  if (instances_.count(key))
    throw ConfigError("Shared TMC uarts need unique address or select_pins polarity");
  instances_[key] = true;
  return instance;
}

McuResponse TmcUartBitbang::send(const std::vector<uint8_t>& msg, int read_len, uint64_t minclock) {
  if (!tmcuart_send_cmd_) throw McuError("tmcuart_send before the MCU is configured");
  std::vector<uint8_t> out;
  tmcuart_send_cmd_.format()->encode_values(
      out,
      {mcu::ParamValue::integer(oid_), mcu::ParamValue::bytes(std::string(msg.begin(), msg.end())),
       mcu::ParamValue::integer(read_len)});
  return mcu_.serial().send_with_response(out, "tmcuart_response", oid_, cmd_queue_, minclock,
                                          minclock);
}

std::optional<uint32_t> TmcUartBitbang::reg_read(const std::vector<int>& instance, int addr,
                                                 int reg) {
  if (mux_) mux_->activate(instance);
  auto msg = tmcuart::encode_read(0xf5, static_cast<uint8_t>(addr), static_cast<uint8_t>(reg));
  McuResponse r = send(msg, 10, 0);
  const std::string& data = r.get_bytes("read");
  std::vector<uint8_t> bytes(data.begin(), data.end());
  return tmcuart::decode_read(static_cast<uint8_t>(reg), bytes);
}

void TmcUartBitbang::reg_write(const std::vector<int>& instance, int addr, int reg, uint32_t val,
                               std::optional<double> print_time) {
  uint64_t minclock = print_time ? mcu_.print_time_to_clock(*print_time) : 0;
  if (mux_) mux_->activate(instance);
  auto msg = tmcuart::encode_write(0xf5, static_cast<uint8_t>(addr),
                                   static_cast<uint8_t>(reg | 0x80), val);
  send(msg, 0, minclock);
}

McuTmcUart::McuTmcUart(const ConfigWrapper& config, TmcFieldHelper& fields, int max_addr)
    : printer_(config.get_printer()), fields_(fields) {
  const std::string& section = config.get_name();
  name_ = section.substr(section.rfind(' ') + 1);
  auto& ppins = printer_.lookup<PrinterPins>("pins");
  PinParams rx = ppins.lookup_pin(config.get("uart_pin"), false, true, "tmc_uart_rx");
  PinParams tx = rx;
  if (auto tx_desc = config.get_opt("tx_pin"))
    tx = ppins.lookup_pin(*tx_desc, false, false, "tmc_uart_tx");
  if (rx.chip != tx.chip) throw PinError("TMC uart rx and tx pins must be on the same mcu");
  auto select_pins = config.get_opt("select_pins");
  addr_ = static_cast<int>(config.getint("uart_address", 0, {.minval = 0, .maxval = max_addr}));
  auto* mcu = dynamic_cast<Mcu*>(rx.chip);
  if (!mcu) throw PinError(fmt::format("{}: uart_pin must be on an mcu", section));
  auto& reg = registry(printer_);
  std::string key = rx.chip_name + ":" + rx.pin;
  auto& line = reg.lines[key];
  if (!line) {
    auto& mutex = reg.mutexes[mcu];
    if (!mutex) mutex = std::make_unique<ReactorMutex>(printer_.get_reactor());
    line = std::make_unique<TmcUartBitbang>(*mcu, rx, tx, select_pins, *mutex);
  }
  uart_ = line.get();
  instance_id_ = uart_->register_instance(rx, tx, select_pins, addr_);
}

int McuTmcUart::reg_addr(const std::string& reg_name) const {
  auto addr = fields_.chip().address(reg_name);
  if (!addr) throw CommandError(fmt::format("Unknown register name '{}'", reg_name));
  return *addr;
}

uint32_t McuTmcUart::do_get_register(const std::string& reg_name) {
  int reg = reg_addr(reg_name);
  if (printer_.is_batch_mode()) return 0;
  for (int retry = 0; retry < 5; retry++) {
    auto val = uart_->reg_read(instance_id_, addr_, reg);
    if (val) return *val;
  }
  throw CommandError(fmt::format("Unable to read tmc uart '{}' register {}", name_, reg_name));
}

uint32_t McuTmcUart::get_register(const std::string& reg_name) {
  ReactorLock lock(uart_->mutex());
  return do_get_register(reg_name);
}

void McuTmcUart::set_register(const std::string& reg_name, uint32_t val,
                              std::optional<double> print_time) {
  int reg = reg_addr(reg_name);
  if (printer_.is_batch_mode()) return;
  ReactorLock lock(uart_->mutex());
  // IFCNT counts successful writes: a write is confirmed when it went up by one.
  for (int retry = 0; retry < 5; retry++) {
    if (!ifcnt_) ifcnt_ = do_get_register("IFCNT");
    uint32_t before = *ifcnt_;
    uart_->reg_write(instance_id_, addr_, reg, val, print_time);
    ifcnt_ = do_get_register("IFCNT");
    if (*ifcnt_ == ((before + 1) & 0xff)) return;
  }
  throw CommandError(fmt::format("Unable to write tmc uart '{}' register {}", name_, reg_name));
}

}  // namespace kpp
