// The SAVE_CONFIG block: reading it, the run-time changes, and writing the file back.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include "config_test_util.h"
#include "core/config_save.h"

namespace kpp {
namespace {

using test::error_of;
using test::TempDir;

const char* const kUpper =
    "# My printer\n"
    "[printer]\n"
    "kinematics: cartesian   # comment kept\n"
    "\n"
    "[probe]\n"
    "pin: PA1\n"
    "z_offset: 1.0\n"
    "\n"
    "[extruder]\n"
    "control: pid\n"
    "pid_kp: 1\n"
    "pid_ki: 2\n";

const char* const kBlock =
    "\n"
    "#*# <---------------------- SAVE_CONFIG ---------------------->\n"
    "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
    "#*#\n"
    "#*# [bed_mesh default]\n"
    "#*# version = 1\n"
    "#*# points =\n"
    "#*# \t0.1, 0.2\n"
    "#*# \t0.3, 0.4\n"
    "#*#\n"
    "#*# [extruder]\n"
    "#*# pid_kd = 3.5\n";

std::string value(const ConfigFile& f, const std::string& section, const std::string& option) {
  const ConfigSectionData* s = f.find_section(section);
  const ConfigOption* o = s ? s->find(option) : nullptr;
  return o ? o->value : "<none>";
}

TEST(ConfigAutosave, BlockIsReadOnTopOfTheFile) {
  auto f = ConfigFile::parse(std::string(kUpper) + kBlock, "printer.cfg");
  EXPECT_EQ(value(*f, "bed_mesh default", "points"), "\n0.1, 0.2\n0.3, 0.4");
  EXPECT_EQ(value(*f, "extruder", "pid_kd"), "3.5");
  EXPECT_EQ(value(*f, "extruder", "pid_kp"), "1");
  EXPECT_EQ(f->main_text(), kUpper);
  EXPECT_EQ(f->autosave_text(),
            "[bed_mesh default]\nversion = 1\npoints =\n\t0.1, 0.2\n\t0.3, 0.4\n\n"
            "[extruder]\npid_kd = 3.5\n");
  ASSERT_TRUE(f->autosave());
  ASSERT_EQ(f->autosave()->sections().size(), 2u);
  EXPECT_EQ(value(*f->autosave(), "extruder", "pid_kd"), "3.5");
  EXPECT_EQ(value(*f->autosave(), "extruder", "pid_kp"), "<none>");
  // Options of the block are located at their real line in the main file.
  const ConfigOption* kd = f->find_section("extruder")->find("pid_kd");
  EXPECT_EQ(kd->line, 24);
  EXPECT_EQ(f->find_section("bed_mesh default")->line, 17);
}

TEST(ConfigAutosave, UpperPartWinsOverADuplicateInTheBlock) {
  // As in Klipper: an option also set above the block (e.g. edited by hand after a
  // SAVE_CONFIG) takes its value from above, and drops out of the block.
  auto f = ConfigFile::parse(std::string(kUpper) + kBlock + "#*# pid_kp = 99\n", "printer.cfg");
  EXPECT_EQ(value(*f, "extruder", "pid_kp"), "1");
  EXPECT_EQ(value(*f->autosave(), "extruder", "pid_kp"), "<none>");
  EXPECT_EQ(value(*f->autosave(), "extruder", "pid_kd"), "3.5");
}

TEST(ConfigAutosave, DamagedBlockIsIgnored) {
  // A line without the "#*# " prefix after the header: the block is not read.
  auto f = ConfigFile::parse(std::string(kUpper) + kBlock + "pid_kd = 7\n", "printer.cfg");
  EXPECT_EQ(value(*f, "extruder", "pid_kd"), "7");
  EXPECT_TRUE(f->autosave()->sections().empty());
  EXPECT_EQ(f->find_section("bed_mesh default"), nullptr);
  // A "#*# " line above the header.
  auto g = ConfigFile::parse(std::string(kUpper) + "#*# x\n" + kBlock, "printer.cfg");
  EXPECT_EQ(g->find_section("bed_mesh default"), nullptr);
}

TEST(ConfigAutosave, NoBlock) {
  auto f = ConfigFile::parse(kUpper, "printer.cfg");
  ASSERT_TRUE(f->autosave());
  EXPECT_TRUE(f->autosave()->sections().empty());
  EXPECT_EQ(f->autosave_text(), "");
}

TEST(ConfigAutosave, BlockText) {
  auto f = ConfigFile::parse(std::string(kUpper) + kBlock, "printer.cfg");
  EXPECT_EQ(autosave_block_text(*f->autosave()), "\n" + std::string(kBlock));
  EXPECT_EQ(autosave_block_text(ConfigFile()), "");
}

TEST(ConfigAutosave, PendingState) {
  auto f = ConfigFile::parse(std::string(kUpper) + kBlock, "printer.cfg");
  ConfigAutosave a(*f->autosave());
  EXPECT_FALSE(a.pending());
  a.set("probe", "z_offset", 1.25);
  a.set("bed_mesh new", "version", "1");
  EXPECT_TRUE(a.pending());
  EXPECT_EQ(a.pending_items().dump(),
            R"({"bed_mesh new":{"version":"1"},"probe":{"z_offset":"1.25"}})");
  a.remove_section("bed_mesh new");
  a.remove_section("bed_mesh default");
  EXPECT_EQ(a.pending_items().dump(), R"({"probe":{"z_offset":"1.25"}})");
  EXPECT_EQ(value(a.block(), "probe", "z_offset"), "1.25");
  EXPECT_EQ(a.block().find_section("bed_mesh default"), nullptr);
  // The loaded config is not changed.
  EXPECT_NE(f->autosave()->find_section("bed_mesh default"), nullptr);
}

std::time_t fixed_time() {
  struct tm tm {};
  tm.tm_year = 2024 - 1900;
  tm.tm_mon = 2;
  tm.tm_mday = 5;
  tm.tm_hour = 14;
  tm.tm_min = 7;
  tm.tm_sec = 9;
  tm.tm_isdst = -1;
  return mktime(&tm);
}

TEST(ConfigAutosave, SaveWritesBlockKeepsUpperPartAndBackup) {
  TempDir d;
  std::string main = d.write("printer.cfg", std::string(kUpper) + kBlock);
  chmod(main.c_str(), 0640);
  auto f = ConfigFile::load(main);
  ConfigAutosave a(*f->autosave());
  a.set("probe", "z_offset", 1.25);     // set above: commented out there
  a.set("extruder", "pid_kp", "22.2");  // set above: commented out there
  a.remove_section("bed_mesh default");
  std::string backup = a.save(main, fixed_time());
  EXPECT_EQ(backup, d.file("printer-20240305_140709.cfg"));
  EXPECT_FALSE(a.pending());
  EXPECT_EQ(d.read("printer-20240305_140709.cfg"), std::string(kUpper) + kBlock);
  EXPECT_FALSE(std::filesystem::exists(d.file("printer_autosave.cfg")));
  std::string expected =
      "# My printer\n"
      "[printer]\n"
      "kinematics: cartesian   # comment kept\n"
      "\n"
      "[probe]\n"
      "pin: PA1\n"
      "#z_offset: 1.0\n"
      "\n"
      "[extruder]\n"
      "control: pid\n"
      "#pid_kp: 1\n"
      "pid_ki: 2\n"
      "\n"
      "#*# <---------------------- SAVE_CONFIG ---------------------->\n"
      "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
      "#*#\n"
      "#*# [extruder]\n"
      "#*# pid_kd = 3.5\n"
      "#*# pid_kp = 22.2\n"
      "#*#\n"
      "#*# [probe]\n"
      "#*# z_offset = 1.25\n";
  EXPECT_EQ(d.read("printer.cfg"), expected);
  struct stat st {};
  stat(main.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  // Round trip: reading the new file gives the saved values, and saving again without changes
  // reproduces it.
  auto g = ConfigFile::load(main);
  EXPECT_EQ(value(*g, "probe", "z_offset"), "1.25");
  EXPECT_EQ(value(*g, "extruder", "pid_kp"), "22.2");
  EXPECT_EQ(value(*g, "extruder", "pid_ki"), "2");
  EXPECT_EQ(g->find_section("bed_mesh default"), nullptr);
  ConfigAutosave b(*g->autosave());
  b.save(main, fixed_time() + 1);
  EXPECT_EQ(d.read("printer.cfg"), expected);
}

TEST(ConfigAutosave, MultiLineValuesRoundTrip) {
  TempDir d;
  std::string main = d.write("printer.cfg", "[printer]\nkinematics: none\n");
  ConfigAutosave a(*ConfigFile::load(main)->autosave());
  a.set("bed_mesh default", "points", "\n0.1, 0.2\n0.3, 0.4");
  a.save(main, fixed_time());
  EXPECT_EQ(d.read("printer.cfg"),
            "[printer]\nkinematics: none\n\n"
            "#*# <---------------------- SAVE_CONFIG ---------------------->\n"
            "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
            "#*#\n"
            "#*# [bed_mesh default]\n"
            "#*# points =\n"
            "#*# \t0.1, 0.2\n"
            "#*# \t0.3, 0.4\n");
  auto g = ConfigFile::load(main);
  EXPECT_EQ(value(*g, "bed_mesh default", "points"), "\n0.1, 0.2\n0.3, 0.4");
}

TEST(ConfigAutosave, NothingToSave) {
  TempDir d;
  std::string main = d.write("printer.cfg", "[printer]\n");
  ConfigAutosave a(*ConfigFile::load(main)->autosave());
  EXPECT_EQ(a.save(main), "");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(d.path()), {}), 1);
}

TEST(ConfigAutosave, RemovingTheLastSectionRemovesTheBlock) {
  TempDir d;
  std::string main = d.write("printer.cfg", std::string(kUpper) + kBlock);
  ConfigAutosave a(*ConfigFile::load(main)->autosave());
  a.remove_section("bed_mesh default");
  a.remove_section("extruder");
  EXPECT_NE(a.save(main, fixed_time()), "");
  EXPECT_EQ(d.read("printer.cfg"), kUpper);
}

TEST(ConfigAutosave, ConflictWithIncludedFileIsRefused) {
  TempDir d;
  std::string main = d.write("printer.cfg", "[printer]\n[include probe.cfg]\n");
  d.write("probe.cfg", "[probe]\nz_offset: 1\n");
  ConfigAutosave a(*ConfigFile::load(main)->autosave());
  a.set("probe", "z_offset", "2");
  try {
    a.save(main, fixed_time());
    FAIL() << "no error";
  } catch (const CommandError& e) {
    EXPECT_STREQ(e.what(),
                 "SAVE_CONFIG section 'probe' option 'z_offset' conflicts with "
                 "included value");
  }
  EXPECT_EQ(d.read("printer.cfg"), "[printer]\n[include probe.cfg]\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(d.path()), {}), 2);
}

TEST(ConfigAutosave, BrokenFileOnDiskIsRefused) {
  TempDir d;
  std::string main = d.write("printer.cfg", "[printer]\n");
  ConfigAutosave a(*ConfigFile::load(main)->autosave());
  a.set("probe", "z_offset", "2");
  d.write("printer.cfg", "oops\n");
  try {
    a.save(main, fixed_time());
    FAIL() << "no error";
  } catch (const CommandError& e) {
    EXPECT_STREQ(e.what(), "Unable to parse existing config on SAVE_CONFIG");
  }
}

TEST(ConfigAutosave, WriteFailureIsAnError) {
  TempDir d;
  std::string main = d.write("printer.cfg", "[printer]\n");
  ConfigAutosave a(*ConfigFile::load(main)->autosave());
  a.set("probe", "z_offset", "2");
  // The temporary file's name is taken by a folder (works even for root, unlike chmod).
  std::filesystem::create_directory(d.file("printer_autosave.cfg"));
  try {
    a.save(main, fixed_time());
    FAIL() << "no error";
  } catch (const CommandError& e) {
    EXPECT_STREQ(e.what(), "Unable to write config file during SAVE_CONFIG");
  }
  EXPECT_EQ(d.read("printer.cfg"), "[printer]\n");
  EXPECT_TRUE(a.pending());
}

}  // namespace
}  // namespace kpp
