// [firmware_retraction]: G10/G11 scripts (recorded by stand-ins for the move commands),
// SET_RETRACTION/GET_RETRACTION, status and option limits.
#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

class FirmwareRetractionTest : public MacroFixture {
 protected:
  void start(const std::string& cfg) {
    for (const char* c : {"SAVE_GCODE_STATE", "G91", "G1", "RESTORE_GCODE_STATE"})
      gcode().register_command(c, [this](GCodeCommand& g) { rec_.push_back(g.get_commandline()); });
    load(cfg);
    ready();
  }
};

TEST_F(FirmwareRetractionTest, RetractOnceUnretractOnce) {
  start("[firmware_retraction]\nretract_length: 1.5\nretract_speed: 35.5\n"
        "unretract_extra_length: 0.25\n");
  run("G11");  // not retracted: nothing
  EXPECT_EQ(rec_, Lines{});
  run("G10");
  EXPECT_EQ(rec_, (Lines{"SAVE_GCODE_STATE NAME=_retract_state", "G91", "G1 E-1.50000 F2130",
                         "RESTORE_GCODE_STATE NAME=_retract_state"}));
  run("G10");  // already retracted
  EXPECT_EQ(rec_, Lines{});
  run("G11");
  EXPECT_EQ(rec_, (Lines{"SAVE_GCODE_STATE NAME=_retract_state", "G91", "G1 E1.75000 F600",
                         "RESTORE_GCODE_STATE NAME=_retract_state"}));
}

TEST_F(FirmwareRetractionTest, SetAndGetRetraction) {
  start("[firmware_retraction]\n");
  EXPECT_EQ(run("GET_RETRACTION"),
            (Lines{"// RETRACT_LENGTH=0.00000 RETRACT_SPEED=20.00000 "
                   "UNRETRACT_EXTRA_LENGTH=0.00000 UNRETRACT_SPEED=10.00000"}));
  run("G10");
  run("SET_RETRACTION RETRACT_LENGTH=0.8 UNRETRACT_SPEED=12.34");
  EXPECT_EQ(run("GET_RETRACTION"),
            (Lines{"// RETRACT_LENGTH=0.80000 RETRACT_SPEED=20.00000 "
                   "UNRETRACT_EXTRA_LENGTH=0.00000 UNRETRACT_SPEED=12.34000"}));
  Json st = printer_.lookup_object("firmware_retraction")->get_status(0.);
  EXPECT_EQ(st["retract_length"], 0.8);
  EXPECT_EQ(st["unretract_speed"], 12.34);
  // SET_RETRACTION forgets the retracted state: G11 does nothing, G10 retracts.
  run("G11");
  EXPECT_EQ(rec_, Lines{});
  run("G10");
  EXPECT_EQ(rec_[2], "G1 E-0.80000 F1200");
  auto err = run("SET_RETRACTION RETRACT_SPEED=0.5");
  ASSERT_EQ(err.size(), 1u);
  EXPECT_NE(err[0].find("RETRACT_SPEED must have minimum of 1"), std::string::npos) << err[0];
}

TEST_F(FirmwareRetractionTest, OptionLimits) {
  EXPECT_NE(load_error("[firmware_retraction]\nretract_length: -1\n").find("retract_length"),
            std::string::npos);
}

}  // namespace
}  // namespace kpp::test
