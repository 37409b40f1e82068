// printer.cfg reading: sections, options, comments, continuation lines, includes.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace kpp {
namespace {

using test::error_of;
using test::TempDir;

std::string value(const ConfigFile& f, const std::string& section, const std::string& option) {
  const ConfigSectionData* s = f.find_section(section);
  if (!s) return "<no section>";
  const ConfigOption* o = s->find(option);
  return o ? o->value : "<no option>";
}

TEST(ConfigParser, SectionsAndOptions) {
  auto f = ConfigFile::parse(
      "[printer]\n"
      "kinematics: cartesian\n"
      "Max_Velocity = 300\n"
      "max_accel :3000  \n"
      "\n"
      "[stepper_x]\n"
      "step_pin: PA1\n"
      "[gcode_macro Start]\n"
      "description: a: b = c\n",
      "printer.cfg");
  ASSERT_EQ(f->sections().size(), 3u);
  EXPECT_EQ(f->sections()[0].name, "printer");
  EXPECT_EQ(f->sections()[2].name, "gcode_macro Start");
  EXPECT_EQ(value(*f, "printer", "kinematics"), "cartesian");
  EXPECT_EQ(value(*f, "printer", "max_velocity"), "300");
  EXPECT_EQ(value(*f, "printer", "MAX_VELOCITY"), "300");  // option names ignore case
  EXPECT_EQ(f->sections()[0].options[1].first, "max_velocity");
  EXPECT_EQ(value(*f, "printer", "max_accel"), "3000");
  EXPECT_EQ(value(*f, "gcode_macro Start", "description"), "a: b = c");
  EXPECT_EQ(f->find_section("gcode_macro start"), nullptr);  // section names keep their case
  const ConfigOption* o = f->find_section("stepper_x")->find("step_pin");
  EXPECT_EQ(o->file, "printer.cfg");
  EXPECT_EQ(o->line, 7);
  EXPECT_EQ(f->find_section("stepper_x")->line, 6);
}

TEST(ConfigParser, ContinuationLines) {
  auto f = ConfigFile::parse(
      "[gcode_macro START]\n"
      "gcode:\n"
      "  G28\n"
      "  {% if x %}\n"
      "    G1 X10\n"
      "\n"
      "  {% endif %}\n"
      "\n"
      "\n"
      "description: hi\n"
      "[bed_mesh default]\n"
      "points =\n"
      "\t0.1, 0.2\n"
      "\t0.3, 0.4\n"
      "x: first\n"
      "   second\n",
      "printer.cfg");
  // Indentation of continuation lines is dropped, blank lines inside are kept, trailing ones not.
  EXPECT_EQ(value(*f, "gcode_macro START", "gcode"), "\nG28\n{% if x %}\nG1 X10\n\n{% endif %}");
  EXPECT_EQ(value(*f, "gcode_macro START", "description"), "hi");
  EXPECT_EQ(value(*f, "bed_mesh default", "points"), "\n0.1, 0.2\n0.3, 0.4");
  EXPECT_EQ(value(*f, "bed_mesh default", "x"), "first\nsecond");
}

TEST(ConfigParser, IndentedOptionAfterHeaderIsAnOption) {
  auto f = ConfigFile::parse("[a]\n  b: 1\n  c: 2\n    d\n", "p.cfg");
  EXPECT_EQ(value(*f, "a", "b"), "1");
  EXPECT_EQ(value(*f, "a", "c"), "2\nd");
}

TEST(ConfigParser, Comments) {
  auto f = ConfigFile::parse(
      "# leading comment\n"
      "; another\n"
      "[a] # section comment\n"
      "b: 1 # inline\n"
      "c: 2 ; inline\n"
      "d: 3;kept\n"
      "e: red#cut\n"
      "f: #all comment\n"
      "g:\n"
      "  line1\n"
      "  # hash comment inside a value leaves a blank line\n"
      "  ; semicolon comment line is dropped\n"
      "  line2 ; tail\n"
      "  line3\n",
      "p.cfg");
  EXPECT_EQ(value(*f, "a", "b"), "1");
  EXPECT_EQ(value(*f, "a", "c"), "2");
  EXPECT_EQ(value(*f, "a", "d"), "3;kept");
  EXPECT_EQ(value(*f, "a", "e"), "red");  // Klipper cuts at any '#'
  EXPECT_EQ(value(*f, "a", "f"), "");
  EXPECT_EQ(value(*f, "a", "g"), "\nline1\n\nline2\nline3");
}

TEST(ConfigParser, DuplicateSectionsMergeLaterValuesWin) {
  auto f = ConfigFile::parse("[a]\nx: 1\ny: 2\n[b]\nz: 3\n[a]\nx: 10\nw: 4\n[a]\ny: 20\n", "p.cfg");
  ASSERT_EQ(f->sections().size(), 2u);
  const auto& a = f->sections()[0];
  ASSERT_EQ(a.options.size(), 3u);
  EXPECT_EQ(a.options[0].first, "x");  // keeps its first position
  EXPECT_EQ(a.options[0].second.value, "10");
  EXPECT_EQ(a.options[0].second.line, 7);  // where the value in effect was set
  EXPECT_EQ(a.options[1].second.value, "20");
  EXPECT_EQ(a.options[2].first, "w");
}

TEST(ConfigParser, LineEndings) {
  auto f = ConfigFile::parse("[a]\r\nx: 1\r\ny:\r\n  2\r\n  3\rz: 4\n", "p.cfg");
  EXPECT_EQ(value(*f, "a", "x"), "1");
  EXPECT_EQ(value(*f, "a", "y"), "\n2\n3");
  EXPECT_EQ(value(*f, "a", "z"), "4");
}

TEST(ConfigParser, TextOutsideSectionIsAnError) {
  EXPECT_EQ(error_of([] { ConfigFile::parse("\n# c\nfoo: bar\n[a]\n", "printer.cfg"); }),
            "File contains no section headers.\nfile: 'printer.cfg', line: 3\n'foo: bar'");
}

TEST(ConfigParser, LineWithoutSeparatorIsAnError) {
  EXPECT_EQ(error_of([] { ConfigFile::parse("[a]\nx: 1\ngarbage\n[b]\n: v\n", "printer.cfg"); }),
            "Source contains parsing errors: 'printer.cfg'\n"
            "\t[line  3]: 'garbage'\n"
            "\t[line  5]: ': v'");
}

TEST(ConfigParser, MissingFile) {
  EXPECT_EQ(error_of([] { ConfigFile::load("/nonexistent/printer.cfg"); }),
            "Unable to open config file /nonexistent/printer.cfg");
}

TEST(ConfigParser, IncludeRelativeToIncludingFileAndNested) {
  TempDir d;
  d.write("printer.cfg",
          "[printer]\nkinematics: none\n[include sub/one.cfg]\n[printer]\nmax_velocity: 5\n");
  d.write("sub/one.cfg", "[one]\na: 1\n[include two.cfg]\n[printer]\nkinematics: corexy\n");
  d.write("sub/two.cfg", "[two]\nb: 2\n[printer]\nmax_velocity: 1\n");
  auto f = ConfigFile::load(d.file("printer.cfg"));
  ASSERT_EQ(f->sections().size(), 3u);
  EXPECT_EQ(f->sections()[1].name, "one");
  EXPECT_EQ(f->sections()[2].name, "two");
  // Later definitions win in reading order, across files.
  EXPECT_EQ(value(*f, "printer", "kinematics"), "corexy");
  EXPECT_EQ(value(*f, "printer", "max_velocity"), "5");
  const ConfigOption* b = f->find_section("two")->find("b");
  EXPECT_EQ(b->file, d.file("sub/two.cfg"));
  EXPECT_EQ(b->line, 2);
  EXPECT_EQ(f->describe_location(b->file, b->line), "sub/two.cfg:2");
  EXPECT_EQ(f->describe_location(f->main_path(), 4), "printer.cfg:4");
}

TEST(ConfigParser, IncludeGlobSortedAndEmptyGlobIsFine) {
  TempDir d;
  d.write("printer.cfg",
          "[printer]\n[include macros/*.cfg]\n[include nothing/*.cfg]\n[include m?cros/z*]\n");
  d.write("macros/b.cfg", "[b]\nx: 1\n[order]\nv: b\n");
  d.write("macros/a.cfg", "[a]\nx: 1\n[order]\nv: a\n");
  d.write("macros/c.txt", "[c]\n");
  d.write("macros/.hidden.cfg", "[hidden]\n");
  d.write("macros/zz.cfg", "[zz]\n");
  auto f = ConfigFile::load(d.file("printer.cfg"));
  std::vector<std::string> names;
  for (const auto& s : f->sections()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"printer", "a", "order", "b", "zz"}));
  EXPECT_EQ(value(*f, "order", "v"), "b");
}

TEST(ConfigParser, IncludeMissingFileIsAnError) {
  TempDir d;
  d.write("printer.cfg", "[printer]\n\n[include missing.cfg]  # comment\n");
  EXPECT_EQ(error_of([&] { ConfigFile::load(d.file("printer.cfg")); }),
            "Include file '" + d.file("missing.cfg") + "' does not exist (printer.cfg:3)");
}

TEST(ConfigParser, IncludeLoopIsAnError) {
  TempDir d;
  d.write("printer.cfg", "[printer]\n[include a.cfg]\n");
  d.write("a.cfg", "[a]\n[include b.cfg]\n");
  d.write("b.cfg", "[b]\n[include ./a.cfg]\n");
  EXPECT_EQ(error_of([&] { ConfigFile::load(d.file("printer.cfg")); }),
            "Recursive include of config file '" + d.path() + "/./a.cfg' (b.cfg:2)");
  d.write("self.cfg", "[s]\n[include self.cfg]\n");
  EXPECT_EQ(error_of([&] { ConfigFile::load(d.file("self.cfg")); }),
            "Recursive include of config file '" + d.file("self.cfg") + "' (self.cfg:2)");
}

TEST(ConfigParser, SameFileTwiceIsNotALoop) {
  TempDir d;
  d.write("printer.cfg", "[printer]\n[include a.cfg]\n[include a.cfg]\n");
  d.write("a.cfg", "[a]\nx: 1\n");
  EXPECT_EQ(ConfigFile::load(d.file("printer.cfg"))->sections().size(), 2u);
}

TEST(ConfigParser, IncludeEndsTheCurrentSection) {
  // Lines after an include are read afresh: they need their own section header.
  TempDir d;
  d.write("printer.cfg", "[printer]\n[include a.cfg]\nkinematics: none\n");
  d.write("a.cfg", "[a]\n");
  EXPECT_EQ(error_of([&] { ConfigFile::load(d.file("printer.cfg")); }),
            "File contains no section headers.\nfile: '" + d.file("printer.cfg") +
                "', line: 3\n'kinematics: none'");
}

TEST(ConfigParser, IndentedIncludeIsASection) {
  auto f = ConfigFile::parse("[a]\n\n  [include x.cfg]\n", "p.cfg");
  EXPECT_NE(f->find_section("include x.cfg"), nullptr);
}

TEST(ConfigParser, ToStringIsConfigparserForm) {
  auto f = ConfigFile::parse("[a]\nx: 1\ny:\n  l1\n  l2\n[b]\nz:\n", "p.cfg");
  EXPECT_EQ(f->to_string(), "[a]\nx = 1\ny = \n\tl1\n\tl2\n\n[b]\nz = \n\n");
}

TEST(ConfigParser, SetAndRemoveSection) {
  auto f = ConfigFile::parse("[a]\nx: 1\n", "p.cfg");
  f->set("a", "X", "2");
  f->set("new", "Opt", "3");
  EXPECT_EQ(value(*f, "a", "x"), "2");
  EXPECT_EQ(f->sections()[1].options[0].first, "opt");
  EXPECT_TRUE(f->remove_section("new"));
  EXPECT_FALSE(f->remove_section("new"));
  EXPECT_EQ(f->sections().size(), 1u);
}

}  // namespace
}  // namespace kpp
