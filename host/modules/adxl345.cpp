// [adxl345] / [adxl345 name]: the ADXL345 accelerometer on SPI (Klipper's extras/adxl345.py).
// The host programs the chip's registers over spi_send/spi_transfer; the MCU polls its fifo
// (query_adxl345) and streams 5-byte samples in sensor_bulk_data messages.
#include "modules/adxl345.h"

#include <fmt/format.h>

#include "mcu/bus.h"

namespace kpp {

namespace {

constexpr int kRegDevId = 0x00, kRegBwRate = 0x2C, kRegPowerCtl = 0x2D, kRegDataFormat = 0x31,
              kRegFifoCtl = 0x38;
constexpr int kRegModRead = 0x80;
constexpr int kDevId = 0xe5;
constexpr int kSetFifoCtl = 0x90;  // stream mode, trigger on INT2
constexpr double kBatchUpdates = 0.100;
// Sensitivity at +-16g full resolution: 3.774 mg/LSB for X and Y, 3.906 mg/LSB for Z.
constexpr double kScaleXY = 0.003774 * kFreefallAccel;
constexpr double kScaleZ = 0.003906 * kFreefallAccel;

int rate_code(int rate) {
  switch (rate) {
    case 25: return 0x8;
    case 50: return 0x9;
    case 100: return 0xa;
    case 200: return 0xb;
    case 400: return 0xc;
    case 800: return 0xd;
    case 1600: return 0xe;
    case 3200: return 0xf;
    default: return -1;
  }
}

}  // namespace

std::optional<std::array<int32_t, 3>> decode_adxl345_sample(const uint8_t* d) {
  // Bytes: x low, y low, z low, then x high (5 bits) with z bits 8-10 on top, and y high
  // (5 bits) with z bits 11-12; bit 7 of the last byte flags a garbled read.
  uint8_t xlow = d[0], ylow = d[1], zlow = d[2], xzhigh = d[3], yzhigh = d[4];
  if (yzhigh & 0x80) return std::nullopt;
  int32_t rx = (xlow | ((xzhigh & 0x1f) << 8)) - ((xzhigh & 0x10) << 9);
  int32_t ry = (ylow | ((yzhigh & 0x1f) << 8)) - ((yzhigh & 0x10) << 9);
  int32_t rz = (zlow | ((xzhigh & 0xe0) << 3) | ((yzhigh & 0xe0) << 6)) - ((yzhigh & 0x40) << 7);
  return std::array<int32_t, 3>{rx, ry, rz};
}

Adxl345::Adxl345(const ConfigWrapper& config)
    : BulkAccelChip(config, "adxl345/dump_adxl345", kBatchUpdates),
      axes_map_(read_axes_map(config, {kScaleXY, kScaleXY, kScaleZ})) {
  data_rate_ = static_cast<int>(config.getint("rate", 3200));
  if (rate_code(data_rate_) < 0)
    throw config.error(fmt::format("Invalid rate parameter: {}", data_rate_));
  spi_ = spi_from_config(config, 3, "cs_pin", 5000000);
  mcu_ = &spi_->get_mcu();
  oid_ = mcu_->create_oid();
  mcu_->add_config_cmd(fmt::format("config_adxl345 oid={} spi_oid={}", oid_, spi_->get_oid()));
  mcu_->add_config_cmd(fmt::format("query_adxl345 oid={} rest_ticks=0", oid_), false, true);
  mcu_->register_config_callback([this] { build_config(); });
  init_reader(*mcu_, data_rate_ * kBatchUpdates * 2, 5);
}

void Adxl345::build_config() {
  int cq = spi_->get_command_queue();
  query_cmd_ = mcu_->lookup_command("query_adxl345 oid=%c rest_ticks=%u", cq);
  reader().setup_query_command("query_adxl345_status oid=%c", oid_, cq);
}

int Adxl345::read_reg(int reg) {
  std::string r = spi_->spi_transfer({static_cast<uint8_t>(reg | kRegModRead), 0});
  return r.size() > 1 ? static_cast<uint8_t>(r[1]) : 0;
}

void Adxl345::set_reg(int reg, int val) {
  spi_->spi_send({static_cast<uint8_t>(reg), static_cast<uint8_t>(val & 0xff)});
  int stored = read_reg(reg);
  if (stored != val)
    throw CommandError(fmt::format(
        "Failed to set ADXL345 register [0x{:x}] to 0x{:x}: got 0x{:x}. This is generally "
        "indicative of connection problems (e.g. faulty wiring) or a faulty adxl345 chip.",
        reg, val, stored));
}

void Adxl345::start_measurements() {
  // A wrong id means miswiring: better than taking noise for measurements.
  int dev_id = read_reg(kRegDevId);
  if (dev_id != kDevId)
    throw CommandError(fmt::format(
        "Invalid adxl345 id (got {:x} vs {:x}).\nThis is generally indicative of connection "
        "problems\n(e.g. faulty wiring) or a faulty adxl345 chip.",
        dev_id, kDevId));
  set_reg(kRegPowerCtl, 0x00);
  set_reg(kRegDataFormat, 0x0B);
  set_reg(kRegFifoCtl, 0x00);
  set_reg(kRegBwRate, rate_code(data_rate_));
  set_reg(kRegFifoCtl, kSetFifoCtl);
  // Poll the fifo every 4 samples.
  int64_t rest_ticks = mcu_->seconds_to_clock(4. / data_rate_);
  query_cmd_.send({oid_, rest_ticks});
  set_reg(kRegPowerCtl, 0x08);
  reader().note_start();
  last_error_count_ = 0;
}

void Adxl345::finish_measurements() {
  set_reg(kRegPowerCtl, 0x00);
  std::array<int64_t, 2> args{oid_, 0};
  auto msg = query_cmd_.encode(args);
  mcu_->serial_queue().send_wait_ack(query_cmd_.queue(), msg, 0, 0);
  reader().note_end();
}

void Adxl345::convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                              uint32_t& errors) {
  out.reserve(out.size() + raw.size());
  for (const BulkSample& s : raw) {
    auto xyz = decode_adxl345_sample(s.data.data());
    if (!xyz) {
      errors++;
      continue;
    }
    out.push_back(axes_map_.apply(s.time, *xyz));
  }
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<Adxl345>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(adxl345, kpp::load, kpp::load)
