// [sx1509] in batch mode: the register image written at connect follows the configured pins,
// and SET_PIN rewrites the affected register; misuse is a config error.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase = test::kNoKinematicsConfig + "[sx1509 ex]\ni2c_address: 62\n";

TEST(Sx1509, RegistersAtConnectAndOnSetPin) {
  auto run = run_batch(kBase + R"([output_pin fan]
pin: sx1509_ex:PIN_3
pwm: True
hardware_pwm: True
[output_pin led]
pin: !sx1509_ex:PIN_9
value: 1
)",
                       "SET_PIN PIN=fan VALUE=0.5\nSET_PIN PIN=led VALUE=0\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto writes = lines_with(run, "i2c_transfer");
  ASSERT_EQ(writes.size(), 4u + 6u + 16u + 2u);
  EXPECT_EQ(writes[0], "i2c_transfer oid=0 write=b'}\\x12' read_len=0");  // reset
  // DIR: pins 3 and 9 outputs. DATA: pin 9 inverted, value 1 -> low; pwm pin 3 low.
  EXPECT_EQ(writes[4], "i2c_transfer oid=0 write=b'\\x0e\\xfd\\xf7' read_len=0");
  EXPECT_EQ(writes[5], "i2c_transfer oid=0 write=b'\\x10\\x00\\x00' read_len=0");
  // INPUT_DISABLE and ANALOG_DRIVER_ENABLE: the pwm pin.
  EXPECT_EQ(writes[8], "i2c_transfer oid=0 write=b'\\x00\\x00\\x08' read_len=0");
  EXPECT_EQ(writes[9], "i2c_transfer oid=0 write=b' \\x00\\x08' read_len=0");
  // I_ON of pin 3 (register 0x33 '3'): duty 0 is intensity 255.
  EXPECT_EQ(writes[13], "i2c_transfer oid=0 write=b'3\\xff' read_len=0");
  // SET_PIN fan 0.5: ~127 & 0xff = 0x80; SET_PIN led 0 (inverted): pin 9 high.
  EXPECT_EQ(writes[26], "i2c_transfer oid=0 write=b'3\\x80' read_len=0");
  EXPECT_EQ(writes[27], "i2c_transfer oid=0 write=b'\\x10\\x02\\x00' read_len=0");
}

TEST(Sx1509, MisuseIsAConfigError) {
  auto soft = run_batch(kBase + "[output_pin fan]\npin: sx1509_ex:PIN_3\npwm: True\n");
  EXPECT_NE(soft.state.find("SX1509_pwm must have hardware_pwm enabled"), std::string::npos)
      << soft.state;
  auto heater = run_batch(kBase +
                          "[heater_generic h]\nheater_pin: sx1509_ex:PIN_1\nsensor_type: "
                          "EPCOS 100K B57560G104F\nsensor_pin: PK5\ncontrol: watermark\n"
                          "min_temp: 0\nmax_temp: 100\n");
  EXPECT_NE(heater.state.find("not suitable for heaters"), std::string::npos) << heater.state;
  auto bad = run_batch(kBase + "[output_pin x]\npin: sx1509_ex:PIN_16\n");
  EXPECT_NE(bad.state.find("PIN_16"), std::string::npos) << bad.state;
}

}  // namespace
}  // namespace kpp
