// The display menu driven by key events (as the encoder and buttons send them): opening, list
// navigation, entering lists, value inputs and commands running their G-code.
#include <gtest/gtest.h>

#include <array>

#include "../common/batch_util.h"
#include "core/gcode.h"
#include "modules/display.h"

namespace kpp {
namespace {

std::vector<std::string> g_rec;  // REC lines run by menu commands

// [menu_test_driver]: MENU_KEY KEY=<key> sends a key and redraws; REC records its line.
class MenuDriver : public PrinterObject {
 public:
  explicit MenuDriver(const ConfigWrapper& config) : printer_(config.get_printer()) {
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    gcode.register_command("REC", [](GCodeCommand& g) { g_rec.push_back(g.get_commandline()); });
    gcode.register_command("MENU_KEY", [this](GCodeCommand& g) {
      auto& lcd = printer_.lookup<PrinterLcd>("display");
      double now = printer_.get_reactor().monotonic();
      lcd.menu()->key_event(g.get("KEY"), now);
      lcd.redraw(now);
    });
  }

 private:
  Printer& printer_;
};

const bool kRegistered = [] {
  register_module("menu_test_driver",
                  [](ConfigWrapper& c) { return std::make_shared<MenuDriver>(c); });
  return true;
}();

const char* kConfig =
    "[menu_test_driver]\n[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\n"
    "max_velocity: 300\nmax_accel: 3000\n[display]\nlcd_type: hd44780\nrs_pin: PA3\n"
    "e_pin: PA2\nd4_pin: PD2\nd5_pin: PD3\nd6_pin: PC0\nd7_pin: PC1\n"
    "[menu __main __test]\ntype: command\nname: Test\ngcode: REC A=1\n"
    "[menu __main __val]\ntype: input\nname: Val {'%.0f' % menu.input}\ninput: 5\n"
    "input_max: 7\ninput_step: 1\ngcode: REC V={menu.input}\n"
    "[menu __main __setup]\ntype: disabled\n";

// The bytes of a parsedump b'...' value.
std::string unrepr(const std::string& line) {
  size_t b = line.find("=b'") + 3, e = line.rfind('\'');
  std::string out;
  for (size_t i = b; i < e; i++) {
    if (line[i] != '\\') {
      out += line[i];
      continue;
    }
    char c = line[++i];
    if (c == 'x') {
      out += static_cast<char>(std::stoi(line.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
    }
  }
  return out;
}

// Replays the hd44780 traffic into the controller's memory (20x4: rows 0/2 at 0x80, rows 1/3 at
// 0xc0) and returns the screen after every data write.
std::vector<std::array<std::string, 4>> screens(const test::BatchRun& run) {
  std::string ram(128, ' ');
  int addr = 0;
  bool cgram = false;  // writes go to character RAM (glyphs), not to the screen
  std::vector<std::array<std::string, 4>> out;
  for (auto& l : test::lines_with(run, "hd44780_send_")) {
    std::string bytes = unrepr(l);
    if (l.starts_with("hd44780_send_cmds")) {
      for (unsigned char c : bytes) {
        if (c & 0x80) {
          addr = c & 0x7f;
          cgram = false;
        } else if (c & 0x40) {
          cgram = true;
        }
      }
      continue;
    }
    if (cgram) continue;
    for (char c : bytes) ram[static_cast<size_t>(addr++ & 0x7f)] = c;
    out.push_back({ram.substr(0, 20), ram.substr(0x40, 20), ram.substr(20, 20),
                   ram.substr(0x40 + 20, 20)});
  }
  return out;
}

// Some screen showed `text` (padded to 20 columns) on `row`.
bool shown(const test::BatchRun& run, int row, std::string text) {
  text.resize(20, ' ');
  for (auto& s : screens(run))
    if (s[static_cast<size_t>(row)] == text) return true;
  return false;
}

TEST(DisplayMenu, OpensNavigatesAndRunsCommands) {
  g_rec.clear();
  auto run = test::run_batch(kConfig,
                             "MENU_KEY KEY=click\n"  // open the main menu
                             "MENU_KEY KEY=down\nMENU_KEY KEY=down\nMENU_KEY KEY=down\n"
                             "MENU_KEY KEY=down\n"   // .. Control Temperature Filament Test
                             "MENU_KEY KEY=click\n"  // run Test
                             "MENU_KEY KEY=down\nMENU_KEY KEY=click\n"  // edit Val
                             "MENU_KEY KEY=up\nMENU_KEY KEY=up\nMENU_KEY KEY=up\n"  // 6, 7, 7
                             "MENU_KEY KEY=click\n"  // end the edit: REC V=7.0
                             "G4 P1000\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(shown(run, 0, ">.. [Main Menu]"));
  EXPECT_TRUE(shown(run, 1, " Control           >"));
  EXPECT_TRUE(shown(run, 2, " Temperature       >"));
  for (int row = 0; row < 4; row++)
    EXPECT_FALSE(shown(run, row, " Setup              >"));  // hidden with type: disabled
  // The list scrolled to keep the selection visible; '*' marks the value being edited.
  EXPECT_TRUE(shown(run, 3, ">Test"));
  EXPECT_TRUE(shown(run, 3, "*Val 7"));
  EXPECT_EQ(g_rec, (std::vector<std::string>{"REC A=1", "REC V=7.0"}));
}

TEST(DisplayMenu, BackAndSubLists) {
  g_rec.clear();
  auto run = test::run_batch(kConfig,
                             "MENU_KEY KEY=click\nMENU_KEY KEY=down\n"
                             "MENU_KEY KEY=click\n"  // into Control
                             "MENU_KEY KEY=back\n"   // back to the main menu
                             "MENU_KEY KEY=back\n"   // close
                             "MENU_KEY KEY=up\n");   // closed: no effect
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_TRUE(shown(run, 0, ">.. [Control]"));
  EXPECT_TRUE(shown(run, 1, " Home All"));
  // Back in the main menu with Control still selected.
  EXPECT_TRUE(shown(run, 1, ">Control           >"));
}

TEST(DisplayMenu, BadMenuSections) {
  auto run = test::run_batch(std::string(kConfig) + "[menu __main __bad]\ntype: nope\nname: x\n");
  EXPECT_NE(run.state.find("Choice 'nope' for option 'type' in section 'menu __main __bad'"),
            std::string::npos)
      << run.state;
  run = test::run_batch(std::string(kConfig) + "[menu __main __bad]\ntype: input\nname: x\n"
                                               "input: 1\n");
  EXPECT_NE(run.state.find("input_step"), std::string::npos) << run.state;
  run = test::run_batch(std::string(kConfig) + "[display_status]\n", "\n");
  EXPECT_EQ(run.result, "exit") << run.state;
}

}  // namespace
}  // namespace kpp

namespace kpp {
namespace {

// The encoder and click button are registered with [buttons] in Klipper's order (encoder pins,
// then click), giving the same MCU button object as Klipper's (printer-creality-ender2-2017).
TEST(DisplayMenuKeys, EncoderAndClickButtons) {
  auto run = test::run_batch(
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
      "max_accel: 3000\n[display]\nlcd_type: uc1701\ncs_pin: PA3\na0_pin: PA1\n"
      "encoder_pins: ^PD2, ^PD3\nclick_pin: ^!PC0\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  auto add = test::lines_with(run, "buttons_add");
  ASSERT_EQ(add.size(), 3u);
  EXPECT_NE(add[0].find("pos=0 pin=PD2 pull_up=1"), std::string::npos) << add[0];
  EXPECT_NE(add[1].find("pos=1 pin=PD3 pull_up=1"), std::string::npos) << add[1];
  EXPECT_NE(add[2].find("pos=2 pin=PC0 pull_up=1"), std::string::npos) << add[2];
  auto query = test::lines_with(run, "buttons_query");
  ASSERT_EQ(query.size(), 1u);
  EXPECT_NE(query[0].find("invert=4"), std::string::npos) << query[0];
}

TEST(DisplayMenuKeys, BadEncoderPins) {
  auto run = test::run_batch(
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
      "max_accel: 3000\n[display]\nlcd_type: uc1701\ncs_pin: PA3\na0_pin: PA1\n"
      "encoder_pins: ^PD2\n");
  EXPECT_NE(run.state.find("Unable to parse encoder_pins"), std::string::npos) << run.state;
  run = test::run_batch(
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 300\n"
      "max_accel: 3000\n[display]\nlcd_type: uc1701\ncs_pin: PA3\na0_pin: PA1\n"
      "encoder_pins: ^PD2, ^PD3\nencoder_steps_per_detent: 3\n");
  EXPECT_NE(run.state.find("encoder_steps_per_detent"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
