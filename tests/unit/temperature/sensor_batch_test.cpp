// Temperature sensors in batch mode, compared with Klipper's stream for test/klippy/
// temperature.cfg: SPI thermocouple/RTD setup (bus, init bytes, range check), amplifier and RTD
// ADC ranges, custom [thermistor]/[adc_temperature] types and [temperature_combined].
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kMcu =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n";

// Drop " clock=N" (it depends on the oid's time slot).
std::string without_clock(std::string line) {
  auto pos = line.find(" clock=");
  if (pos == std::string::npos) return line;
  auto end = line.find(' ', pos + 1);
  return line.erase(pos, end - pos);
}

std::vector<std::string> strip(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (auto& l : lines) out.push_back(without_clock(l));
  return out;
}

TEST(SensorBatch, SpiThermocouplesMatchKlipper) {
  auto run = run_batch(kMcu +
                       "[temperature_sensor a]\nsensor_type: MAX6675\nsensor_pin: PE4\n"
                       "min_temp: 0\nmax_temp: 100\n"
                       "[temperature_sensor b]\nsensor_type: MAX31855\nsensor_pin: PE3\n"
                       "min_temp: 0\nmax_temp: 100\n"
                       "[temperature_sensor c]\nsensor_type: MAX31856\nsensor_pin: PH4\n"
                       "min_temp: 0\nmax_temp: 100\n"
                       "[temperature_sensor d]\nsensor_type: MAX31865\nsensor_pin: PB7\n"
                       "min_temp: 0\nmax_temp: 100\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_spi"),
            (std::vector<std::string>{"config_spi oid=0 pin=PE4 cs_active_high=0",
                                      "config_spi oid=2 pin=PE3 cs_active_high=0",
                                      "config_spi oid=4 pin=PH4 cs_active_high=0",
                                      "config_spi oid=6 pin=PB7 cs_active_high=0"}));
  EXPECT_EQ(lines_with(run, "spi_set_bus"),
            (std::vector<std::string>{"spi_set_bus oid=0 spi_bus=spi mode=0 rate=4000000",
                                      "spi_set_bus oid=2 spi_bus=spi mode=0 rate=4000000",
                                      "spi_set_bus oid=4 spi_bus=spi mode=1 rate=4000000",
                                      "spi_set_bus oid=6 spi_bus=spi mode=1 rate=4000000"}));
  EXPECT_EQ(lines_with(run, "config_thermocouple"),
            (std::vector<std::string>{
                "config_thermocouple oid=1 spi_oid=0 thermocouple_type=MAX6675",
                "config_thermocouple oid=3 spi_oid=2 thermocouple_type=MAX31855",
                "config_thermocouple oid=5 spi_oid=4 thermocouple_type=MAX31856",
                "config_thermocouple oid=7 spi_oid=6 thermocouple_type=MAX31865"}));
  // Register setup of the MAX31856 (averaging, type K) and MAX31865 (bias, 3-wire off, 50 Hz).
  EXPECT_EQ(lines_with(run, "spi_send"),
            (std::vector<std::string>{"spi_send oid=4 data=b'\\x80\\x80\\x03\\x03'",
                                      "spi_send oid=6 data=b'\\x80\\xc2'"}));
  EXPECT_EQ(strip(lines_with(run, "query_thermocouple")),
            (std::vector<std::string>{
                "query_thermocouple oid=1 rest_ticks=4800000 min_value=0 max_value=3200 "
                "max_invalid_count=3",
                "query_thermocouple oid=3 rest_ticks=4800000 min_value=0 max_value=104857600 "
                "max_invalid_count=3",
                "query_thermocouple oid=5 rest_ticks=4800000 min_value=0 max_value=409600 "
                "max_invalid_count=3",
                "query_thermocouple oid=7 rest_ticks=4800000 min_value=15240 max_value=21110 "
                "max_invalid_count=3"}));
}

TEST(SensorBatch, AdcSensorRangesMatchKlipper) {
  auto run = run_batch(
      kMcu +
      "[heater_bed]\nheater_pin: PH5\nsensor_type: PT100 INA826\nsensor_pin: PK6\n"
      "control: watermark\nmin_temp: 0\nmax_temp: 130\n"
      "[heater_generic hotend]\nheater_pin: PB4\nsensor_type: AD595\nsensor_pin: PK5\n"
      "control: watermark\nmin_temp: 0\nmax_temp: 250\n"
      "[thermistor my_custom_thermistor]\ntemperature1: 25\nresistance1: 100000\n"
      "temperature2: 100\nresistance2: 1500\ntemperature3: 250\nresistance3: 100\n"
      "[heater_generic th]\nheater_pin: PJ0\nsensor_type: my_custom_thermistor\n"
      "sensor_pin: PF3\ncontrol: watermark\nmin_temp: 0\nmax_temp: 100\n"
      "[adc_temperature my_custom_adc]\ntemperature1: 25\nvoltage1: 1\ntemperature2: 100\n"
      "voltage2: 2\ntemperature3: 250\nvoltage3: 3\n"
      "[heater_generic adc]\nheater_pin: PH1\nsensor_type: my_custom_adc\nsensor_pin: PF4\n"
      "control: watermark\nmin_temp: 0\nmax_temp: 100\n"
      "[adc_temperature my_custom_resistance_adc]\ntemperature1: 25\nresistance1: 1000\n"
      "temperature2: 100\nresistance2: 2000\ntemperature3: 250\nresistance3: 3000\n"
      "[temperature_sensor test_custom_resistance_adc]\n"
      "sensor_type: my_custom_resistance_adc\nsensor_pin: PF5\n"
      "[temperature_sensor test_PT1000]\nsensor_type: PT1000\nsensor_pin: PK1\n"
      "[temperature_sensor test_combined]\nsensor_type: temperature_combined\n"
      "sensor_list: temperature_sensor test_PT1000,heater_generic hotend,heater_bed\n"
      "combination_method: mean\nmaximum_deviation: 20.0\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto q = strip(lines_with(run, "query_analog_in"));
  const std::string common =
      " sample_ticks=16000 sample_count=8 rest_ticks=4800000 bytes_per_report=2 ";
  EXPECT_EQ(q, (std::vector<std::string>{
                   "query_analog_in oid=0" + common + "min_value=1818 max_value=2696 "
                   "range_check_count=4",
                   "query_analog_in oid=2" + common + "min_value=4 max_value=4115 "
                   "range_check_count=4",
                   "query_analog_in oid=4" + common + "min_value=3743 max_value=8097 "
                   "range_check_count=4",
                   "query_analog_in oid=6" + common + "min_value=1091 max_value=3274 "
                   "range_check_count=4",
                   "query_analog_in oid=8" + common + "min_value=0 max_value=8184 "
                   "range_check_count=4",
                   "query_analog_in oid=9" + common + "min_value=0 max_value=8184 "
                   "range_check_count=4"}));
}

TEST(SensorBatch, CombinedSensorNeedsKnownSensors) {
  auto run = run_batch(kMcu + "[temperature_sensor c]\nsensor_type: temperature_combined\n"
                              "sensor_list: nosuch\ncombination_method: max\n"
                              "maximum_deviation: 5\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("nosuch"), std::string::npos) << run.state;
}

// temperature_mcu in batch mode: no calibration can be read, so the sensor samples over the
// whole ADC range without a range check (Klipper's printers.test gtr/mellow streams).
TEST(SensorBatch, TemperatureMcuHasNoRangeCheckInBatchMode) {
  auto run = run_batch(kMcu + "[temperature_sensor mcu_temp]\nsensor_type: temperature_mcu\n",
                       "\n", std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/stm32f407.dict");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_analog_in"),
            (std::vector<std::string>{"config_analog_in oid=0 pin=ADC_TEMPERATURE"}));
  EXPECT_EQ(strip(lines_with(run, "query_analog_in")),
            (std::vector<std::string>{
                "query_analog_in oid=0 sample_ticks=168000 sample_count=8 rest_ticks=50400000 "
                "bytes_per_report=2 min_value=0 max_value=32760 range_check_count=0"}));
}

}  // namespace
}  // namespace kpp
