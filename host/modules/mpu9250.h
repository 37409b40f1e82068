// [mpu9250]: MPU-9250 family accelerometers on I2C (see mpu9250.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "mcu/bus.h"
#include "modules/accelerometer.h"

namespace kpp {

// Raw x, y, z of one 6-byte sample: three big-endian signed 16-bit values (the chip's fifo
// order).
std::array<int32_t, 3> decode_mpu9250_sample(const uint8_t* d);

class Mpu9250 : public BulkAccelChip {
 public:
  explicit Mpu9250(const ConfigWrapper& config);
  int read_reg(int reg) override;
  void set_reg(int reg, int val) override;

 private:
  void build_config();
  void start_measurements() override;
  void finish_measurements() override;
  void convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                       uint32_t& errors) override;
  void set_reg_at(int reg, int val, uint64_t minclock);

  AxesMap axes_map_;
  int data_rate_ = 4000;
  std::unique_ptr<McuI2c> i2c_;
  Mcu* mcu_ = nullptr;
  int oid_ = 0;
  McuCommand query_cmd_;
};

}  // namespace kpp
