// [adxl345]: ADXL345 accelerometer on SPI (see adxl345.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "mcu/bus.h"
#include "modules/accelerometer.h"

namespace kpp {

// Raw x, y, z (13-bit signed, full resolution) of one 5-byte sample as the MCU packs it;
// nullopt for a sample the MCU flagged as garbled.
std::optional<std::array<int32_t, 3>> decode_adxl345_sample(const uint8_t* d);

class Adxl345 : public BulkAccelChip {
 public:
  explicit Adxl345(const ConfigWrapper& config);
  int read_reg(int reg) override;
  // Write and read back; CommandError when the chip does not keep the value.
  void set_reg(int reg, int val) override;

 private:
  void build_config();
  void start_measurements() override;
  void finish_measurements() override;
  void convert_samples(const std::vector<BulkSample>& raw, std::vector<AccelSample>& out,
                       uint32_t& errors) override;

  AxesMap axes_map_;
  int data_rate_ = 3200;
  std::unique_ptr<McuSpi> spi_;
  Mcu* mcu_ = nullptr;
  int oid_ = 0;
  McuCommand query_cmd_;
};

}  // namespace kpp
