// G-code line parsing: Klipper's splitting of traditional and extended commands.
#include <gtest/gtest.h>

#include "core/gcode.h"

namespace kpp {
namespace {

struct Parsed {
  std::string cmd, line;
  GCodeParams params;
};

Parsed parse(std::string_view text) {
  Parsed p;
  GCodeDispatch::parse_line(text, p.cmd, p.line, p.params);
  return p;
}

std::string param(const Parsed& p, const std::string& k) {
  for (auto& kv : p.params)
    if (kv.first == k) return kv.second;
  return "<none>";
}

TEST(GCodeParse, TraditionalCommand) {
  auto p = parse("G1 X10 Y-2.5 F3000");
  EXPECT_EQ(p.cmd, "G1");
  EXPECT_EQ(param(p, "X"), "10");
  EXPECT_EQ(param(p, "Y"), "-2.5");
  EXPECT_EQ(param(p, "F"), "3000");
  EXPECT_EQ(param(p, "G"), "1");
}

TEST(GCodeParse, LowerCaseIsUpperCased) {
  auto p = parse("g1 x1.5 e.3");
  EXPECT_EQ(p.cmd, "G1");
  EXPECT_EQ(param(p, "X"), "1.5");
  EXPECT_EQ(param(p, "E"), ".3");
}

TEST(GCodeParse, LineNumberAndChecksum) {
  auto p = parse("N123 G1 X5*71");
  EXPECT_EQ(p.cmd, "G1");
  EXPECT_EQ(param(p, "X"), "5");
  EXPECT_EQ(param(p, "N"), "123");
  EXPECT_EQ(param(p, "*"), "71");
}

TEST(GCodeParse, CommentsAndWhitespace) {
  auto p = parse("   G28 X ; home x only  ");
  EXPECT_EQ(p.cmd, "G28");
  EXPECT_EQ(param(p, "X"), "");
  EXPECT_EQ(p.line, "G28 X ; home x only");
  auto empty = parse("; only a comment");
  EXPECT_EQ(empty.cmd, "");
  EXPECT_FALSE(GCodeDispatch::parse_line("   ", empty.cmd, empty.line, empty.params));
}

TEST(GCodeParse, ExtendedCommandName) {
  auto p = parse("set_gcode_offset Z_ADJUST=-0.1");
  EXPECT_EQ(p.cmd, "SET_GCODE_OFFSET");
  auto q = parse("M117 Hello World");
  EXPECT_EQ(q.cmd, "M117");
  auto r = parse("M117 12 34");
  EXPECT_EQ(r.cmd, "M117 12 34");  // as Klipper: digits run into the command number
}

TEST(GCodeParse, LaterDuplicateParameterWins) {
  auto p = parse("G1 X1 X2");
  EXPECT_EQ(param(p, "X"), "2");
}

TEST(GCodeParse, TraditionalDetection) {
  EXPECT_TRUE(GCodeDispatch::is_traditional_gcode("G1"));
  EXPECT_TRUE(GCodeDispatch::is_traditional_gcode("M104"));
  EXPECT_TRUE(GCodeDispatch::is_traditional_gcode("g28"));
  EXPECT_FALSE(GCodeDispatch::is_traditional_gcode("SET_PIN"));
  EXPECT_FALSE(GCodeDispatch::is_traditional_gcode("G"));
  EXPECT_FALSE(GCodeDispatch::is_traditional_gcode("TEST1"));
  EXPECT_FALSE(GCodeDispatch::is_traditional_gcode(""));
}

TEST(GCodeParse, MalformedLinesDoNotCrash) {
  const char* lines[] = {"*", "/", "N", "N12", "G", "=", "X=Y=Z", "G1 X--1", "\x01\x02\xff",
                         "G1 X\"unterminated", "A_B_C_", "____", "N1 N2 N3", "M117 ;"};
  for (auto* l : lines) {
    Parsed p;
    GCodeDispatch::parse_line(l, p.cmd, p.line, p.params);
  }
  SUCCEED();
}

}  // namespace
}  // namespace kpp
