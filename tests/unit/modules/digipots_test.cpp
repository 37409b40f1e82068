// [ad5206], [mcp4451], [dac084S085] and [mcp4018] in batch mode: the register writes each chip
// gets, checked against hand-computed codes (and the bytes real Klipper sends for the same
// config lines in its printers.test golden streams).
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::lines_with;
using test::run_batch;

const std::string kBase = test::kNoKinematicsConfig;

TEST(Digipots, Ad5206WritesScaledChannelsAtInit) {
  // generic-rambo.cfg: scale 2.08, channel_1 1.34 -> int(1.34*256/2.08+.5) = 165 = 0xa5.
  auto run = run_batch(kBase + R"([ad5206 stepper_digipot]
enable_pin: PD7
scale: 2.08
channel_1: 1.34
channel_2: 1.0
channel_6: 2.08
)");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "spi_send"),
            (std::vector<std::string>{"spi_send oid=0 data=b'\\x00\\xa5'",
                                      "spi_send oid=0 data=b'\\x01{'",
                                      // Full scale would be 256: clamped to the byte.
                                      "spi_send oid=0 data=b'\\x05\\xff'"}));
  // Init commands: after finalize_config.
  auto fin = std::find_if(run.lines.begin(), run.lines.end(),
                          [](auto& l) { return l.starts_with("finalize_config"); });
  auto first_send = std::find_if(run.lines.begin(), run.lines.end(),
                                 [](auto& l) { return l.starts_with("spi_send"); });
  EXPECT_LT(fin, first_send);
}

TEST(Digipots, Mcp4451EnablesWipersThenWritesThem) {
  // generic-azteeg-x5-mini-v3.cfg: scale 1, wiper_0 0.5 -> int(0.5*255+.5) = 128 = 0x80.
  auto run = run_batch(kBase + R"([mcp4451 pot]
i2c_address: 44
scale: 1
wiper_0: 0.5
wiper_3: 1
)");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "i2c_transfer"),
            (std::vector<std::string>{"i2c_transfer oid=0 write=b'@\\xff' read_len=0",
                                      "i2c_transfer oid=0 write=b'\\xa0\\xff' read_len=0",
                                      "i2c_transfer oid=0 write=b'\\x00\\x80' read_len=0",
                                      "i2c_transfer oid=0 write=b'p\\xff' read_len=0"}));
}

TEST(Digipots, Dac084s085SplitsTheValueOverTwoBytes) {
  // generic-alligator-r2.cfg: scale 2.4, channel_A 0.1 -> int(0.1*255/2.4) = 10 = 0x0a:
  // 0x10 | (10 >> 4) = 0x10, (10 << 4) & 0xf0 = 0xa0.
  auto run = run_batch(kBase + R"([dac084S085 stepper_digipot]
enable_pin: PB4
scale: 2.4
channel_A: 0.1
channel_D: 2.4
)");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(lines_with(run, "spi_send"),
            (std::vector<std::string>{"spi_send oid=0 data=b'\\x10\\xa0'",
                                      "spi_send oid=0 data=b'\\xdf\\xf0'"}));
  EXPECT_EQ(lines_with(run, "spi_set_bus").size(), 1u);
  EXPECT_NE(lines_with(run, "spi_set_bus")[0].find("mode=1"), std::string::npos);
}

TEST(Digipots, Mcp4018SetsWiperAtConnectAndOnSetDigipot) {
  auto run = run_batch(kBase + R"([mcp4018 x_pot]
i2c_software_scl_pin: PJ5
i2c_software_sda_pin: PF3
wiper: 118
scale: 127
[mcp4018 y_pot]
i2c_software_scl_pin: PJ5
i2c_software_sda_pin: PF7
wiper: 40
scale: 127
)",
                       "SET_DIGIPOT DIGIPOT=y_pot WIPER=63.5\n"
                       "SET_DIGIPOT DIGIPOT=y_pot WIPER=200\n");
  // The second SET_DIGIPOT is out of range: an error, nothing sent.
  EXPECT_EQ(lines_with(run, "i2c_set_sw_bus"),
            (std::vector<std::string>{
                "i2c_set_sw_bus oid=0 scl_pin=PJ5 sda_pin=PF3 pulse_ticks=80 address=47",
                "i2c_set_sw_bus oid=1 scl_pin=PJ5 sda_pin=PF7 pulse_ticks=80 address=47"}));
  EXPECT_EQ(lines_with(run, "i2c_transfer"),
            (std::vector<std::string>{"i2c_transfer oid=0 write=b'v' read_len=0",
                                      "i2c_transfer oid=1 write=b'(' read_len=0",
                                      "i2c_transfer oid=1 write=b'@' read_len=0"}));
}

TEST(Digipots, ChannelAboveScaleIsAConfigError) {
  auto run = run_batch(kBase + R"([ad5206 pot]
enable_pin: PD7
scale: 2
channel_1: 2.5
)");
  EXPECT_NE(run.result, "exit");
  EXPECT_NE(run.state.find("channel_1"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
