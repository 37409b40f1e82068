// SPI and I2C bus objects.
#include "mcu/bus.h"

#include <fmt/format.h>

#include "mcu/pins.h"

namespace kpp {

namespace {

std::string hex(const std::vector<uint8_t>& data) {
  std::string out;
  for (uint8_t b : data) out += fmt::format("{:02x}", b);
  return out;
}

mcu::ParamValue bytes_value(const std::vector<uint8_t>& data) {
  return mcu::ParamValue::bytes(std::string(data.begin(), data.end()));
}

Mcu& mcu_of(const PinParams& p, const std::string& section) {
  auto* mcu = dynamic_cast<Mcu*>(p.chip);
  if (!mcu) throw PinError(fmt::format("{}: bus pins must be on an mcu", section));
  return *mcu;
}

}  // namespace

std::string resolve_bus_name(Mcu& mcu, const std::string& param,
                             const std::optional<std::string>& bus) {
  const auto& dict = mcu.dictionary();
  const mcu::Enumeration* enums = dict.find_enumeration(param);
  if (!enums) enums = dict.find_enumeration("bus");
  if (!enums) return bus.value_or("0");
  std::string name;
  if (!bus) {
    const std::string* key = enums->find_key(0);
    if (!key)
      throw PinError(fmt::format("Must specify {} on mcu '{}'", param, mcu.get_name()));
    name = *key;
  } else {
    name = *bus;
  }
  if (!enums->find_value(name)) throw PinError(fmt::format("Unknown {} '{}'", param, name));
  // The bus's pins are taken.
  auto& ppins = mcu.get_printer().lookup<PrinterPins>("pins");
  auto& resolver = ppins.get_pin_resolver(mcu.get_name());
  std::string reserve = dict.constant("BUS_PINS_" + name, "");
  size_t start = 0;
  while (!reserve.empty() && start <= reserve.size()) {
    size_t end = reserve.find(',', start);
    std::string pin = reserve.substr(start, end == std::string::npos ? std::string::npos
                                                                      : end - start);
    if (!pin.empty()) resolver.reserve_pin(pin, name);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return name;
}

// ---- SPI -------------------------------------------------------------------------------------

McuSpi::McuSpi(Mcu& mcu, std::optional<std::string> bus, std::optional<std::string> pin,
               int mode, int64_t speed, std::optional<std::array<std::string, 3>> sw_pins,
               bool cs_active_high)
    : mcu_(mcu), bus_(std::move(bus)), mode_(mode), speed_(speed), sw_pins_(std::move(sw_pins)) {
  // Chip selects are configured (and released) before any bus is set up.
  oid_ = mcu_.create_oid();
  if (!pin)
    mcu_.add_config_cmd(fmt::format("config_spi_without_cs oid={}", oid_));
  else
    mcu_.add_config_cmd(fmt::format("config_spi oid={} pin={} cs_active_high={}", oid_, *pin,
                                    cs_active_high ? 1 : 0));
  cmd_queue_ = mcu_.alloc_command_queue();
  mcu_.register_config_callback([this] { build_config(); });
}

void McuSpi::setup_shutdown_msg(const std::vector<uint8_t>& shutdown_seq) {
  mcu_.add_config_cmd(fmt::format("config_spi_shutdown oid={} spi_oid={} shutdown_msg={}",
                                  mcu_.create_oid(), oid_, hex(shutdown_seq)));
}

void McuSpi::build_config() {
  if (sw_pins_) {
    // Software SPI clocks at most at spi_speed: one bit per pulse_ticks.
    int64_t pulse_ticks = mcu_.seconds_to_clock(1. / static_cast<double>(speed_));
    mcu_.add_config_cmd(fmt::format(
        "spi_set_sw_bus oid={} miso_pin={} mosi_pin={} sclk_pin={} mode={} pulse_ticks={}", oid_,
        (*sw_pins_)[0], (*sw_pins_)[1], (*sw_pins_)[2], mode_, pulse_ticks));
  } else {
    std::string bus = resolve_bus_name(mcu_, "spi_bus", bus_);
    mcu_.add_config_cmd(
        fmt::format("spi_set_bus oid={} spi_bus={} mode={} rate={}", oid_, bus, mode_, speed_));
  }
  spi_send_cmd_ = mcu_.lookup_command("spi_send oid=%c data=%*s", cmd_queue_);
  spi_transfer_cmd_ = mcu_.lookup_command("spi_transfer oid=%c data=%*s", cmd_queue_);
}

void McuSpi::spi_send(const std::vector<uint8_t>& data, uint64_t minclock, uint64_t reqclock) {
  if (!spi_send_cmd_) {
    mcu_.add_config_cmd(fmt::format("spi_send oid={} data={}", oid_, hex(data)), true);
    return;
  }
  std::vector<mcu::ParamValue> values{mcu::ParamValue::integer(oid_), bytes_value(data)};
  spi_send_cmd_.send_values(values, minclock, reqclock);
}

std::string McuSpi::spi_transfer(const std::vector<uint8_t>& data, uint64_t minclock,
                                 uint64_t reqclock) {
  if (!spi_transfer_cmd_) throw McuError("spi_transfer before the MCU is configured");
  std::vector<uint8_t> msg;
  spi_transfer_cmd_.format()->encode_values(
      msg, {mcu::ParamValue::integer(oid_), bytes_value(data)});
  auto r = mcu_.serial().send_with_response(msg, "spi_transfer_response", oid_, cmd_queue_,
                                            minclock, std::max(minclock, reqclock));
  return r.get_bytes("response");
}

std::unique_ptr<McuSpi> spi_from_config(const ConfigWrapper& config, int mode,
                                        const std::string& pin_option, int64_t default_speed,
                                        const std::string& share_type, bool cs_active_high) {
  auto& ppins = config.get_printer().lookup<PrinterPins>("pins");
  std::string cs_pin = config.get(pin_option);
  PinParams cs = ppins.lookup_pin(cs_pin, false, false, share_type);
  std::optional<std::string> pin = cs.pin;
  if (cs.pin == "None") {
    ppins.reset_pin_sharing(cs);
    pin.reset();
  }
  Mcu& mcu = mcu_of(cs, config.get_name());
  int64_t speed = config.getint("spi_speed", default_speed, {.minval = 100000});
  std::optional<std::array<std::string, 3>> sw_pins;
  std::optional<std::string> bus;
  if (config.get_opt("spi_software_sclk_pin")) {
    std::array<std::string, 3> names;
    const char* kinds[] = {"miso", "mosi", "sclk"};
    for (int i = 0; i < 3; i++) {
      std::string opt = fmt::format("spi_software_{}_pin", kinds[i]);
      PinParams p = ppins.lookup_pin(config.get(opt), false, false, opt);
      if (p.chip != cs.chip)
        throw PinError(fmt::format("{}: spi pins must be on same mcu", config.get_name()));
      names[i] = p.pin;
    }
    sw_pins = names;
  } else {
    bus = config.get_opt("spi_bus");
  }
  return std::make_unique<McuSpi>(mcu, bus, pin, mode, speed, sw_pins, cs_active_high);
}

// ---- I2C -------------------------------------------------------------------------------------

McuI2c::McuI2c(Mcu& mcu, std::optional<std::string> bus, int addr, int64_t speed,
               std::optional<std::array<std::string, 2>> sw_pins)
    : mcu_(mcu), bus_(std::move(bus)), addr_(addr), speed_(speed), sw_pins_(std::move(sw_pins)) {
  oid_ = mcu_.create_oid();
  mcu_.add_config_cmd(fmt::format("config_i2c oid={}", oid_));
  cmd_queue_ = mcu_.alloc_command_queue();
  mcu_.register_config_callback([this] { build_config(); });
  // Writes asked for before the MCU is configured go out once it is, after its init commands
  // (where Klipper's batch output has them), in the order they were asked for.
  mcu_.get_printer().register_event_handler("klippy:connect", std::function<void()>([this] {
    auto pending = std::move(pending_writes_);
    pending_writes_.clear();
    for (auto& data : pending) i2c_write(data);
  }));
}

void McuI2c::build_config() {
  if (sw_pins_) {
    // One clock half period per pulse_ticks.
    int64_t pulse_ticks = mcu_.seconds_to_clock(1. / static_cast<double>(speed_) / 2.);
    mcu_.add_config_cmd(
        fmt::format("i2c_set_sw_bus oid={} scl_pin={} sda_pin={} pulse_ticks={} address={}",
                    oid_, (*sw_pins_)[0], (*sw_pins_)[1], pulse_ticks, addr_));
  } else {
    std::string bus = resolve_bus_name(mcu_, "i2c_bus", bus_);
    mcu_.add_config_cmd(fmt::format("i2c_set_bus oid={} i2c_bus={} rate={} address={}", oid_,
                                    bus, speed_, addr_));
  }
  i2c_transfer_cmd_ = mcu_.lookup_command("i2c_transfer oid=%c write=%*s read_len=%u", cmd_queue_);
}

void McuI2c::i2c_write(const std::vector<uint8_t>& data, uint64_t minclock, uint64_t reqclock) {
  if (!i2c_transfer_cmd_) {
    pending_writes_.push_back(data);
    return;
  }
  std::vector<mcu::ParamValue> values{mcu::ParamValue::integer(oid_), bytes_value(data),
                                      mcu::ParamValue::integer(0)};
  i2c_transfer_cmd_.send_values(values, minclock, reqclock);
}

std::string McuI2c::i2c_read(const std::vector<uint8_t>& write, int read_len) {
  if (!i2c_transfer_cmd_) throw McuError("i2c_read before the MCU is configured");
  std::vector<uint8_t> msg;
  i2c_transfer_cmd_.format()->encode_values(
      msg, {mcu::ParamValue::integer(oid_), bytes_value(write), mcu::ParamValue::integer(read_len)});
  auto r = mcu_.serial().send_with_response(msg, "i2c_response", oid_, cmd_queue_);
  int64_t status = r.get_int("i2c_bus_status");
  if (status != 0)
    throw McuError(fmt::format("MCU '{}' I2C request to addr {} reports error {}",
                               mcu_.get_name(), addr_,
                               mcu_.dictionary().enumeration_key("i2c_bus_status", status)));
  return r.get_bytes("response");
}

std::unique_ptr<McuI2c> i2c_from_config(const ConfigWrapper& config,
                                        std::optional<int> default_addr, int64_t default_speed) {
  Printer& printer = config.get_printer();
  Mcu& mcu = get_printer_mcu(printer, config.get("i2c_mcu", "mcu"));
  int64_t speed = config.getint("i2c_speed", default_speed, {.minval = 100000});
  int addr = static_cast<int>(default_addr
                                  ? config.getint("i2c_address", *default_addr,
                                                  {.minval = 0, .maxval = 127})
                                  : config.getint("i2c_address", {.minval = 0, .maxval = 127}));
  auto& ppins = printer.lookup<PrinterPins>("pins");
  std::optional<std::array<std::string, 2>> sw_pins;
  std::optional<std::string> bus;
  if (config.get_opt("i2c_software_scl_pin")) {
    std::array<std::string, 2> names;
    const char* kinds[] = {"scl", "sda"};
    for (int i = 0; i < 2; i++) {
      std::string opt = fmt::format("i2c_software_{}_pin", kinds[i]);
      names[i] = ppins.lookup_pin(config.get(opt), false, false, opt).pin;
    }
    sw_pins = names;
  } else {
    bus = config.get_opt("i2c_bus");
  }
  return std::make_unique<McuI2c>(mcu, bus, addr, speed, sw_pins);
}

// ---- Digital output on a bus queue ----------------------------------------------------------

McuBusDigitalOut::McuBusDigitalOut(Mcu& mcu, const std::string& pin_desc, int cmd_queue,
                                   int value)
    : mcu_(mcu), cmd_queue_(cmd_queue) {
  auto& ppins = mcu.get_printer().lookup<PrinterPins>("pins");
  PinParams p = ppins.lookup_pin(pin_desc);
  if (p.chip != &mcu)
    throw PinError(fmt::format("Pin {} must be on mcu {}", pin_desc, mcu.get_name()));
  oid_ = mcu_.create_oid();
  mcu_.add_config_cmd(
      fmt::format("config_digital_out oid={} pin={} value={} default_value={} max_duration=0",
                  oid_, p.pin, value, value));
  mcu_.register_config_callback([this] {
    update_cmd_ = mcu_.lookup_command("update_digital_out oid=%c value=%c", cmd_queue_);
  });
}

void McuBusDigitalOut::update_digital_out(bool value, uint64_t minclock, uint64_t reqclock) {
  if (!update_cmd_) {
    mcu_.add_config_cmd(fmt::format("update_digital_out oid={} value={}", oid_, value ? 1 : 0));
    return;
  }
  update_cmd_.send({oid_, value ? 1 : 0}, minclock, reqclock);
}

}  // namespace kpp
