// Python string rules of the config reader: whitespace, strip, repr, paths.
#include <gtest/gtest.h>

#include "core/config_text.h"

namespace kpp::cfgtext {
namespace {

TEST(ConfigText, StripUsesPythonWhitespace) {
  EXPECT_EQ(strip(" \t\v\f\r\n a b \x1c\x1f"), "a b");
  EXPECT_EQ(strip("\xc2\xa0x\xe2\x80\x83\xe3\x80\x80"), "x");  // NBSP, EM SPACE, IDEOGRAPHIC
  EXPECT_EQ(rstrip("x\xc2\xa0 \t"), "x");
  EXPECT_EQ(rstrip("\xc3\xa9 "), "\xc3\xa9");   // é is not a space
  EXPECT_EQ(rstrip("a\xe2\x80"), "a\xe2\x80");  // broken UTF-8 stays as it is
  EXPECT_EQ(lstrip("  \xe2\x80\xa8x "), "x ");
  EXPECT_EQ(strip("   "), "");
  EXPECT_EQ(strip(""), "");
}

TEST(ConfigText, IndentCountsCharacters) {
  EXPECT_EQ(indent_chars("  x"), 2u);
  EXPECT_EQ(indent_chars("\xc2\xa0x"), 1u);
  EXPECT_EQ(indent_chars("\t"), std::string_view::npos);
}

TEST(ConfigText, Repr) {
  EXPECT_EQ(repr("a: b"), "'a: b'");
  EXPECT_EQ(repr("it's"), "\"it's\"");
  EXPECT_EQ(repr("'\"\\\n\t\x01"), "'\\'\"\\\\\\n\\t\\x01'");
}

TEST(ConfigText, Paths) {
  EXPECT_EQ(dirname("printer.cfg"), "");
  EXPECT_EQ(dirname("/a/b/c.cfg"), "/a/b");
  EXPECT_EQ(dirname("/c.cfg"), "/");
  EXPECT_EQ(join_path("", "x.cfg"), "x.cfg");
  EXPECT_EQ(join_path("/a", "x.cfg"), "/a/x.cfg");
  EXPECT_EQ(join_path("/a", "/x.cfg"), "/x.cfg");
  EXPECT_EQ(abspath("/a/./b/../c"), "/a/c");
  EXPECT_EQ(abspath("/"), "/");
}

}  // namespace
}  // namespace kpp::cfgtext
