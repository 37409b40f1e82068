// [respond]: M118 and RESPOND prefixes and types.
#include "modules/respond.h"

#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

class RespondTest : public MacroFixture {};

TEST_F(RespondTest, DefaultPrefix) {
  load("[respond]\n");
  ready();
  EXPECT_EQ(run("M118 Hello  World"), (Lines{"echo: Hello  World"}));
  EXPECT_EQ(run("RESPOND MSG=\"two words\""), (Lines{"echo: two words"}));
  EXPECT_EQ(run("RESPOND TYPE=command MSG=action:pause"), (Lines{"// action:pause"}));
  EXPECT_EQ(run("RESPOND TYPE=Error MSG=bad"), (Lines{"!! bad"}));
  EXPECT_EQ(run("RESPOND TYPE=echo_no_space MSG=x"), (Lines{"echo:x"}));
  EXPECT_EQ(run("RESPOND TYPE=error PREFIX=info: MSG=y"), (Lines{"info: y"}));
  EXPECT_EQ(run("RESPOND"), (Lines{"echo: "}));
  EXPECT_EQ(run("RESPOND TYPE=loud MSG=x"),
            (Lines{"!! RESPOND TYPE 'loud' is invalid. Must be one of 'echo', 'command', or 'error'"}));
}

TEST_F(RespondTest, ConfiguredPrefix) {
  load("[respond]\ndefault_type: command\n");
  ready();
  EXPECT_EQ(run("M118 hi"), (Lines{"// hi"}));
}

TEST_F(RespondTest, ConfiguredPrefixText) {
  load("[respond]\ndefault_type: error\ndefault_prefix: >>\n");
  ready();
  EXPECT_EQ(run("RESPOND MSG=hi"), (Lines{">> hi"}));
}

}  // namespace
}  // namespace kpp::test
