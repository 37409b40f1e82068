// G-code dispatch: replies, errors, extended parameters, mux commands, help, printer states.
#include <gtest/gtest.h>

#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {
namespace {

class GCodeDispatchTest : public ::testing::Test {
 protected:
  GCodeDispatchTest() : reactor_(make_virtual_time_source()), printer_(reactor_, StartArgs{}) {
    gcode().register_output_handler([this](const std::string& m) { out_.push_back(m); });
  }
  GCodeDispatch& gcode() { return printer_.lookup<GCodeDispatch>("gcode"); }
  void ready() { printer_.send_event("klippy:ready"); out_.clear(); }
  std::vector<std::string> run(const std::string& line) {
    out_.clear();
    gcode().process_commands({line});
    return out_;
  }

  Reactor reactor_;
  Printer printer_;
  std::vector<std::string> out_;
};

TEST_F(GCodeDispatchTest, UnknownCommandWhenReady) {
  ready();
  EXPECT_EQ(run("FOO"), (std::vector<std::string>{"// Unknown command:\"FOO\"", "ok"}));
  EXPECT_EQ(run("G12345"), (std::vector<std::string>{"// Unknown command:\"G12345\"", "ok"}));
}

TEST_F(GCodeDispatchTest, NotReadyAnswersStateMessage) {
  auto r = run("G1 X10");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1], "!! Printer is not ready");
  EXPECT_EQ(r[2], "ok");
  // M105 is answered quietly while not ready.
  EXPECT_EQ(run("M105"), (std::vector<std::string>{"ok T:0"}));
}

TEST_F(GCodeDispatchTest, ExtendedParametersWithQuotes) {
  ready();
  GCodeParams seen;
  gcode().register_command("SET_THING", [&](GCodeCommand& g) { seen = g.get_command_parameters(); });
  run("set_thing name=\"two words\" Value=5 ; comment");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::pair<std::string, std::string>{"NAME", "two words"}));
  EXPECT_EQ(seen[1], (std::pair<std::string, std::string>{"VALUE", "5"}));
}

TEST_F(GCodeDispatchTest, MalformedExtendedCommand) {
  ready();
  bool ran = false;
  gcode().register_command("SET_THING", [&](GCodeCommand&) { ran = true; });
  auto r = run("SET_THING novalue");
  EXPECT_FALSE(ran);
  EXPECT_EQ(r[0], "!! Malformed command 'SET_THING novalue'");
  r = run("SET_THING A=\"open");
  EXPECT_EQ(r[0], "!! Malformed command 'SET_THING A=\"open'");
}

TEST_F(GCodeDispatchTest, ExtendedCommentsAndLineNumbers) {
  ready();
  GCodeParams seen;
  gcode().register_command("SET_THING", [&](GCodeCommand& g) { seen = g.get_command_parameters(); });
  run("N12 SET_THING A=1 B=2*33");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].second, "2");
  run("SET_THING COLOR=red # the rest is a comment X=9");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].second, "red");
}

TEST_F(GCodeDispatchTest, RawParameters) {
  ready();
  std::string raw;
  gcode().register_command("M117", [&](GCodeCommand& g) { raw = g.get_raw_command_parameters(); });
  run("M117 Hello World");
  EXPECT_EQ(raw, "Hello World");
  run("M117 12 34 done");
  EXPECT_EQ(raw, "12 34 done");
  run("N5 M117 with number*12");
  EXPECT_EQ(raw, "with number");
}

TEST_F(GCodeDispatchTest, ParameterErrorsAndLimits) {
  ready();
  double got = -1;
  gcode().register_command("TEST_F", [&](GCodeCommand& g) {
    got = g.get_float("X", FloatLimits{.minval = 0., .below = 10.});
  });
  EXPECT_EQ(run("TEST_F X=abc")[0], "!! Error on 'TEST_F X=abc': unable to parse abc");
  EXPECT_EQ(run("TEST_F")[0], "!! Error on 'TEST_F': missing X");
  EXPECT_EQ(run("TEST_F X=-1")[0], "!! Error on 'TEST_F X=-1': X must have minimum of 0.0");
  EXPECT_EQ(run("TEST_F X=10")[0], "!! Error on 'TEST_F X=10': X must be below 10.0");
  EXPECT_EQ(got, -1);
  EXPECT_EQ(run("TEST_F X=2.5e0")[0], "ok");
  EXPECT_EQ(got, 2.5);
}

TEST_F(GCodeDispatchTest, IntParameters) {
  ready();
  int64_t got = 0;
  gcode().register_command("TEST_I", [&](GCodeCommand& g) {
    got = g.get_int("N", 7, IntLimits{.maxval = 100});
  });
  run("TEST_I");
  EXPECT_EQ(got, 7);
  run("TEST_I N=42");
  EXPECT_EQ(got, 42);
  EXPECT_EQ(run("TEST_I N=4.2")[0], "!! Error on 'TEST_I N=4.2': unable to parse 4.2");
  EXPECT_EQ(run("TEST_I N=101")[0], "!! Error on 'TEST_I N=101': N must have maximum of 100");
}

TEST_F(GCodeDispatchTest, MuxCommandRouting) {
  ready();
  std::string hit;
  gcode().register_mux_command("SET_X", "HEATER", "bed", [&](GCodeCommand&) { hit = "bed"; });
  gcode().register_mux_command("SET_X", "HEATER", "extruder",
                               [&](GCodeCommand&) { hit = "extruder"; });
  run("SET_X HEATER=bed");
  EXPECT_EQ(hit, "bed");
  run("SET_X HEATER=extruder TARGET=10");
  EXPECT_EQ(hit, "extruder");
  EXPECT_EQ(run("SET_X HEATER=nope")[0], "!! The value 'nope' is not valid for HEATER");
  EXPECT_EQ(run("SET_X")[0], "!! Error on 'SET_X': missing HEATER");
  gcode().register_mux_command("SET_X2", "NAME", "", [&](GCodeCommand&) { hit = "default"; });
  run("SET_X2");
  EXPECT_EQ(hit, "default");
  EXPECT_THROW(gcode().register_mux_command("SET_X", "OTHER", "a", [](GCodeCommand&) {}),
               ConfigError);
  EXPECT_THROW(gcode().register_mux_command("SET_X", "HEATER", "bed", [](GCodeCommand&) {}),
               ConfigError);
}

TEST_F(GCodeDispatchTest, RegistrationErrorsAndRename) {
  gcode().register_command("MY_CMD", [](GCodeCommand&) {});
  EXPECT_THROW(gcode().register_command("MY_CMD", [](GCodeCommand&) {}), ConfigError);
  EXPECT_THROW(gcode().register_command("bad name", [](GCodeCommand&) {}), ConfigError);
  auto old = gcode().unregister_command("MY_CMD");
  ASSERT_TRUE(old.has_value());
  gcode().register_command("MY_CMD_BASE", old->handler, false, "renamed");
  EXPECT_TRUE(gcode().has_command("MY_CMD_BASE"));
  EXPECT_FALSE(gcode().has_command("MY_CMD"));
}

TEST_F(GCodeDispatchTest, HelpListsDescribedCommands) {
  ready();
  gcode().register_command("ZZ_TOP", [](GCodeCommand&) {}, false, "Test help");
  auto r = run("HELP");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NE(r[0].find("// Available extended commands:"), std::string::npos);
  EXPECT_NE(r[0].find("// ZZ_TOP    : Test help"), std::string::npos);
  EXPECT_NE(r[0].find("// RESTART   : Reload config file and restart host software"),
            std::string::npos);
}

TEST_F(GCodeDispatchTest, StatusAndEcho) {
  auto r = run("STATUS");
  ASSERT_GE(r.size(), 2u);
  EXPECT_EQ(r.back(), "ok");
  EXPECT_NE(r[r.size() - 2].find("!! Printer is not ready"), std::string::npos);
  ready();
  EXPECT_EQ(run("STATUS"), (std::vector<std::string>{"// Klipper state: Ready", "ok"}));
  EXPECT_EQ(run("ECHO"), (std::vector<std::string>{"// ECHO", "ok"}));
  // As in Klipper, ECHO takes NAME=VALUE parameters like any extended command.
  EXPECT_EQ(run("ECHO hello there")[0], "!! Malformed command 'ECHO hello there'");
  EXPECT_EQ(run("M115")[0].rfind("ok FIRMWARE_NAME:Klipper FIRMWARE_VERSION:", 0), 0u);
}

TEST_F(GCodeDispatchTest, M112ShutsDown) {
  ready();
  run("M112");
  EXPECT_TRUE(printer_.is_shutdown());
  EXPECT_EQ(printer_.get_state_message().second, "shutdown");
  EXPECT_NE(printer_.get_state_message().first.find("Shutdown due to M112 command"),
            std::string::npos);
}

TEST_F(GCodeDispatchTest, ErrorInScriptStopsTheScript) {
  ready();
  int count = 0;
  gcode().register_command("COUNT", [&](GCodeCommand&) { count++; });
  gcode().register_command("FAIL", [](GCodeCommand& g) { throw g.error("failed here"); });
  EXPECT_THROW(gcode().run_script("COUNT\nFAIL\nCOUNT"), CommandError);
  EXPECT_EQ(count, 1);
}

TEST_F(GCodeDispatchTest, MultiLineInfoAndError) {
  ready();
  gcode().register_command("MULTI", [](GCodeCommand& g) {
    g.respond_info("line one\n  line two  ");
    throw g.error("first\nsecond");
  });
  auto r = run("MULTI");
  EXPECT_EQ(r[0], "// line one\n// line two");
  EXPECT_EQ(r[1], "// first\n// second");
  EXPECT_EQ(r[2], "!! first");
}

}  // namespace
}  // namespace kpp
