// Version tolerance: host formats checked against an MCU dictionary, one error per MCU.
#include "mcu/compat.h"

#include <gtest/gtest.h>

using namespace kpp::mcu;

namespace {

Dictionary mcu_dict() {
  return Dictionary::from_json(R"({
    "commands": {
      "queue_step oid=%c interval=%u count=%hu add=%hi": 10,
      "set_pin oid=%c value=%u": 11,
      "spi_send oid=%c data=%*s": 12,
      "narrow oid=%c value=%c": 13,
      "reorder a=%c b=%c": 14
    },
    "responses": {"stepper_position oid=%c pos=%i": 20, "small v=%c": 21},
    "version": "v9.9"
  })");
}

}  // namespace

TEST(Compat, IdenticalAndCompatibleFormatsPass) {
  Dictionary d = mcu_dict();
  std::vector<std::string> cmds = {
      "queue_step oid=%c interval=%u count=%hu add=%hi",  // identical
      "set_pin oid=%c value=%c",                          // host narrower: fits
      "spi_send oid=%c data=%.*s",                        // strings travel the same way
      "set_pin  oid=%c   value=%hu",                      // spacing differs
  };
  std::vector<std::string> resps = {"stepper_position oid=%c pos=%i", "small v=%u"};
  CompatReport r = check_compat(d, cmds, resps);
  EXPECT_TRUE(r.ok()) << r.message("mcu");
  EXPECT_NO_THROW(require_compat(d, "mcu", cmds, resps));
  EXPECT_EQ(lookup_compatible_command(d, "set_pin oid=%c value=%c").id(), 11);
}

TEST(Compat, ReportsEveryProblemInOneMessage) {
  Dictionary d = mcu_dict();
  std::vector<std::string> cmds = {
      "queue_step oid=%c interval=%u count=%hu add=%hi",
      "reset_step_clock oid=%c clock=%u",                // missing
      "narrow oid=%c value=%u",                          // host wider than the MCU
      "reorder b=%c a=%c",                               // parameter order differs
      "set_pin oid=%c value=%u extra=%c",                // extra parameter
      "spi_send oid=%c data=%u",                         // int vs string
      "queue_step oid=%c interval=%u count=%hu add=%i",  // signed wider than %hi
  };
  std::vector<std::string> resps = {"stepper_position oid=%c pos=%hi",  // MCU sends wider
                                    "no_such_response a=%c"};
  CompatReport r = check_compat(d, cmds, resps);
  ASSERT_EQ(r.issues.size(), 8u);
  EXPECT_EQ(r.issues[0].host_format, "reset_step_clock oid=%c clock=%u");
  EXPECT_EQ(r.issues[0].mcu_format, "");
  EXPECT_EQ(r.issues[1].reason, "parameter 'value': host %u, mcu %c");
  EXPECT_EQ(r.issues[2].reason, "parameter 1 is 'b' on the host, 'a' on the mcu");
  EXPECT_EQ(r.issues[3].reason, "mcu lacks parameter 'extra'");
  EXPECT_EQ(r.issues[4].reason, "parameter 'data': host %u, mcu %*s");
  EXPECT_EQ(r.issues[5].reason, "parameter 'add': host %i, mcu %hi");
  EXPECT_EQ(r.issues[6].reason, "parameter 'pos': host %hi, mcu %i");
  EXPECT_EQ(r.issues[7].reason, "missing response");
  try {
    require_compat(d, "toolboard", cmds, resps);
    FAIL();
  } catch (const ProtocolError& e) {
    std::string msg = e.what();
    EXPECT_TRUE(
        msg.starts_with("MCU 'toolboard' firmware (version v9.9) does not match this "
                        "host: 8 messages missing or different:\n"))
        << msg;
    EXPECT_NE(msg.find("\n  missing command: reset_step_clock oid=%c clock=%u\n"),
              std::string::npos);
    EXPECT_NE(msg.find("\n  different: host 'narrow oid=%c value=%u' vs mcu 'narrow oid=%c "
                       "value=%c' (parameter 'value': host %u, mcu %c)\n"),
              std::string::npos);
    EXPECT_TRUE(msg.ends_with("\nUpdate the firmware of MCU 'toolboard' to match this host."));
  }
  EXPECT_THROW(lookup_compatible_command(d, "narrow oid=%c value=%u"), ProtocolError);
  EXPECT_THROW(lookup_compatible_command(d, "nope a=%c"), ProtocolError);
}
