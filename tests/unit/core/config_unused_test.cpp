// The check for sections and options that no module read.
#include <gtest/gtest.h>

#include "config_test_util.h"

namespace kpp {
namespace {

using test::error_of;

const char* const kCfg =
    "[printer]\n"
    "kinematics: none\n"
    "[Extruder]\n"
    "step_pin: PA1\n"
    "Foo: 1\n"
    "[gcode_macro x]\n"
    "gcode: G28\n"
    "[bogus]\n"
    "\n"
    "#*# <---------------------- SAVE_CONFIG ---------------------->\n"
    "#*# DO NOT EDIT THIS BLOCK OR BELOW. The contents are auto-generated.\n"
    "#*#\n"
    "#*# [extruder]\n"
    "#*# pid_kp = 22\n"
    "#*#\n"
    "#*# [bed_mesh default]\n"
    "#*# version = 1\n";

TEST(ConfigUnused, ReportsFirstUnreadOptionWithItsLocation) {
  auto p = test::parse(kCfg);
  p.section("printer").get("kinematics");
  p.section("Extruder").get("step_pin");
  EXPECT_EQ(error_of([&] { check_unused_options(*p.file, *p.tracker, {"gcode_macro x"}); }),
            "Option 'foo' is not valid in section 'extruder' (printer.cfg:5)");
}

TEST(ConfigUnused, ReportsUnknownSection) {
  auto p = test::parse(kCfg);
  p.section("printer").get("kinematics");
  p.section("Extruder").get("step_pin");
  p.section("Extruder").get("foo");
  // A loaded object's name makes its section valid, but its options must still be read.
  EXPECT_EQ(error_of([&] { check_unused_options(*p.file, *p.tracker, {"gcode_macro x"}); }),
            "Option 'gcode' is not valid in section 'gcode_macro x' (printer.cfg:7)");
  p.section("gcode_macro x").get("gcode");
  EXPECT_EQ(error_of([&] { check_unused_options(*p.file, *p.tracker, {"gcode_macro x"}); }),
            "Section 'bogus' is not a valid config section (printer.cfg:8)");
}

TEST(ConfigUnused, AllReadPasses) {
  auto p = test::parse(kCfg);
  p.section("printer").get("kinematics");
  p.section("Extruder").get("step_pin");
  p.section("Extruder").getint("foo", 0);
  p.section("gcode_macro x").get("gcode");
  // [bogus] has no options: being a loaded object is enough. The SAVE_CONFIG block's options
  // (and [bed_mesh default], which only the block defines) count as read.
  EXPECT_EQ(error_of([&] { check_unused_options(*p.file, *p.tracker, {"bogus"}); }), "");
  EXPECT_EQ(error_of([&] { check_unused_options(*p.file, *p.tracker, {}); }),
            "Section 'bogus' is not a valid config section (printer.cfg:8)");
}

TEST(ConfigUnused, RawConfigStatus) {
  auto p = test::parse("[a]\nx: 1\ny:\n  2\n  3\n[b c]\n");
  EXPECT_EQ(config_raw_status(*p.file).dump(), R"({"a":{"x":"1","y":"\n2\n3"},"b c":{}})");
}

}  // namespace
}  // namespace kpp
