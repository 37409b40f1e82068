// ConfigWrapper: typed getters, Klipper's error texts (plus file:line), access tracking.
#include <gtest/gtest.h>

#include <cmath>

#include "config_test_util.h"

namespace kpp {
namespace {

using test::error_of;

const char* const kCfg =
    "[printer]\n"              // 1
    "kinematics: cartesian\n"  // 2
    "max_velocity: 300\n"      // 3
    "max_accel: 1e3\n"         // 4
    "bad_float: 1.2.3\n"       // 5
    "neg: -5\n"                // 6
    "flag: Yes\n"              // 7
    "bad_flag: maybe\n"        // 8
    "count: 0x10\n"            // 9
    "list: a, b ,, c,\n"       // 10
    "floats: 1, 2.5, -3\n"     // 11
    "ints: 1,2,x\n"            // 12
    "points:\n"                // 13
    "  1, 2\n"                 // 14
    "  3, 4\n"                 // 15
    "nan_value: nan\n"         // 16
    "big: 99999999999999999999\n"
    "[extruder]\n"
    "step_pin: PA1\n"
    "[extruder1]\n"
    "[gcode_macro foo]\n"
    "variable_a: 1\n"
    "variable_b: 2\n"
    "gcode: G28\n";

class ConfigGetters : public ::testing::Test {
 protected:
  test::Parsed p = test::parse(kCfg);
  ConfigWrapper c = p.section("printer");
};

TEST_F(ConfigGetters, Strings) {
  EXPECT_EQ(c.get("kinematics"), "cartesian");
  EXPECT_EQ(c.get("KINEMATICS"), "cartesian");
  EXPECT_EQ(c.get("missing", "dflt"), "dflt");
  EXPECT_EQ(c.get_opt("missing"), std::nullopt);
  EXPECT_EQ(c.get_opt("kinematics"), "cartesian");
  EXPECT_EQ(error_of([&] { c.get("missing"); }),
            "Option 'missing' in section 'printer' must be specified (printer.cfg:1)");
  EXPECT_EQ(error_of([&] { p.section("nosuch").get("x"); }),
            "Option 'x' in section 'nosuch' must be specified");
}

TEST_F(ConfigGetters, Ints) {
  EXPECT_EQ(c.getint("max_velocity"), 300);
  EXPECT_EQ(c.getint("neg"), -5);
  EXPECT_EQ(c.getint("missing", 7), 7);
  EXPECT_EQ(c.getint_opt("missing"), std::nullopt);
  EXPECT_EQ(error_of([&] { c.getint("max_accel"); }),
            "Unable to parse option 'max_accel' in section 'printer' (printer.cfg:4)");
  EXPECT_EQ(error_of([&] { c.getint("count"); }),
            "Unable to parse option 'count' in section 'printer' (printer.cfg:9)");
  EXPECT_EQ(error_of([&] { c.getint("big"); }),
            "Unable to parse option 'big' in section 'printer' (printer.cfg:17)");
  EXPECT_EQ(error_of([&] { c.getint("neg", IntLimits{.minval = 0}); }),
            "Option 'neg' in section 'printer' must have minimum of 0 (printer.cfg:6)");
  EXPECT_EQ(error_of([&] { c.getint("max_velocity", IntLimits{.maxval = 5}); }),
            "Option 'max_velocity' in section 'printer' must have maximum of 5 (printer.cfg:3)");
  // Defaults are not range checked (as in Klipper).
  EXPECT_EQ(c.getint("missing", -1, IntLimits{.minval = 0}), -1);
}

TEST_F(ConfigGetters, Floats) {
  EXPECT_DOUBLE_EQ(c.getfloat("max_accel"), 1000.0);
  EXPECT_DOUBLE_EQ(c.getfloat("neg"), -5.0);
  EXPECT_DOUBLE_EQ(c.getfloat("missing", 2.5), 2.5);
  EXPECT_EQ(c.getfloat_opt("missing"), std::nullopt);
  EXPECT_EQ(error_of([&] { c.getfloat("bad_float"); }),
            "Unable to parse option 'bad_float' in section 'printer' (printer.cfg:5)");
  EXPECT_EQ(error_of([&] { c.getfloat("nan_value"); }),
            "Unable to parse option 'nan_value' in section 'printer' (printer.cfg:16)");
  EXPECT_EQ(error_of([&] { c.getfloat("neg", FloatLimits{.minval = 0.}); }),
            "Option 'neg' in section 'printer' must have minimum of 0.0 (printer.cfg:6)");
  EXPECT_EQ(error_of([&] { c.getfloat("max_velocity", FloatLimits{.maxval = 5}); }),
            "Option 'max_velocity' in section 'printer' must have maximum of 5.0 (printer.cfg:3)");
  EXPECT_EQ(error_of([&] { c.getfloat("neg", FloatLimits{.above = -5}); }),
            "Option 'neg' in section 'printer' must be above -5.0 (printer.cfg:6)");
  EXPECT_EQ(error_of([&] { c.getfloat("max_velocity", FloatLimits{.below = 0.001}); }),
            "Option 'max_velocity' in section 'printer' must be below 0.001 (printer.cfg:3)");
  EXPECT_EQ(error_of([&] { c.getfloat("max_velocity", FloatLimits{.below = 1e-5}); }),
            "Option 'max_velocity' in section 'printer' must be below 1e-05 (printer.cfg:3)");
  EXPECT_EQ(c.getfloat("neg", FloatLimits{.above = -6, .below = -4}), -5.0);
}

TEST_F(ConfigGetters, Booleans) {
  EXPECT_TRUE(c.getboolean("flag"));
  EXPECT_FALSE(c.getboolean("missing", false));
  EXPECT_EQ(c.getboolean_opt("missing"), std::nullopt);
  EXPECT_EQ(error_of([&] { c.getboolean("bad_flag"); }),
            "Unable to parse option 'bad_flag' in section 'printer' (printer.cfg:8)");
  EXPECT_EQ(error_of([&] { c.getboolean("max_velocity"); }),
            "Unable to parse option 'max_velocity' in section 'printer' (printer.cfg:3)");
}

TEST_F(ConfigGetters, Choice) {
  EXPECT_EQ(c.getchoice("kinematics", {"cartesian", "corexy"}), "cartesian");
  EXPECT_EQ(c.getchoice("missing", {"a", "b"}, "b"), "b");
  EXPECT_EQ(error_of([&] { c.getchoice("kinematics", {"delta"}); }),
            "Choice 'cartesian' for option 'kinematics' in section 'printer' is not a valid "
            "choice (printer.cfg:2)");
  EXPECT_EQ(error_of([&] { c.getchoice("missing", {"a"}, "z"); }),
            "Choice 'z' for option 'missing' in section 'printer' is not a valid choice");
}

TEST_F(ConfigGetters, Lists) {
  EXPECT_EQ(c.getlist("list"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(c.getlist_opt("missing"), std::nullopt);
  EXPECT_EQ(c.getfloatlist("floats"), (std::vector<double>{1, 2.5, -3}));
  EXPECT_EQ(c.getfloatlist("floats", ',', 3).size(), 3u);
  EXPECT_EQ(c.getintlist("max_velocity"), (std::vector<int64_t>{300}));
  EXPECT_EQ(error_of([&] { c.getfloatlist("floats", ',', 2); }),
            "Option 'floats' in section 'printer' must have 2 elements (printer.cfg:11)");
  EXPECT_EQ(error_of([&] { c.getintlist("ints", ',', 2); }),
            "Unable to parse option 'ints' in section 'printer' (printer.cfg:12)");
  EXPECT_EQ(error_of([&] { c.getlist("list", ',', 4); }),
            "Option 'list' in section 'printer' must have 4 elements (printer.cfg:10)");
  auto pts = c.getlists("points", "\n,", 2);
  EXPECT_EQ(pts, (std::vector<std::vector<std::string>>{{"1", "2"}, {"3", "4"}}));
  EXPECT_EQ(error_of([&] { c.getlists("points", "\n,", 3); }),
            "Option 'points' in section 'printer' must have 3 elements (printer.cfg:13)");
  EXPECT_EQ(c.getlist("points", '\n'), (std::vector<std::string>{"1, 2", "3, 4"}));
}

TEST_F(ConfigGetters, Tracking) {
  c.get("kinematics");
  c.getint("max_velocity");
  c.getfloat("max_accel");
  c.getboolean("flag");
  c.getfloat("default_f", 1.5);
  c.get_opt("absent");  // "None" defaults are not recorded
  c.getfloatlist("floats");
  c.peek("neg");  // peeking does not count
  EXPECT_TRUE(p.tracker->was_accessed("printer", "KINEMATICS"));
  EXPECT_TRUE(p.tracker->was_accessed("Printer", "default_f"));
  EXPECT_FALSE(p.tracker->was_accessed("printer", "absent"));
  EXPECT_FALSE(p.tracker->was_accessed("printer", "neg"));
  const Json& s = p.tracker->settings().at("printer");
  EXPECT_EQ(s.dump(),
            R"({"default_f":1.5,"flag":true,"floats":[1.0,2.5,-3.0],"kinematics":"cartesian",)"
            R"("max_accel":1000.0,"max_velocity":300})");
  // A failed parse records nothing; a failed range check still records the value.
  error_of([&] { c.getint("count"); });
  EXPECT_FALSE(p.tracker->was_accessed("printer", "count"));
  error_of([&] { c.getint("neg", IntLimits{.minval = 0}); });
  EXPECT_TRUE(p.tracker->was_accessed("printer", "neg"));
  c.note_valid("bad_flag");
  EXPECT_EQ(s.at("bad_flag"), "maybe");
  EXPECT_TRUE(p.tracker->section_accessed("PRINTER"));
  EXPECT_FALSE(p.tracker->section_accessed("extruder"));
}

TEST_F(ConfigGetters, SectionsAndPrefixes) {
  EXPECT_TRUE(c.has_section("extruder"));
  EXPECT_FALSE(c.has_section("Extruder"));
  std::vector<std::string> names;
  for (auto& s : c.get_prefix_sections("extruder")) names.push_back(s.get_name());
  EXPECT_EQ(names, (std::vector<std::string>{"extruder", "extruder1"}));
  auto macro = c.getsection("gcode_macro foo");
  EXPECT_EQ(macro.get_prefix_options("variable_"),
            (std::vector<std::string>{"variable_a", "variable_b"}));
  EXPECT_TRUE(macro.has_option("GCODE"));
  EXPECT_EQ(macro.location(), "printer.cfg:21");
  EXPECT_EQ(macro.location("gcode"), "printer.cfg:24");
  EXPECT_EQ(macro.location("nothing"), "");
  EXPECT_EQ(p.section("extruder").get("step_pin"), "PA1");
}

TEST_F(ConfigGetters, Deprecate) {
  c.deprecate("kinematics");
  c.deprecate("kinematics");  // reported once
  c.deprecate("max_velocity", "300");
  c.deprecate("not_set");
  const auto& w = p.tracker->warnings();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].dump(),
            R"({"message":"Option 'kinematics' in section 'printer' is deprecated.",)"
            R"("option":"kinematics","section":"printer","type":"deprecated_option"})");
  EXPECT_EQ(w[1]["type"], "deprecated_value");
  EXPECT_EQ(w[1]["value"], "300");
  EXPECT_EQ(w[1]["message"],
            "Value '300' in option 'max_velocity' in section 'printer' is deprecated.");
}

TEST(ConfigNumbers, PythonIntRules) {
  EXPECT_EQ(parse_config_int(" 42 "), 42);
  EXPECT_EQ(parse_config_int("+7"), 7);
  EXPECT_EQ(parse_config_int("-0"), 0);
  EXPECT_EQ(parse_config_int("007"), 7);
  EXPECT_EQ(parse_config_int("1_000"), 1000);
  EXPECT_EQ(parse_config_int("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"", " ", "1.0", "1e3", "0x10", "1__0", "_1", "1_", "+", "- 1", "1 2"})
    EXPECT_EQ(parse_config_int(bad), std::nullopt) << bad;
}

TEST(ConfigNumbers, PythonFloatRules) {
  EXPECT_EQ(parse_config_float("1e3"), 1000.0);
  EXPECT_EQ(parse_config_float(" +1.5 "), 1.5);
  EXPECT_EQ(parse_config_float("\t-.5\n"), -0.5);
  EXPECT_EQ(parse_config_float("5."), 5.0);
  EXPECT_EQ(parse_config_float("1_0.2_5"), 10.25);
  EXPECT_EQ(parse_config_float("1E-2"), 0.01);
  EXPECT_EQ(parse_config_float("1e999"), INFINITY);
  EXPECT_EQ(parse_config_float("-1e-999"), 0.0);
  EXPECT_EQ(parse_config_float("-Infinity"), -INFINITY);
  EXPECT_EQ(parse_config_float("inf"), INFINITY);
  EXPECT_EQ(parse_config_float("\xc2\xa0"
                               "3"),
            3.0);  // no-break space is whitespace
  for (const char* bad : {"", ".", "e3", "1e", "1e+", "0x1p3", "nan", "-NaN", "1,5", "1.2.3",
                          "1_e3", "1._5", "infinit", "--1"})
    EXPECT_EQ(parse_config_float(bad), std::nullopt) << bad;
}

TEST(ConfigNumbers, PythonBoolRules) {
  for (const char* t : {"1", "yes", "TRUE", "On", "True"}) EXPECT_EQ(parse_config_bool(t), true);
  for (const char* f : {"0", "no", "False", "OFF"}) EXPECT_EQ(parse_config_bool(f), false);
  for (const char* bad : {"", "2", "y", "t", "enable"})
    EXPECT_EQ(parse_config_bool(bad), std::nullopt);
}

TEST(ConfigNumbers, PythonFloatText) {
  EXPECT_EQ(format_py_float(0.0), "0.0");
  EXPECT_EQ(format_py_float(5), "5.0");
  EXPECT_EQ(format_py_float(-0.0), "-0.0");
  EXPECT_EQ(format_py_float(0.1), "0.1");
  EXPECT_EQ(format_py_float(1e-4), "0.0001");
  EXPECT_EQ(format_py_float(1e-5), "1e-05");
  EXPECT_EQ(format_py_float(1e15), "1000000000000000.0");
  EXPECT_EQ(format_py_float(1e16), "1e+16");
  EXPECT_EQ(format_py_float(123456.789), "123456.789");
  EXPECT_EQ(format_py_float(INFINITY), "inf");
  EXPECT_EQ(format_py_float(-INFINITY), "-inf");
}

}  // namespace
}  // namespace kpp
