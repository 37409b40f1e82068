// [mpu9250] / [mpu9250 name]: MPU-9250, MPU-9255, MPU-6515, MPU-6050 and MPU-6500 accelerometers
// on I2C (Klipper's extras/mpu9250.py). The host programs the chip over i2c_transfer; the MCU
// reads its fifo (query_mpu9250) in blocks of 8 samples and streams them in sensor_bulk_data.
#include "modules/mpu9250.h"

#include <fmt/format.h>

namespace kpp {

namespace {

constexpr int kDefaultAddr = 0x68;
constexpr int kRegDevId = 0x75, kRegFifoEn = 0x23, kRegSmplrtDiv = 0x19, kRegConfig = 0x1A,
              kRegAccelConfig = 0x1C, kRegAccelConfig2 = 0x1D, kRegUserCtrl = 0x6A,
              kRegPwrMgmt1 = 0x6B, kRegPwrMgmt2 = 0x6C, kRegIntStatus = 0x3A;
constexpr int kSetConfig = 0x01;        // fifo in stream mode
constexpr int kSetAccelConfig = 0x10;   // +-8g full scale
constexpr int kSetAccelConfig2 = 0x08;  // 1046 Hz bandwidth, 4 kHz sample rate
constexpr int kPwrMgmt1Wake = 0x00, kPwrMgmt1Sleep = 0x40;
constexpr int kPwrMgmt2AccelOn = 0x07, kPwrMgmt2Off = 0x3F;
constexpr int kUserFifoReset = 0x04, kUserFifoEn = 0x40;
constexpr int kEnableFifo = 0x08, kDisableFifo = 0x00;
// 1/4096 g per LSB at +-8g.
constexpr double kScale = 0.000244140625 * kFreefallAccel;
constexpr double kBatchUpdates = 0.100;

// Ids of the supported chips (and of known clones that answer with an odd id).
bool known_dev_id(int id) {
  switch (id) {
    case 0x74: case 0x73: case 0x71: case 0x70: case 0x68: case 0x75: case 0x69: return true;
    default: return false;
  }
}

}  // namespace

std::array<int32_t, 3> decode_mpu9250_sample(const uint8_t* d) {
  std::array<int32_t, 3> r{};
  for (size_t i = 0; i < 3; i++)
    r[i] = static_cast<int16_t>(static_cast<uint16_t>(d[2 * i] << 8 | d[2 * i + 1]));
  return r;
}

Mpu9250::Mpu9250(const ConfigWrapper& config)
    : BulkAccelChip(config, "mpu9250/dump_mpu9250", kBatchUpdates),
      axes_map_(read_axes_map(config, {kScale, kScale, kScale})) {
  data_rate_ = static_cast<int>(config.getint("rate", 4000));
  if (data_rate_ != 4000) throw config.error(fmt::format("Invalid rate parameter: {}", data_rate_));
  i2c_ = i2c_from_config(config, kDefaultAddr, 400000);
  mcu_ = &i2c_->get_mcu();
  oid_ = mcu_->create_oid();
  // Unlike the adxl345, the chip's own config goes out with the config callbacks (after the
  // I2C bus setup), as Klipper orders it.
  mcu_->register_config_callback([this] { build_config(); });
  init_reader(*mcu_, data_rate_ * kBatchUpdates * 2, 6);
}

void Mpu9250::build_config() {
  int cq = i2c_->get_command_queue();
  mcu_->add_config_cmd(fmt::format("config_mpu9250 oid={} i2c_oid={}", oid_, i2c_->get_oid()));
  mcu_->add_config_cmd(fmt::format("query_mpu9250 oid={} rest_ticks=0", oid_), false, true);
  query_cmd_ = mcu_->lookup_command("query_mpu9250 oid=%c rest_ticks=%u", cq);
  reader().setup_query_command("query_mpu9250_status oid=%c", oid_, cq);
}

int Mpu9250::read_reg(int reg) {
  std::string r = i2c_->i2c_read({static_cast<uint8_t>(reg)}, 1);
  return r.empty() ? 0 : static_cast<uint8_t>(r[0]);
}

void Mpu9250::set_reg(int reg, int val) { set_reg_at(reg, val, 0); }

void Mpu9250::set_reg_at(int reg, int val, uint64_t minclock) {
  i2c_->i2c_write({static_cast<uint8_t>(reg), static_cast<uint8_t>(val & 0xff)}, minclock);
}

void Mpu9250::start_measurements() {
  // A wrong id means miswiring: better than taking noise for measurements.
  int dev_id = read_reg(kRegDevId);
  if (!known_dev_id(dev_id))
    throw CommandError(fmt::format(
        "Invalid mpu id (got {:x}).\nThis is generally indicative of connection problems\n"
        "(e.g. faulty wiring) or a faulty chip.",
        dev_id));
  set_reg(kRegPwrMgmt1, kPwrMgmt1Wake);
  set_reg(kRegPwrMgmt2, kPwrMgmt2AccelOn);
  // The accelerometer needs 20 ms to wake up: a read makes sure the writes went out, then the
  // next write waits on the MCU's clock.
  read_reg(kRegDevId);
  double next_time = mcu_->estimated_print_time(printer_.get_reactor().monotonic()) + 0.020;
  set_reg_at(kRegSmplrtDiv, 0x00, mcu_->print_time_to_clock(next_time));
  set_reg(kRegConfig, kSetConfig);
  set_reg(kRegAccelConfig, kSetAccelConfig);
  set_reg(kRegAccelConfig2, kSetAccelConfig2);
  set_reg(kRegFifoEn, kDisableFifo);
  set_reg(kRegUserCtrl, kUserFifoReset);
  set_reg(kRegUserCtrl, kUserFifoEn);
  read_reg(kRegIntStatus);  // clears the fifo overflow flag
  int64_t rest_ticks = mcu_->seconds_to_clock(4. / data_rate_);
  query_cmd_.send({oid_, rest_ticks});
  set_reg(kRegFifoEn, kEnableFifo);
  reader().note_start();
  last_error_count_ = 0;
}

void Mpu9250::finish_measurements() {
  set_reg(kRegFifoEn, kDisableFifo);
  std::array<int64_t, 2> args{oid_, 0};
  mcu_->serial_queue().send_wait_ack(query_cmd_.queue(), query_cmd_.encode(args), 0, 0);
  reader().note_end();
  set_reg(kRegPwrMgmt1, kPwrMgmt1Sleep);
  set_reg(kRegPwrMgmt2, kPwrMgmt2Off);
}

void Mpu9250::convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                              uint32_t& /*errors*/) {
  out.reserve(out.size() + raw.size());
  for (const BulkSample& s : raw)
    out.push_back(axes_map_.apply(s.time, decode_mpu9250_sample(s.data.data())));
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<Mpu9250>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(mpu9250, kpp::load, kpp::load)
