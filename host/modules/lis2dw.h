// [lis2dw] and [lis3dh]: ST accelerometers on SPI (cs_pin given) or I2C (see lis2dw.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "mcu/bus.h"
#include "modules/accelerometer.h"

namespace kpp {

// Raw x, y, z of one 6-byte sample: three little-endian signed 16-bit values (left-justified
// readings, as the chip's output registers hold them).
std::array<int32_t, 3> decode_lis2dw_sample(const uint8_t* d);

class Lis2dw : public BulkAccelChip {
 public:
  enum class Type { kLis2dw, kLis3dh };
  Lis2dw(const ConfigWrapper& config, Type type);
  int read_reg(int reg) override;
  // Write and read back; CommandError when the chip does not keep the value.
  void set_reg(int reg, int val) override;

 private:
  void build_config();
  void start_measurements() override;
  void finish_measurements() override;
  void convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                       uint32_t& errors) override;

  Type type_;
  AxesMap axes_map_;
  int data_rate_;
  std::unique_ptr<McuSpi> spi_;  // one of spi_ / i2c_
  std::unique_ptr<McuI2c> i2c_;
  Mcu* mcu_ = nullptr;
  int oid_ = 0;
  int cmd_queue_ = 0;
  McuCommand query_cmd_;
};

}  // namespace kpp
