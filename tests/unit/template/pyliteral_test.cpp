// Python's ast.literal_eval: accepted literals print back as Python's repr(); rejected ones give
// Python's messages.
#include "template/pyliteral.h"

#include <gtest/gtest.h>

namespace kpp::tmpl {
namespace {

std::string lit(std::string_view s) { return literal_eval(s).repr(); }

std::string err(std::string_view s) {
  try {
    (void)literal_eval(s);
  } catch (const LiteralError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PyLiteral, Numbers) {
  EXPECT_EQ(lit("12"), "12");
  EXPECT_EQ(lit("-12"), "-12");
  EXPECT_EQ(lit("+1.5"), "1.5");
  EXPECT_EQ(lit("1_000"), "1000");
  EXPECT_EQ(lit("0x1F"), "31");
  EXPECT_EQ(lit("0o17"), "15");
  EXPECT_EQ(lit("0b101"), "5");
  EXPECT_EQ(lit("1e3"), "1000.0");
  EXPECT_EQ(lit(".5"), "0.5");
  EXPECT_EQ(lit("5."), "5.0");
  EXPECT_EQ(lit("-2.5e-3"), "-0.0025");
  EXPECT_EQ(lit("1e400"), "inf");
  EXPECT_EQ(lit("00"), "0");
  EXPECT_EQ(lit("  7  # comment"), "7");
  EXPECT_EQ(lit("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(err("012"), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(err("1__0"), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(err("1 2"), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(err("--1"), "malformed node or string on line 1: <ast.UnaryOp object>");
  EXPECT_EQ(err("1+2"), "malformed node or string on line 1: <ast.BinOp object>");
  EXPECT_NE(err("1j").find("complex"), std::string::npos);
  EXPECT_NE(err("99999999999999999999").find("out of range"), std::string::npos);
}

TEST(PyLiteral, Strings) {
  EXPECT_EQ(lit("'abc'"), "'abc'");
  EXPECT_EQ(lit("\"it's\""), "\"it's\"");
  EXPECT_EQ(lit(R"('a\tb\n\x41\u00b0\101\q')"), R"('a\tb\nA°A\\q')");
  EXPECT_EQ(lit(R"(r'a\n')"), R"('a\\n')");
  EXPECT_EQ(lit("'a' \"b\""), "'ab'");
  EXPECT_EQ(lit("'''x\ny'''"), "'x\\ny'");
  EXPECT_EQ(lit("u'x'"), "'x'");
  EXPECT_EQ(err("'abc"), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(err("f'x'"), "malformed node or string on line 1: <ast.JoinedStr object>");
  EXPECT_NE(err("b'x'").find("bytes"), std::string::npos);
}

TEST(PyLiteral, Containers) {
  EXPECT_EQ(lit("[1, 'a', None, True, False]"), "[1, 'a', None, True, False]");
  EXPECT_EQ(lit("(1,)"), "(1,)");
  EXPECT_EQ(lit("()"), "()");
  EXPECT_EQ(lit("(1)"), "1");
  EXPECT_EQ(lit("1, 2"), "(1, 2)");
  EXPECT_EQ(lit("{'a': [1, 2], 3: {}}"), "{'a': [1, 2], 3: {}}");
  EXPECT_EQ(lit("[\n  1,\n  2,\n]"), "[1, 2]");
  EXPECT_EQ(lit("{}"), "{}");
  EXPECT_EQ(err("[1, 2"), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(err("{[1]: 2}"), "unhashable type: 'list'");
  EXPECT_NE(err("{1, 2}").find("set"), std::string::npos);
}

TEST(PyLiteral, NamesAndExpressionsAreRefused) {
  EXPECT_EQ(err("abc"), "malformed node or string on line 1: <ast.Name object>");
  EXPECT_EQ(err("true"), "malformed node or string on line 1: <ast.Name object>");
  EXPECT_EQ(err("foo(1)"), "malformed node or string on line 1: <ast.Call object>");
  EXPECT_EQ(err("a.b"), "malformed node or string on line 1: <ast.Attribute object>");
  EXPECT_EQ(err("[1, x]"), "malformed node or string on line 1: <ast.Name object>");
  EXPECT_EQ(err(""), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(err("1\n2"), "invalid syntax (<unknown>, line 1)");
  EXPECT_EQ(lit("1\n"), "1");
  EXPECT_NE(err(std::string(500, '[')).find("nested"), std::string::npos);
}

}  // namespace
}  // namespace kpp::tmpl
