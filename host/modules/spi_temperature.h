// Raw-value conversions of the SPI temperature chips (datasheet formats), shared by the sensors
// in spi_temperature.cpp and their tests. `raw` is the value the MCU's thermocouple polling
// reports (the chip's register bits, left-aligned as read).
#pragma once

#include <cstdint>

namespace kpp::spi_temp {

// MAX6675: 12 bits of 0.25 C in D14..D3.
double max6675_temp(uint32_t raw);
int64_t max6675_raw(double temp);
// MAX31855: 14-bit two's complement of 0.25 C in D31..D18.
double max31855_temp(uint32_t raw);
int64_t max31855_raw(double temp);
// MAX31856: 19-bit two's complement of 1/128 C, read as the three LTC bytes shifted by 5.
double max31856_temp(uint32_t raw);
int64_t max31856_raw(double temp);
// MAX31865: 15-bit RTD ratio (times 2, fault bit in D0) of reference_r; platinum with
// nominal_r ohms at 0 C (Callendar-Van Dusen, t >= 0).
double max31865_temp(uint32_t raw, double nominal_r, double reference_r);
int64_t max31865_raw(double temp, double nominal_r, double reference_r);

}  // namespace kpp::spi_temp
