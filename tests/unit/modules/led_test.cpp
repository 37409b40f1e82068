// [led], [neopixel], [dotstar], [pca9533], [pca9632] in batch mode: the bytes each chip gets at
// connect and after SET_LED (checked against real Klipper's led.test stream), TRANSMIT=0, INDEX,
// and the color_data status.
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase = test::kNoKinematicsConfig;

TEST(Led, PwmLedChangesOnlyChangedChannelsAtLeast100msApart) {
  auto run = run_batch(kBase + "[led lled]\nred_pin: PA2\ninitial_RED: 0.2\n",
                       "SET_LED LED=lled RED=0.2\nSET_LED LED=lled RED=0.3 TRANSMIT=0\n"
                       "SET_LED LED=lled RED=0.4\nSET_LED LED=lled RED=0.5 SYNC=0\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "queue_digital_out"),
            (std::vector<std::string>{"queue_digital_out oid=0 clock=3200000 on_ticks=32000",
                                      "queue_digital_out oid=0 clock=4000000 on_ticks=64000",
                                      "queue_digital_out oid=0 clock=5600000 on_ticks=80000"}));
}

TEST(Led, NeopixelSendsChangedBytesInGrbOrder) {
  auto run = run_batch(kBase + "[neopixel nled]\npin: PA3\nchain_count: 4\ninitial_RED: 0.2\n"
                               "initial_GREEN: 0.3\ninitial_BLUE: 0.4\n",
                       "SET_LED LED=nled RED=0.2\nSET_LED LED=nled RED=0.4\n"
                       "SET_LED LED=nled INDEX=2 RED=0.2\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "config_neopixel"),
            (std::vector<std::string>{"config_neopixel oid=0 pin=PA3 data_size=12 "
                                      "bit_max_ticks=64 reset_min_ticks=800"}));
  EXPECT_EQ(lines_with(run, "neopixel_update"),
            (std::vector<std::string>{
                "neopixel_update oid=0 pos=0 data=b'M3fM3fM3fM3f'",
                "neopixel_update oid=0 pos=0 data=b'\\x003\\x00\\x003\\x00\\x003\\x00\\x003\\x00'",
                "neopixel_update oid=0 pos=1 data=b'f\\x00\\x00f\\x00\\x00f\\x00\\x00f'",
                "neopixel_update oid=0 pos=4 data=b'3'"}));
  // Batch mode: nothing answers neopixel_send, so it is not sent.
  EXPECT_TRUE(lines_with(run, "neopixel_send").empty());
}

TEST(Led, DotstarFramesTheWholeChain) {
  auto run = run_batch(kBase + "[dotstar dled]\ndata_pin: PA4\nclock_pin: PA5\nchain_count: 2\n"
                               "initial_RED: 0.2\ninitial_GREEN: 0.3\ninitial_BLUE: 0.4\n",
                       "SET_LED LED=dled INDEX=2 RED=0.2\nSET_LED LED=dled RED=0.2 TRANSMIT=0\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "spi_set_sw_bus"),
            (std::vector<std::string>{"spi_set_sw_bus oid=0 miso_pin=PA4 mosi_pin=PA4 "
                                      "sclk_pin=PA5 mode=0 pulse_ticks=32"}));
  EXPECT_EQ(lines_with(run, "spi_send"),
            (std::vector<std::string>{
                "spi_send oid=0 data=b'\\x00\\x00\\x00\\x00\\xfffM3\\xfffM3\\xff\\xff\\xff\\xff'",
                "spi_send oid=0 data=b'\\x00\\x00\\x00\\x00\\xfffM3\\xff\\x00\\x003\\xff\\xff\\xff\\xff'"}));
}

TEST(Led, Pca9533QuantisesAndPca9632WritesChangedRegisters) {
  auto run = run_batch(kBase + "[pca9533 p5led]\ninitial_RED: 0.1\ninitial_GREEN: 0.2\n"
                               "initial_BLUE: 0.3\n[pca9632 p6led]\ni2c_software_scl_pin: PB1\n"
                               "i2c_software_sda_pin: PB2\ninitial_RED: 0.4\ninitial_GREEN: 0.5\n"
                               "initial_BLUE: 0.6\n",
                       "SET_LED LED=p5led RED=0.4\nSET_LED LED=p6led RED=0.2\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "i2c_transfer oid=0"),
            (std::vector<std::string>{"i2c_transfer oid=0 write=b'\\x02U' read_len=0",
                                      "i2c_transfer oid=0 write=b'\\x04\\xaa' read_len=0",
                                      "i2c_transfer oid=0 write=b'\\x05 ' read_len=0",
                                      "i2c_transfer oid=0 write=b'\\x05\\x02' read_len=0"}));
  EXPECT_EQ(lines_with(run, "i2c_transfer oid=1"),
            (std::vector<std::string>{"i2c_transfer oid=1 write=b'\\x00\\x00' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x01\\x15' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x02f' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x03\\x80' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x04\\x99' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x05\\x00' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x08*' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x023' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x03\\x00' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x04\\x00' read_len=0",
                                      "i2c_transfer oid=1 write=b'\\x08\\x02' read_len=0"}));
}

TEST(Led, ConfigAndCommandErrors) {
  auto nopins = run_batch(kBase + "[led x]\n");
  EXPECT_NE(nopins.state.find("No LED pin definitions found in 'led x'"), std::string::npos)
      << nopins.state;
  auto order = run_batch(kBase + "[neopixel n]\npin: PA3\nchain_count: 2\ncolor_order: GRB, RGX\n");
  EXPECT_NE(order.state.find("Invalid color_order 'RGX'"), std::string::npos) << order.state;
  auto count = run_batch(kBase + "[neopixel n]\npin: PA3\nchain_count: 3\ncolor_order: GRB, RGB\n");
  EXPECT_NE(count.state.find("color_order does not match chain_count"), std::string::npos);
  auto index = run_batch(kBase + "[neopixel n]\npin: PA3\nchain_count: 2\n",
                         "SET_LED LED=n INDEX=3 RED=1\n");
  EXPECT_EQ(index.result, "error_exit");
}

}  // namespace
}  // namespace kpp
