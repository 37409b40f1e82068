// Display screens: glyph drawings, the framebuffer diffing rule, the 8x14 font, and screens
// rendered from display_data templates through the whole host (batch mode, hd44780 20x4).
#include <gtest/gtest.h>

#include "../common/batch_util.h"
#include "core/errors.h"
#include "modules/display_chip.h"
#include "modules/display_layout.h"

namespace kpp {
namespace {

using display::Bytes;

TEST(DisplayGlyph, ParsesDotsAndStars) {
  auto rows = display::parse_glyph("g", "\n  .*.*.\n  *...*\n  00100\n  .....\n  11111\n"
                                        "  .....\n  .....\n  *****\n", 5, 8);
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0], 0b01010u);
  EXPECT_EQ(rows[1], 0b10001u);
  EXPECT_EQ(rows[2], 0b00100u);
  EXPECT_EQ(rows[4], 0b11111u);
}

TEST(DisplayGlyph, BadDrawingsAreConfigErrors) {
  try {
    (void)display::parse_glyph("fan", "...\n", 5, 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Invalid glyph line in fan");
  }
  try {
    (void)display::parse_glyph("fan", ".x...\n", 5, 1);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Invalid glyph line in fan");
  }
  try {
    (void)display::parse_glyph("fan", ".....\n", 5, 2);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "Glyph fan incorrect lines");
  }
}

TEST(DisplayDiff, RunsGrowBackwardsUpTo16Bytes) {
  Bytes old(64, '~'), now(64, ' ');
  auto runs = display::diff_runs(now, old, 4);
  // All 64 bytes changed: 16-byte runs from the end.
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].pos, 0u);
  EXPECT_EQ(runs[0].count, 16u);
  EXPECT_EQ(runs[3].pos, 48u);
  // Changes within `gap` join; farther ones do not.
  Bytes a(32, 0), b(32, 0);
  a[2] = a[6] = a[20] = 1;
  runs = display::diff_runs(a, b, 4);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].pos, 2u);
  EXPECT_EQ(runs[0].count, 5u);
  EXPECT_EQ(runs[1].pos, 20u);
  EXPECT_EQ(runs[1].count, 1u);
  EXPECT_TRUE(display::diff_runs(a, a, 5).empty());
}

TEST(DisplayFont, VgaCellsArePaddedByOneRow) {
  auto zero = display::font_cell('0');
  EXPECT_EQ(zero[0], 0x00);
  EXPECT_EQ(zero[3], 0x7c);
  EXPECT_EQ(zero[4], 0xc6);
  EXPECT_EQ(zero[15], 0x00);
  auto degrees = display::font_cell(0xf8);
  EXPECT_EQ(degrees[2], 0x38);
  EXPECT_EQ(degrees[3], 0x6c);
}

const char* kPrinter =
    "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
    "max_accel: 3000\n[display]\nlcd_type: hd44780\nrs_pin: PA3\ne_pin: PA2\nd4_pin: PD2\n"
    "d5_pin: PD3\nd6_pin: PC0\nd7_pin: PC1\n";

// The data bytes after the first screen update's "set address" command `addr`.
std::string data_after(const test::BatchRun& run, const std::string& addr) {
  auto lines = test::lines_with(run, "hd44780_send");
  // Skip the init (5 commands + the blank screen and character RAM: 7 address/data pairs).
  for (size_t i = 5 + 14; i + 1 < lines.size(); i++)
    if (lines[i] == "hd44780_send_cmds oid=0 cmds=b'" + addr + "'") return lines[i + 1];
  return {};
}

TEST(DisplayScreen, CustomGroupRendersTemplatesAndGlyphs) {
  auto run = test::run_batch(std::string(kPrinter) +
                             "display_group: mine\n"
                             "[display_template greet]\nparam_who: 'you'\n"
                             "text: Hi {param_who}\n"
                             "[display_data mine line0]\nposition: 0, 1\n"
                             "text: { render('greet', param_who='all') }~right_arrow~\n"
                             "[display_data mine line3]\nposition: 3, 0\n"
                             "text: ~degrees~{ '%.0f' % (printer.gcode_move.speed_factor * 100) }\n"
                             "[display_glyph degrees]\nhd44780_slot: 7\nhd44780_data:\n"
                             "  .....\n  .....\n  .....\n  .....\n  .....\n  .....\n  .....\n"
                             "  *****\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // Row 0 column 1 is controller address 0x81; the right arrow is ROM character 0x7e.
  EXPECT_EQ(data_after(run, "\\x81"), "hd44780_send_data oid=0 data=b'Hi all~'");
  // Row 3 continues row 1 at column 20: address 0xc0 + 20; glyph slot 7.
  EXPECT_EQ(data_after(run, "\\xd4"), "hd44780_send_data oid=0 data=b'\\x07100'");
  // The user's degrees glyph went to character RAM slot 7 (0x40 + 56); only its last row
  // differs from the blank RAM.
  EXPECT_EQ(data_after(run, "\\x7f"), "hd44780_send_data oid=0 data=b'\\x1f'");
}

TEST(DisplayScreen, Default20x4Screen) {
  auto run = test::run_batch(std::string(kPrinter) + "[fan]\npin: PH6\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // "Fan" + centred "0%" at row 1 column 10 (address 0xc0 + 10); row 3 follows row 1 in the
  // controller, so "Ready" (not printing) joins the same run.
  EXPECT_EQ(data_after(run, "\\xca"), "hd44780_send_data oid=0 data=b'Fan  0%   Ready'");
  // Row 2 (0x80 + 20): feed rate glyph (slot 3), 100%, usb glyph (slot 6), progress, clock
  // glyph (slot 4) and printing time; split where a run reaches 16 bytes.
  EXPECT_EQ(data_after(run, "\\x94"), "hd44780_send_data oid=0 data=b'\\x03100'");
  EXPECT_EQ(data_after(run, "\\x98"),
            "hd44780_send_data oid=0 data=b'%   \\x06 0%  \\x0400:00'");
}

TEST(DisplayScreen, UnknownGroupAndBadSections) {
  auto run = test::run_batch(std::string(kPrinter) + "display_group: nope\n");
  EXPECT_NE(run.state.find("Unknown display_data group 'nope'"), std::string::npos) << run.state;
  run = test::run_batch(std::string(kPrinter) + "[display_data x]\nposition: 0, 0\ntext: a\n");
  EXPECT_NE(run.state.find("Section name 'display_data x' is not valid"), std::string::npos)
      << run.state;
  run = test::run_batch(std::string(kPrinter) + "[display_data g x]\nposition: 0\ntext: a\n");
  EXPECT_NE(run.state.find("Unable to parse 'position' in section 'display_data g x'"),
            std::string::npos)
      << run.state;
}

}  // namespace
}  // namespace kpp
