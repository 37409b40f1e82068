// Each lcd_type's config commands and init sequence, byte for byte as real Klipper sends them
// (the expected lines are taken from ../shared/golden/klipper, printers/*.txt.gz).
#include <gtest/gtest.h>

#include <algorithm>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const char* kPrinter = "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
                       "max_accel: 3000\n";

test::BatchRun run_display(const std::string& display) {
  return test::run_batch(std::string(kPrinter) + "[display]\n" + display);
}

// `want` appears in `lines` in this order (other lines may come between).
::testing::AssertionResult has_sequence(const std::vector<std::string>& lines,
                                        const std::vector<std::string>& want) {
  auto it = lines.begin();
  for (const auto& w : want) {
    it = std::find(it, lines.end(), w);
    if (it == lines.end()) return ::testing::AssertionFailure() << "missing or out of order: " << w;
    ++it;
  }
  return ::testing::AssertionSuccess();
}

TEST(DisplayDrivers, Hd44780ConfigAndInit) {
  auto run = run_display(
      "lcd_type: hd44780\nrs_pin: PA3\ne_pin: PA2\nd4_pin: PD2\nd5_pin: PD3\nd6_pin: PC0\n"
      "d7_pin: PC1\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_hd44780 oid=0 rs_pin=PA3 e_pin=PA2 d4_pin=PD2 d5_pin=PD3 d6_pin=PC0 d7_pin=PC1 "
       "delay_ticks=640",
       "hd44780_send_cmds oid=0 cmds=b'3'", "hd44780_send_cmds oid=0 cmds=b'3'",
       "hd44780_send_cmds oid=0 cmds=b'2'", "hd44780_send_cmds oid=0 cmds=b'((\\x02'",
       "hd44780_send_cmds oid=0 cmds=b'\\x06\\x0c'", "hd44780_send_cmds oid=0 cmds=b'\\x80'",
       "hd44780_send_data oid=0 data=b'        '", "hd44780_send_cmds oid=0 cmds=b'\\x88'",
       "hd44780_send_data oid=0 data=b'                '",
       "hd44780_send_cmds oid=0 cmds=b'\\x98'", "hd44780_send_cmds oid=0 cmds=b'\\xc0'",
       "hd44780_send_cmds oid=0 cmds=b'@'", "hd44780_send_cmds oid=0 cmds=b'P'",
       "hd44780_send_cmds oid=0 cmds=b'`'", "hd44780_send_cmds oid=0 cmds=b'p'"}));
}

TEST(DisplayDrivers, Hd44780WithoutProtocolInit) {
  auto run = run_display(
      "lcd_type: hd44780\nrs_pin: PA3\ne_pin: PA2\nd4_pin: PD2\nd5_pin: PD3\nd6_pin: PC0\n"
      "d7_pin: PC1\nhd44780_protocol_init: False\nline_length: 16\n");
  auto cmds = test::lines_with(run, "hd44780_send_cmds");
  ASSERT_GE(cmds.size(), 3u);
  EXPECT_EQ(cmds[0], "hd44780_send_cmds oid=0 cmds=b'\\x02'");
  EXPECT_EQ(cmds[1], "hd44780_send_cmds oid=0 cmds=b'\\x06\\x0c'");
  // 2 x 16 characters per controller line: 0..15 (after the 0..15 merge rule) then 16..31.
  EXPECT_EQ(cmds[2], "hd44780_send_cmds oid=0 cmds=b'\\x80'");
}

TEST(DisplayDrivers, St7920ConfigAndInit) {
  auto run = run_display("lcd_type: st7920\ncs_pin: PA4\nsclk_pin: PA1\nsid_pin: PA3\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_st7920 oid=0 cs_pin=PA4 sclk_pin=PA1 sid_pin=PA3 sync_delay_ticks=720 "
       "cmd_delay_ticks=320",
       "st7920_send_cmds oid=0 cmds=b'$@\\x02&\"\\x02\\x06\\x0c'",
       "st7920_send_cmds oid=0 cmds=b'\\x80'", "st7920_send_cmds oid=0 cmds=b'\\x98'",
       // user characters: fan2 XOR fan1, bed_heat2 XOR bed_heat1
       "st7920_send_cmds oid=0 cmds=b'@'",
       "st7920_send_data oid=0 data=b'\\x00\\x00\\x00\\x00\\x0f\\xe0\\x1f\\xf8\\x1f\\xfc?\\xfc<<<<'",
       "st7920_send_cmds oid=0 cmds=b'H'",
       "st7920_send_data oid=0 data=b'<<<<?\\xfc?\\xf8\\x1f\\xf8\\x07\\xf0\\x00\\x00\\x00\\x00'",
       "st7920_send_cmds oid=0 cmds=b'P'",
       "st7920_send_data oid=0 data=b'\\x00\\x00\\x00\\x00\\x00\\x00R\\x94\\x00\\x00R\\x94\\x00"
       "\\x00R\\x94'",
       // pixel rows: the first switches to the extended instruction set
       "st7920_send_cmds oid=0 cmds=b'&\\x80\\x80'", "st7920_send_cmds oid=0 cmds=b'\\x80\\x88'",
       "st7920_send_cmds oid=0 cmds=b'\\x9f\\x88'"}));
}

TEST(DisplayDrivers, Uc1701ConfigAndInit) {
  auto run = run_display("lcd_type: uc1701\ncs_pin: PA3\na0_pin: PA1\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_spi oid=0 pin=PA3 cs_active_high=0",
       "config_digital_out oid=1 pin=PA1 value=0 default_value=0 max_duration=0",
       "spi_set_bus oid=0 spi_bus=spi mode=0 rate=10000000", "update_digital_out oid=1 value=0",
       "spi_send oid=0 data=b'\\xe2@\\xa0\\xc8\\xa2,./\\xf8\\x00#\\x81(\\xac\\x00\\xa6\\xaf'",
       "update_digital_out oid=1 value=0", "spi_send oid=0 data=b'\\xa5'",
       "update_digital_out oid=1 value=0", "spi_send oid=0 data=b'\\xa4'",
       "update_digital_out oid=1 value=0", "spi_send oid=0 data=b'\\xb0\\x10\\x00'",
       "update_digital_out oid=1 value=1",
       "spi_send oid=0 data=b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
       "\\x00\\x00\\x00'",
       "spi_send oid=0 data=b'\\xb7\\x17\\x00'"}));
}

TEST(DisplayDrivers, Ssd1306I2cWithReset) {
  auto run = run_display("lcd_type: ssd1306\nreset_pin: PE3\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_i2c oid=0",
       "config_digital_out oid=1 pin=PE3 value=0 default_value=0 max_duration=0",
       "i2c_set_bus oid=0 i2c_bus=twi rate=400000 address=60",
       "update_digital_out oid=1 value=0", "update_digital_out oid=1 value=1",
       "update_digital_out oid=1 value=1",
       "i2c_transfer oid=0 write=b'\\x00\\xae\\xd5\\x80\\xa8?\\xd3\\x00@\\x8d\\x14 \\x02\\xa1\\xc8"
       "\\xda\\x12\\x81\\xef\\xd9\\xa1\\xdb\\x00.\\xa4\\xa6\\xaf' read_len=0",
       "i2c_transfer oid=0 write=b'\\x00\\xb0\\x10\\x00' read_len=0"}));
}

TEST(DisplayDrivers, Sh1106OffsetContrastVcomhInvert) {
  auto run = run_display(
      "lcd_type: sh1106\ni2c_address: 61\nx_offset: 2\ncontrast: 100\nvcomh: 32\ninvert: True\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto writes = test::lines_with(run, "i2c_transfer");
  ASSERT_GE(writes.size(), 2u);
  EXPECT_EQ(writes[0],
            "i2c_transfer oid=0 write=b'\\x00\\xae\\xd5\\x80\\xa8?\\xd3\\x00@\\x8d\\x14 \\x02\\xa1"
            "\\xc8\\xda\\x12\\x81d\\xd9\\xa1\\xdb .\\xa4\\xa7\\xaf' read_len=0");
  // 132 columns: 16-byte runs from the end leave 4 columns at the start of each page.
  EXPECT_TRUE(has_sequence(run.lines,
                           {"i2c_transfer oid=0 write=b'\\x00\\xb0\\x10\\x00' read_len=0",
                            "i2c_transfer oid=0 write=b'@\\x00\\x00\\x00\\x00' read_len=0",
                            "i2c_transfer oid=0 write=b'\\x00\\xb0\\x10\\x04' read_len=0"}));
  EXPECT_TRUE(has_sequence(run.lines, {"i2c_set_bus oid=0 i2c_bus=twi rate=400000 address=61"}));
}

TEST(DisplayDrivers, Hd44780SpiShiftRegister) {
  auto run = run_display(
      "lcd_type: hd44780_spi\nspi_software_mosi_pin: PC3\nspi_software_sclk_pin: PC2\n"
      "spi_software_miso_pin: PJ1\nlatch_pin: PC4\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_spi oid=0 pin=PC4 cs_active_high=0",
       "spi_set_sw_bus oid=0 miso_pin=PJ1 mosi_pin=PC3 sclk_pin=PC2 mode=0 pulse_ticks=160",
       // 0x33: high nibble with enable low, high, low; then the low nibble
       "spi_send oid=0 data=b'0'", "spi_send oid=0 data=b'8'", "spi_send oid=0 data=b'0'",
       "spi_send oid=0 data=b'0'", "spi_send oid=0 data=b'8'", "spi_send oid=0 data=b'0'"}));
}

TEST(DisplayDrivers, Aip31068NineBitWords) {
  auto run = run_display(
      "lcd_type: aip31068_spi\nlatch_pin: PE3\nspi_software_sclk_pin: PD0\n"
      "spi_software_mosi_pin: PC1\nspi_software_miso_pin: PH7\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_spi oid=0 pin=PE3 cs_active_high=0",
       "spi_set_sw_bus oid=0 miso_pin=PH7 mosi_pin=PC1 sclk_pin=PD0 mode=0 pulse_ticks=160",
       // home, then seven "entry mode" pads: 8 words of 9 bits in 9 bytes
       "spi_send oid=0 data=b'\\x01\\x01\\x80\\xc0`0\\x18\\x0c\\x06'",
       "spi_send oid=0 data=b'\\x03\\x01\\x80\\xc0`0\\x18\\x0c\\x06'",
       "spi_send oid=0 data=b'\\x06\\x01\\x80\\xc0`0\\x18\\x0c\\x06'",
       "spi_send oid=0 data=b'\\n\\x01\\x80\\xc0`0\\x18\\x0c\\x06'",
       "spi_send oid=0 data=b'\\x14\\x01\\x80\\xc0`0\\x18\\x0c\\x06'",
       "spi_send oid=0 data=b'@\\x01\\x80\\xc0`0\\x18\\x0c\\x06'",
       "spi_send oid=0 data=b'\\x90H$\\x12\\t\\x04\\x82A '"}));
}

TEST(DisplayDrivers, EmulatedSt7920OverSoftwareSpi) {
  auto run = run_display(
      "lcd_type: emulated_st7920\nen_pin: PA4\nspi_software_sclk_pin: PA1\n"
      "spi_software_mosi_pin: PA3\nspi_software_miso_pin: PA5\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(has_sequence(
      run.lines,
      {"config_spi_without_cs oid=0",
       "config_digital_out oid=1 pin=PA4 value=0 default_value=0 max_duration=0",
       "spi_set_sw_bus oid=0 miso_pin=PA5 mosi_pin=PA3 sclk_pin=PA1 mode=0 pulse_ticks=16",
       "update_digital_out oid=1 value=0", "update_digital_out oid=1 value=1",
       "update_digital_out oid=1 value=1",
       // sync byte 0xf8 (commands), each byte as two nibbles
       "spi_send oid=0 data=b'\\xf8 @@\\x00\\x00  `  \\x00 \\x00`\\x00\\xc0'"}));
}

TEST(DisplayDrivers, BadOptions) {
  auto run = run_display("lcd_type: st7921\n");
  EXPECT_NE(run.result, "exit");
  EXPECT_NE(run.state.find("Choice 'st7921' for option 'lcd_type' in section 'display' is not a "
                           "valid choice"),
            std::string::npos)
      << run.state;
  run = run_display("lcd_type: uc1701\ncs_pin: PA3\na0_pin: PA1\ncontrast: 64\n");
  EXPECT_NE(run.state.find("contrast"), std::string::npos) << run.state;
  run = run_display(
      "lcd_type: hd44780\nrs_pin: PA3\ne_pin: PA2\nd4_pin: PD2\nd5_pin: PD3\nd6_pin: PC0\n"
      "d7_pin: PC1\nline_length: 18\n");
  EXPECT_NE(run.state.find("line_length"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
