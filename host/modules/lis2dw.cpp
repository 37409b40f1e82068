// [lis2dw] / [lis3dh] (Klipper's extras/lis2dw.py and lis3dh.py): the host programs the chip's
// registers; the MCU drains its fifo (query_lis2dw, shared by both chips) and streams 6-byte
// samples in sensor_bulk_data messages.
#include "modules/lis2dw.h"

#include <fmt/format.h>

namespace kpp {

namespace {

constexpr int kRegWhoAmI = 0x0F, kRegCtrl1 = 0x20, kRegCtrl2 = 0x21, kRegCtrl4 = 0x23,
              kRegCtrl5 = 0x24, kRegCtrl6 = 0x25, kRegFifoCtrl = 0x2E;
constexpr int kSpiRead = 0x80;
constexpr int kLis2dwId = 0x44, kLis3dhId = 0x33;
constexpr int kDefaultI2cAddr = 0x19;
constexpr double kBatchUpdates = 0.100;
// mg per LSB at +-16g (1.952 for the 14-bit LIS2DW, 11.718 for the 12-bit LIS3DH), divided by
// the left justification of the readings in 16 bits.
constexpr double kLis2dwScale = 9.80665 * 1.952 / 4;
constexpr double kLis3dhScale = 9.80665 * 11.718 / 16;

}  // namespace

std::array<int32_t, 3> decode_lis2dw_sample(const uint8_t* d) {
  std::array<int32_t, 3> r{};
  for (size_t i = 0; i < 3; i++)
    r[i] = static_cast<int16_t>(static_cast<uint16_t>(d[2 * i] | d[2 * i + 1] << 8));
  return r;
}

Lis2dw::Lis2dw(const ConfigWrapper& config, Type type)
    : BulkAccelChip(config, type == Type::kLis2dw ? "lis2dw/dump_lis2dw" : "lis3dh/dump_lis3dh",
                    kBatchUpdates),
      type_(type) {
  double scale = type == Type::kLis2dw ? kLis2dwScale : kLis3dhScale;
  axes_map_ = read_axes_map(config, {scale, scale, scale});
  data_rate_ = type == Type::kLis2dw ? 1600 : 1344;
  int bus_oid;
  std::string bus_type;
  if (config.get_opt("cs_pin")) {
    spi_ = spi_from_config(config, 3, "cs_pin", 5000000);
    mcu_ = &spi_->get_mcu();
    bus_oid = spi_->get_oid();
    cmd_queue_ = spi_->get_command_queue();
    bus_type = "spi";
  } else {
    i2c_ = i2c_from_config(config, kDefaultI2cAddr, 400000);
    mcu_ = &i2c_->get_mcu();
    bus_oid = i2c_->get_oid();
    cmd_queue_ = i2c_->get_command_queue();
    bus_type = "i2c";
  }
  oid_ = mcu_->create_oid();
  mcu_->add_config_cmd(fmt::format("config_lis2dw oid={} bus_oid={} bus_oid_type={} "
                                   "lis_chip_type={}",
                                   oid_, bus_oid, bus_type,
                                   type == Type::kLis2dw ? "LIS2DW" : "LIS3DH"));
  mcu_->add_config_cmd(fmt::format("query_lis2dw oid={} rest_ticks=0", oid_), false, true);
  mcu_->register_config_callback([this] { build_config(); });
  init_reader(*mcu_, data_rate_ * kBatchUpdates * 2, 6);
}

void Lis2dw::build_config() {
  query_cmd_ = mcu_->lookup_command("query_lis2dw oid=%c rest_ticks=%u", cmd_queue_);
  reader().setup_query_command("query_lis2dw_status oid=%c", oid_, cmd_queue_);
}

int Lis2dw::read_reg(int reg) {
  if (spi_) {
    std::string r = spi_->spi_transfer({static_cast<uint8_t>(reg | kSpiRead), 0});
    return r.size() > 1 ? static_cast<uint8_t>(r[1]) : 0;
  }
  std::string r = i2c_->i2c_read({static_cast<uint8_t>(reg)}, 1);
  return r.empty() ? 0 : static_cast<uint8_t>(r[0]);
}

void Lis2dw::set_reg(int reg, int val) {
  std::vector<uint8_t> msg{static_cast<uint8_t>(reg), static_cast<uint8_t>(val & 0xff)};
  if (spi_)
    spi_->spi_send(msg);
  else
    i2c_->i2c_write(msg);
  int stored = read_reg(reg);
  if (stored != val)
    throw CommandError(fmt::format(
        "Failed to set LIS2DW register [0x{:x}] to 0x{:x}: got 0x{:x}. This is generally "
        "indicative of connection problems (e.g. faulty wiring) or a faulty lis2dw chip.",
        reg, val, stored));
}

void Lis2dw::start_measurements() {
  // A wrong id means miswiring: better than taking noise for measurements.
  int dev_id = read_reg(kRegWhoAmI);
  bool lis2dw = type_ == Type::kLis2dw;
  const char* chip = lis2dw ? "lis2dw" : "lis3dh";
  int want = lis2dw ? kLis2dwId : kLis3dhId;
  if (dev_id != want)
    throw CommandError(fmt::format(
        "Invalid {0} id (got {1:x} vs {2:x}).\nThis is generally indicative of connection "
        "problems\n(e.g. faulty wiring) or a faulty {0} chip.",
        chip, dev_id, want));
  if (lis2dw) {
    if (spi_) set_reg(kRegCtrl2, 0x06);  // SPI only: disable the I2C interface
    set_reg(kRegCtrl6, 0x34);            // ODR/2 low-pass, +-16g, low noise
    set_reg(kRegFifoCtrl, 0xC0);         // continuous: a full fifo overwrites the oldest
    set_reg(kRegCtrl1, 0x94);            // 1600 Hz high-performance (14 bit)
  } else {
    set_reg(kRegCtrl1, 0x97);    // 1344 Hz, x, y, z on
    set_reg(kRegCtrl2, 0x00);    // no filtering
    set_reg(kRegCtrl4, 0x38);    // +-16g, high resolution (12 bit)
    set_reg(kRegCtrl5, 0x40);    // fifo on
    set_reg(kRegFifoCtrl, 0x80);  // stream mode
  }
  int64_t rest_ticks = mcu_->seconds_to_clock(4. / data_rate_);
  query_cmd_.send({oid_, rest_ticks});
  set_reg(kRegFifoCtrl, lis2dw ? 0xC0 : 0x80);
  reader().note_start();
  last_error_count_ = 0;
}

void Lis2dw::finish_measurements() {
  set_reg(kRegFifoCtrl, 0x00);
  std::array<int64_t, 2> args{oid_, 0};
  mcu_->serial_queue().send_wait_ack(query_cmd_.queue(), query_cmd_.encode(args), 0, 0);
  reader().note_end();
}

void Lis2dw::convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                             uint32_t& /*errors*/) {
  out.reserve(out.size() + raw.size());
  for (const BulkSample& s : raw)
    out.push_back(axes_map_.apply(s.time, decode_lis2dw_sample(s.data.data())));
}

namespace {
std::shared_ptr<PrinterObject> load_lis2dw(ConfigWrapper& config) {
  return std::make_shared<Lis2dw>(config, Lis2dw::Type::kLis2dw);
}
std::shared_ptr<PrinterObject> load_lis3dh(ConfigWrapper& config) {
  return std::make_shared<Lis2dw>(config, Lis2dw::Type::kLis3dh);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(lis2dw, kpp::load_lis2dw, kpp::load_lis2dw)
KPP_REGISTER_MODULE(lis3dh, kpp::load_lis3dh, kpp::load_lis3dh)
