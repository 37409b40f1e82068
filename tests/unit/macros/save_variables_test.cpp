// [save_variables]: SAVE_VARIABLE writes Klipper's file format atomically, the values survive a
// restart (a new printer reading the file), and damaged input is reported.
#include "modules/save_variables.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "../core/config_test_util.h"
#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class SaveVariablesTest : public MacroFixture {
 protected:
  std::string cfg() const {
    return "[save_variables]\nfilename: " + dir_.file("vars.cfg") +
           "\n[gcode_macro SHOW]\ngcode:\n  M777 v {printer.save_variables.variables}\n";
  }
  TempDir dir_;
};

TEST_F(SaveVariablesTest, SavesInKlippersFormatAndShowsStatus) {
  load(cfg());
  ready();
  EXPECT_TRUE(std::filesystem::exists(dir_.file("vars.cfg")));  // created empty
  run("SHOW");
  EXPECT_EQ(rec_, (Lines{"M777 v {}"}));
  EXPECT_EQ(run("SAVE_VARIABLE VARIABLE=z_offset VALUE=-0.05"), Lines{});
  EXPECT_EQ(run("SAVE_VARIABLE VARIABLE=mesh VALUE='\"pla 0.4\"'"), Lines{});
  EXPECT_EQ(run("SAVE_VARIABLE VARIABLE=list VALUE=\"[1, {'a': (2, 3)}]\""), Lines{});
  EXPECT_EQ(slurp(dir_.file("vars.cfg")),
            "[Variables]\nlist = [1, {'a': (2, 3)}]\nmesh = 'pla 0.4'\nz_offset = -0.05\n\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("vars.cfg.tmp")));
  run("SHOW");
  EXPECT_EQ(rec_, (Lines{"M777 v {'list': [1, {'a': [2, 3]}], 'mesh': 'pla 0.4', 'z_offset': -0.05}"}));
  run("SAVE_VARIABLE VARIABLE=mesh VALUE=None");
  EXPECT_EQ(slurp(dir_.file("vars.cfg")),
            "[Variables]\nlist = [1, {'a': (2, 3)}]\nmesh = None\nz_offset = -0.05\n\n");
}

TEST_F(SaveVariablesTest, Errors) {
  load(cfg());
  ready();
  EXPECT_EQ(run("SAVE_VARIABLE VARIABLE=Foo VALUE=1"),
            (Lines{"!! VARIABLE must not contain upper case"}));
  EXPECT_EQ(run("SAVE_VARIABLE VARIABLE=foo VALUE=bar"),
            (Lines{"!! Unable to parse 'bar' as a literal"}));
  EXPECT_EQ(run("SAVE_VARIABLE VARIABLE=foo"),
            (Lines{"!! Error on 'SAVE_VARIABLE VARIABLE=foo': missing VALUE"}));
  EXPECT_EQ(slurp(dir_.file("vars.cfg")), "");
}

TEST_F(SaveVariablesTest, ValuesSurviveARestart) {
  {
    load(cfg());
    ready();
    run("SAVE_VARIABLE VARIABLE=count VALUE=41");
  }
  // A second printer reading the same file (Klipper's restart).
  Reactor reactor(make_virtual_time_source());
  Printer printer(reactor, StartArgs{});
  auto file = ConfigFile::parse(cfg(), "printer.cfg");
  ConfigWrapper config(printer, file, std::make_shared<ConfigAccessTracker>(), "printer");
  auto& sv = printer.load<SaveVariables>(config, "save_variables");
  EXPECT_EQ(sv.get_status(0.).dump(), R"({"variables":{"count":41}})");
}

TEST_F(SaveVariablesTest, ReadsFilesWrittenByKlipper) {
  dir_.write("vars.cfg", "[Variables]\n# comment\nName = 'x'\nnum: 2.5\nmulti = [1,\n\t2]\n\n[Other]\nq = junk\n");
  auto vars = SaveVariables::read_file(dir_.file("vars.cfg"));
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].first, "multi");
  EXPECT_EQ(vars[0].second.repr(), "[1, 2]");
  EXPECT_EQ(vars[1].first, "name");
  EXPECT_EQ(vars[1].second.repr(), "'x'");
  EXPECT_EQ(vars[2].second.repr(), "2.5");
}

TEST_F(SaveVariablesTest, DamagedFileIsAConfigError) {
  dir_.write("vars.cfg", "[Variables]\nx = not a literal\n");
  EXPECT_EQ(load_error(cfg()), "Unable to parse existing variable file");
  dir_.write("vars.cfg", "no section = 1\n");
  EXPECT_EQ(load_error(cfg()), "Unable to parse existing variable file");
}

}  // namespace
}  // namespace kpp::test
