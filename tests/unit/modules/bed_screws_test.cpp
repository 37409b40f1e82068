// [bed_screws] and [screws_tilt_adjust] through the whole host in batch mode; screw heights
// for SCREWS_TILT_CALCULATE come from manual probing (TESTZ from horizontal_move_z, ACCEPT).
#include <gtest/gtest.h>

#include "leveling_batch.h"

namespace kpp {
namespace {

using test::cartesian_config;
using test::kEndstopZ;
using test::run_leveling;

const std::string kBedScrews =
    "[bed_screws]\nscrew1: 100,50\nscrew1_name: Front right\nscrew1_fine_adjust: 200,50\n"
    "screw2: 75,75\nscrew2_fine_adjust: 200,75\nscrew3: 75,75\nscrew3_name: Last\n"
    "screw3_fine_adjust: 75,90\n"
    "[gcode_macro BS]\ngcode:\n  {% set b = printer.bed_screws %}\n"
    "  REC_VALUE ACTIVE={b.is_active} STATE={b.state} SCREW={b.current_screw} "
    "ACCEPTED={b.accepted_screws}\n";

TEST(BedScrews, WalksTheScrewsThenTheFineAdjustments) {
  auto run = run_leveling(cartesian_config(kEndstopZ) + kBedScrews,
                          "G28\nBED_SCREWS_ADJUST\nSHOW\nBS\nACCEPT\nADJUSTED\nBS\nACCEPT\nBS\n"
                          "ACCEPT\nACCEPT\nACCEPT\nBS\nSHOW\nACCEPT\nACCEPT\nBS\nSHOW\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  // ADJUSTED on the second screw: the third, then the first two again (all three accepted in a
  // row), then the three fine adjustment positions.
  std::vector<std::string> names;
  for (const auto& l : run.with("// Adjust")) names.push_back(l.substr(10, l.find(". Then") - 10));
  EXPECT_EQ(names, (std::vector<std::string>{"Front right", "screw at 75.000,75.000", "Last",
                                             "Front right", "screw at 75.000,75.000",
                                             "Front right", "screw at 75.000,75.000", "Last"}));
  EXPECT_EQ(run.with("// Adjust")[0],
            "// Adjust Front right. Then run ACCEPT, ADJUSTED, or ABORT\n"
            "// Use ADJUSTED if a significant screw adjustment is made");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{
                "REC_VALUE TOOLHEAD=100.00,50.00,0.00",
                "REC_VALUE ACTIVE=True STATE=adjust SCREW=0 ACCEPTED=0",
                "REC_VALUE ACTIVE=True STATE=adjust SCREW=2 ACCEPTED=0",
                "REC_VALUE ACTIVE=True STATE=adjust SCREW=0 ACCEPTED=1",
                "REC_VALUE ACTIVE=True STATE=fine SCREW=1 ACCEPTED=1",
                "REC_VALUE TOOLHEAD=200.00,75.00,0.00",
                "REC_VALUE ACTIVE=False STATE=None SCREW=2 ACCEPTED=3",
                "REC_VALUE TOOLHEAD=75.00,90.00,5.00"}));
  EXPECT_EQ(run.with("// Bed screws tool completed successfully").size(), 1u);
}

TEST(BedScrews, AbortAndAlreadyActive) {
  auto run = run_leveling(cartesian_config(kEndstopZ) + kBedScrews,
                          "G28\nBED_SCREWS_ADJUST\nBED_SCREWS_ADJUST\nABORT\nBS\nACCEPT\n");
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{"!! Already in bed_screws helper; use ABORT to exit"}));
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE ACTIVE=False STATE=None SCREW=0 ACCEPTED=0"}));
  EXPECT_EQ(run.with("// Unknown command"),
            (std::vector<std::string>{"// Unknown command:\"ACCEPT\""}));
}

TEST(BedScrews, ConfigErrors) {
  auto run = run_leveling(cartesian_config(kEndstopZ) + "[bed_screws]\nscrew1: 1,2\nscrew2: 3\n", "");
  ASSERT_FALSE(run.replies.empty());
  EXPECT_NE(run.replies.back().find("bed_screws:screw2 needs to be an x,y coordinate"),
            std::string::npos)
      << run.replies.back();
  run = run_leveling(cartesian_config(kEndstopZ) + "[bed_screws]\nscrew1: 1,2\nscrew2: 3,4\n", "");
  EXPECT_NE(run.replies.back().find("bed_screws: Must have at least three screws"), std::string::npos);
}

const std::string kScrewsTilt =
    "[screws_tilt_adjust]\nscrew1: 10,30\nscrew1_name: front left screw\nscrew2: 155,30\n"
    "screw3: 155,190\nscrew3_name: rear right screw\nscrew4: 10,190\n"
    "[gcode_macro ST]\ngcode:\n  {% set s = printer.screws_tilt_adjust %}\n"
    "  REC_VALUE ERROR={s.error} MAX={s.max_deviation} S2={s.results.screw2.sign}/"
    "{s.results.screw2.adjust}/{s.results.screw2.is_base}\n";

std::string heights(const std::vector<double>& hs) {
  std::string out;
  for (double h : hs) out += "TESTZ Z=" + std::to_string(h - 5.) + "\nACCEPT\n";
  return out;
}

TEST(ScrewsTiltAdjust, ReportsTurnsRelativeToTheBaseScrew) {
  auto run = run_leveling(cartesian_config(kEndstopZ) + kScrewsTilt,
                          "G28\nSCREWS_TILT_CALCULATE METHOD=manual\n" +
                              heights({4.8, 4.9, 4.7, 4.8}) + "ST\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  EXPECT_EQ(run.with("// 01:20"), (std::vector<std::string>{"// 01:20 means 1 full turn and 20 "
                                                             "minutes, CW=clockwise, "
                                                             "CCW=counter-clockwise"}));
  EXPECT_EQ(run.with("// front left"),
            (std::vector<std::string>{"// front left screw (base) : x=10.0, y=30.0, z=4.80000"}));
  EXPECT_EQ(run.with("// screw at"),
            (std::vector<std::string>{
                "// screw at 155.000,30.000 : x=155.0, y=30.0, z=4.90000 : adjust CCW 00:12",
                "// screw at 10.000,190.000 : x=10.0, y=190.0, z=4.80000 : adjust CW 00:00"}));
  EXPECT_EQ(run.with("// rear right"),
            (std::vector<std::string>{
                "// rear right screw : x=155.0, y=190.0, z=4.70000 : adjust CW 00:12"}));
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE ERROR=False MAX=None S2=CCW/00:12/False"}));
}

TEST(ScrewsTiltAdjust, DirectionAndMaxDeviation) {
  // DIRECTION=CW with a CW-M4 thread: the highest screw is the base; all turns clockwise.
  std::string cfg = kScrewsTilt;
  cfg.insert(cfg.find("[gcode_macro"), "screw_thread: CW-M4\n");
  auto run = run_leveling(cartesian_config(kEndstopZ) + cfg,
                          "G28\nSCREWS_TILT_CALCULATE METHOD=manual DIRECTION=cw "
                          "MAX_DEVIATION=0.05\n" +
                              heights({4.8, 4.9, 4.7, 4.8}) + "ST\n"
                              "SCREWS_TILT_CALCULATE DIRECTION=up\n");
  EXPECT_EQ(run.with("// screw at 155.000,30.000"),
            (std::vector<std::string>{"// screw at 155.000,30.000 (base) : x=155.0, y=30.0, "
                                      "z=4.90000"}));
  // 0.2 mm on a 0.7 mm pitch: 0.2857 turns = 17 minutes.
  EXPECT_EQ(run.with("// rear right"),
            (std::vector<std::string>{
                "// rear right screw : x=155.0, y=190.0, z=4.70000 : adjust CW 00:17"}));
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{
                "!! bed level exceeds configured limits (0.05mm)! Adjust screws and restart "
                "print.",
                "!! Error on 'SCREWS_TILT_CALCULATE DIRECTION=up': DIRECTION must be either CW "
                "or CCW"}));
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE ERROR=True MAX=0.05 S2=CW/00:00/True"}));
}

}  // namespace
}  // namespace kpp
