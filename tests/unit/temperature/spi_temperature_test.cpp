// SPI chip conversions against the datasheets' example register values.
#include <gtest/gtest.h>

#include "modules/spi_temperature.h"

namespace kpp {
namespace {

using namespace spi_temp;

TEST(SpiTemperature, Max6675) {
  // D14..D3 count 0.25 C: 100 C is 400 counts.
  EXPECT_DOUBLE_EQ(max6675_temp(400u << 3), 100.);
  EXPECT_DOUBLE_EQ(max6675_temp(4095u << 3), 1023.75);  // full scale
  EXPECT_DOUBLE_EQ(max6675_temp((100u << 3) | 0x4), 25.);  // the open-input bit is not data
  EXPECT_EQ(max6675_raw(100.), 3200);
  EXPECT_EQ(max6675_raw(-5.), 0);
}

TEST(SpiTemperature, Max31855DatasheetTable) {
  // MAX31855 datasheet table 4 (14-bit thermocouple data, D31..D18).
  auto raw = [](uint32_t bits14) { return bits14 << 18; };
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b01100100000000)), 1600.00);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b00111110100000)), 1000.00);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b00000001100100)), 25.00);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b00000000000001)), 0.25);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b00000000000000)), 0.00);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b11111111111111)), -0.25);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b11111111110000)), -4.00);
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b11110000011000)), -250.00);
  // The cold-junction and fault bits below D18 do not change the reading.
  EXPECT_DOUBLE_EQ(max31855_temp(raw(0b00000001100100) | 0x1234), 25.00);
  EXPECT_EQ(max31855_raw(100.), 104857600);  // the range check Klipper sends for 100 C
}

TEST(SpiTemperature, Max31856DatasheetTable) {
  // MAX31856 datasheet table 3 (19-bit linearized TC temperature, 1/128 C), as the three
  // LTCB bytes read into bits 23..5.
  auto raw = [](uint32_t bits19) { return bits19 << 5; };
  EXPECT_DOUBLE_EQ(max31856_temp(raw(0b0110010000000000000)), 1600.0);
  EXPECT_DOUBLE_EQ(max31856_temp(raw(0b0000011001000000000)), 100.0);
  EXPECT_DOUBLE_EQ(max31856_temp(raw(0b0000000000000000001)), 0.0078125);
  EXPECT_DOUBLE_EQ(max31856_temp(raw(0b1111111111111111111)), -0.0078125);
  EXPECT_DOUBLE_EQ(max31856_temp(raw(0b1111000001100000000)), -250.0);
  EXPECT_EQ(max31856_raw(100.), 409600);
}

TEST(SpiTemperature, Max31865Pt100AndPt1000) {
  // PT100 with the usual 430 ohm reference: 0 C is R = 100, ratio 100/430 of 2^15.
  EXPECT_EQ(max31865_raw(0., 100., 430.), 15240);
  EXPECT_NEAR(max31865_temp(15240, 100., 430.), 0., 0.03);
  // IEC 60751: 138.51 ohm at 100 C, 175.86 ohm at 200 C.
  auto raw_of = [](double r, double ref) {
    return static_cast<uint32_t>(r / ref * 32768. + 0.5) << 1;
  };
  EXPECT_NEAR(max31865_temp(raw_of(138.51, 430.), 100., 430.), 100., 0.05);
  EXPECT_NEAR(max31865_temp(raw_of(175.86, 430.), 100., 430.), 200., 0.05);
  // PT1000 with a 4300 ohm reference: 1385.06 ohm at 100 C.
  EXPECT_NEAR(max31865_temp(raw_of(1385.06, 4300.), 1000., 4300.), 100., 0.05);
  // The fault bit (D0) is not data.
  EXPECT_EQ(max31865_temp(raw_of(138.51, 430.) | 1, 100., 430.),
            max31865_temp(raw_of(138.51, 430.), 100., 430.));
}

}  // namespace
}  // namespace kpp
