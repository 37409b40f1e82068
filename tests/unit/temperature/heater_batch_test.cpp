// Heaters in batch mode: the MCU config commands match what Klipper sends for the same sections
// (golden stream of example-cartesian.cfg), and config errors name the section and option.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kMcu =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 300\nmax_accel: 3000\n";
// The heater_bed and extruder heater parts of example-cartesian.cfg.
const std::string kBed =
    "[heater_bed]\nheater_pin: PH5\nsensor_type: EPCOS 100K B57560G104F\nsensor_pin: PK6\n"
    "control: watermark\nmin_temp: 0\nmax_temp: 110\n";
const std::string kHotend =
    "[heater_generic hotend]\nheater_pin: PB4\nsensor_type: EPCOS 100K B57560G104F\n"
    "sensor_pin: PK5\ncontrol: pid\npid_Kp: 22.2\npid_Ki: 1.08\npid_Kd: 114\nmin_temp: 0\n"
    "max_temp: 210\n";

// The query_analog_in line without its clock (which depends on the oid's time slot).
std::string without_clock(std::string line) {
  auto pos = line.find(" clock=");
  auto end = line.find(' ', pos + 1);
  return line.erase(pos, end - pos);
}

TEST(HeaterBatch, ConfigCommandsMatchKlipper) {
  auto run = run_batch(kMcu + kBed + kHotend);
  ASSERT_EQ(run.result, "exit") << run.state;
  ASSERT_GE(run.lines.size(), 11u);
  // Heater pins are PWM with a 0.1 s cycle and a 3 s max_duration (48000000 ticks at 16 MHz):
  // the MCU turns them off when the host stops refreshing.
  std::vector<std::string> expect = {
      "allocate_oids count=4",
      "config_analog_in oid=0 pin=PK6",
      "config_digital_out oid=1 pin=PH5 value=0 default_value=0 max_duration=48000000",
      "set_digital_out_pwm_cycle oid=1 cycle_ticks=1600000",
      "config_analog_in oid=2 pin=PK5",
      "config_digital_out oid=3 pin=PB4 value=0 default_value=0 max_duration=48000000",
      "set_digital_out_pwm_cycle oid=3 cycle_ticks=1600000",
  };
  for (size_t i = 0; i < expect.size(); i++) EXPECT_EQ(run.lines[i], expect[i]);
  // min_temp/max_temp become the MCU's ADC range check (same values as in Klipper's stream).
  auto queries = lines_with(run, "query_analog_in");
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(without_clock(queries[0]),
            "query_analog_in oid=0 sample_ticks=16000 sample_count=8 rest_ticks=4800000 "
            "bytes_per_report=2 min_value=4100 max_value=8070 range_check_count=4");
  EXPECT_EQ(without_clock(queries[1]),
            "query_analog_in oid=2 sample_ticks=16000 sample_count=8 rest_ticks=4800000 "
            "bytes_per_report=2 min_value=723 max_value=8070 range_check_count=4");
  auto pwm = lines_with(run, "queue_digital_out");
  ASSERT_EQ(pwm.size(), 2u);
  EXPECT_EQ(pwm[0], "queue_digital_out oid=1 clock=3200000 on_ticks=0");
}

TEST(HeaterBatch, GcodesAcceptedInBatchMode) {
  auto run = run_batch(kMcu + kBed + kHotend,
                       "M140 S60\nM190 S60\nSET_HEATER_TEMPERATURE HEATER=hotend TARGET=200\n"
                       "TEMPERATURE_WAIT SENSOR=heater_bed MINIMUM=50\nM105\n"
                       "TURN_OFF_HEATERS\n");
  EXPECT_EQ(run.result, "exit") << run.state;
}

TEST(HeaterBatch, UnknownSensorType) {
  auto run = run_batch(kMcu + "[heater_bed]\nheater_pin: PH5\nsensor_type: NoSuchThing\n"
                              "sensor_pin: PK6\ncontrol: watermark\nmin_temp: 0\nmax_temp: 110\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("Unknown temperature sensor 'NoSuchThing'"), std::string::npos)
      << run.state;
}

TEST(HeaterBatch, BadOptionNamesSectionAndOption) {
  auto run = run_batch(kMcu + "[heater_bed]\nheater_pin: PH5\nsensor_type: EPCOS 100K B57560G104F\n"
                              "sensor_pin: PK6\ncontrol: pid\npid_Kp: 1\npid_Ki: 1\n"
                              "min_temp: 0\nmax_temp: 110\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("pid_Kd"), std::string::npos) << run.state;
  EXPECT_NE(run.state.find("heater_bed"), std::string::npos) << run.state;
  auto bad = run_batch(kMcu + "[heater_bed]\nheater_pin: PH5\nsensor_type: EPCOS 100K B57560G104F\n"
                              "sensor_pin: PK6\ncontrol: watermark\nmin_temp: 0\nmax_temp: 110\n"
                              "max_power: 1.5\n");
  EXPECT_EQ(bad.result, "error_exit");
  EXPECT_NE(bad.state.find("max_power"), std::string::npos) << bad.state;
}

TEST(HeaterBatch, CustomThermistorSection) {
  auto run = run_batch(kMcu +
                       "[thermistor my_ntc]\ntemperature1: 25\nresistance1: 100000\nbeta: 3950\n" +
                       "[heater_bed]\nheater_pin: PH5\nsensor_type: my_ntc\nsensor_pin: PK6\n"
                       "control: watermark\nmin_temp: 0\nmax_temp: 110\n");
  EXPECT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_analog_in").size(), 1u);
}

}  // namespace
}  // namespace kpp
