// [z_tilt], [quad_gantry_level] and [bed_tilt] through the whole host in batch mode, fed with
// synthetic bed heights by manual probing (TESTZ from horizontal_move_z = 5, then ACCEPT).
#include <gtest/gtest.h>

#include <regex>

#include "leveling_batch.h"

namespace kpp {
namespace {

using test::run_leveling;

// Four Z steppers (stepper_z .. stepper_z3), 0.0025 mm per step, Z homes to 0.5.
const std::string kFourZ =
    test::test_printer_config(
        {.xy_max = 250, .z = "endstop_pin: ^PD3\nposition_endstop: 0.5\nposition_max: 250\n"}) +
    R"([stepper_z1]
step_pin: PC1
dir_pin: PC3
enable_pin: !PC7
microsteps: 16
rotation_distance: 8
[stepper_z2]
step_pin: PH1
dir_pin: PH0
enable_pin: !PA1
microsteps: 16
rotation_distance: 8
[stepper_z3]
step_pin: PE3
dir_pin: PG5
microsteps: 16
rotation_distance: 8
[gcode_macro SHOW]
gcode:
  {% set p = printer.toolhead.position %}
  REC_VALUE TOOLHEAD={"%.3f,%.3f,%.3f" % (p.x, p.y, p.z)}
)";

// Manual probing: one "TESTZ Z=<h-start>\nACCEPT" per point; each point starts at
// horizontal_move_z (5) except the first, which starts at `first_start` (after a retry the
// helper moves to the first point without lifting, at the height the adjustment left).
std::string accept_heights(const std::vector<double>& heights, double first_start = 5.) {
  std::string out;
  double start = first_start;
  for (double h : heights) {
    out += "TESTZ Z=" + std::to_string(h - start) + "\nACCEPT\n";
    start = 5.;
  }
  return out;
}

// The MCU positions of the Z steppers from GET_POSITION's "mcu:" line.
std::vector<long> z_mcu_positions(const test::LevelingRun& run) {
  std::vector<long> out;
  for (const auto& line : run.replies) {
    auto at = line.find("mcu: ");
    if (at == std::string::npos) continue;
    std::string mcu_line = line.substr(at, line.find('\n', at) - at);
    std::regex re(R"(stepper_z\d?:(-?\d+))");
    for (std::sregex_iterator it(mcu_line.begin(), mcu_line.end(), re), end; it != end; ++it)
      out.push_back(std::stol((*it)[1]));
  }
  return out;
}

const std::string kZTilt =
    "[z_tilt]\nz_positions:\n  0,0\n  0,250\n  250,250\n  250,0\n"
    "points:\n  50,50\n  50,195\n  195,195\n  195,50\n";

TEST(ZTilt, MovesEachStepperByThePlaneHeightAtItsPivot) {
  // The bed rises 0.1 mm from y=50 to y=195 and is flat in X.
  auto run = run_leveling(kFourZ + kZTilt + "[gcode_macro APPLIED]\ngcode:\n"
                                            "  REC_VALUE APPLIED={printer.z_tilt.applied}\n",
                          "G28\nAPPLIED\nZ_TILT_ADJUST METHOD=manual\n" +
                              accept_heights({4.8, 4.9, 4.9, 4.8}) +
                              "SHOW\nAPPLIED\nGET_POSITION\nM84\nAPPLIED\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  auto adj = run.with("// Making the following Z adjustments:");
  ASSERT_EQ(adj.size(), 1u) << ::testing::PrintToString(run.replies);
  // Plane: z = 4.8 + (y - 50) * 0.1 / 145.
  std::regex re(R"((stepper_z\d?) = (-?[\d.]+))");
  std::vector<double> values;
  for (std::sregex_iterator it(adj[0].begin(), adj[0].end(), re), end; it != end; ++it)
    values.push_back(std::stod((*it)[2]));
  ASSERT_EQ(values.size(), 4u);
  const double expect[4] = {4.765517, 4.937931, 4.937931, 4.765517};
  for (int i = 0; i < 4; i++) EXPECT_NEAR(values[i], expect[i], 2e-4) << i;
  // The toolhead Z is now counted from the new bed plane: 5 - the smallest adjustment. The
  // applied status follows the run and is cleared by turning the motors off.
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE APPLIED=False", "REC_VALUE TOOLHEAD=195.000,50.000,0.234",
                                      "REC_VALUE APPLIED=True", "REC_VALUE APPLIED=False"}));
  // stepper_z1 and stepper_z2 ended 0.172 mm (69 steps) above stepper_z and stepper_z3.
  auto mcu = z_mcu_positions(run);
  ASSERT_EQ(mcu.size(), 4u) << ::testing::PrintToString(run.replies);
  EXPECT_NEAR(mcu[1] - mcu[0], 69, 1);
  EXPECT_NEAR(mcu[2] - mcu[0], 69, 1);
  EXPECT_NEAR(mcu[3] - mcu[0], 0, 1);
}

TEST(ZTilt, RetriesUntilWithinTolerance) {
  auto run = run_leveling(kFourZ + kZTilt + "retries: 2\nretry_tolerance: 0.05\n",
                          "G28\nZ_TILT_ADJUST METHOD=manual\n" +
                              accept_heights({4.8, 4.9, 4.9, 4.8}) +
                              accept_heights({0.1, 0.12, 0.12, 0.1}, 0.234483));
  auto retries = run.with("// Retries:");
  ASSERT_EQ(retries.size(), 2u) << ::testing::PrintToString(run.replies);
  EXPECT_EQ(retries[0], "// Retries: 0/2 Probed points range: 0.100000 tolerance: 0.050000");
  // Heights after the first adjustment are only known to a step (0.0025 mm).
  EXPECT_TRUE(retries[1].starts_with("// Retries: 1/2 Probed points range: 0.02")) << retries[1];
  EXPECT_EQ(run.with("// Making the following").size(), 2u);
  // Too many retries: the range never gets small enough.
  run = run_leveling(kFourZ + kZTilt + "retries: 1\nretry_tolerance: 0.01\n",
                     "G28\nZ_TILT_ADJUST METHOD=manual\n" + accept_heights({4.8, 4.9, 4.9, 4.8}) +
                         accept_heights({0.1, 0.15, 0.15, 0.1}, 0.234483));
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{"!! Too many retries"}));
}

TEST(ZTilt, ConfigErrors) {
  auto run = run_leveling(kFourZ + "[z_tilt]\nz_positions:\n  0,0\n  0,250\n"
                                   "points:\n  50,50\n  50,195\n",
                          "");
  ASSERT_FALSE(run.replies.empty());
  EXPECT_NE(run.replies.back().find("z_tilt z_positions needs exactly 4 items"), std::string::npos)
      << run.replies.back();
}

const std::string kQgl =
    "[quad_gantry_level]\ngantry_corners:\n  -55,-7\n  305,320\n"
    "points:\n  25,0\n  25,200\n  225,200\n  225,0\n";

TEST(QuadGantryLevel, ExtrapolatesTheCornersAndLevelsToTheAverage) {
  auto run = run_leveling(kFourZ + kQgl + "[gcode_macro APPLIED]\ngcode:\n"
                                          "  REC_VALUE APPLIED={printer.quad_gantry_level.applied}\n",
                          "G28\nQUAD_GANTRY_LEVEL METHOD=manual\n" +
                              accept_heights({4.8, 4.9, 4.7, 4.75}) + "APPLIED\nGET_POSITION\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  EXPECT_EQ(run.with("// Gantry-relative"),
            (std::vector<std::string>{"// Gantry-relative probe points:\n// 0: 0.200000 1: "
                                      "0.100000 2: 0.300000 3: 0.250000"}));
  EXPECT_EQ(run.with("// Actuator Positions:"),
            (std::vector<std::string>{
                "// Actuator Positions:\n// z: 0.185600 z1: -0.076000 z2: 0.446000 z3: 0.266150"}));
  EXPECT_EQ(run.with("// Average:"), (std::vector<std::string>{"// Average: 0.205437"}));
  EXPECT_EQ(run.with("REC_VALUE"), (std::vector<std::string>{"REC_VALUE APPLIED=True"}));
  // Adjustments 0.0198, 0.2814, -0.2406, -0.0607 mm: relative to stepper_z in steps.
  auto mcu = z_mcu_positions(run);
  ASSERT_EQ(mcu.size(), 4u);
  EXPECT_NEAR(mcu[1] - mcu[0], (0.2814375 - 0.0198375) / 0.0025, 1);
  EXPECT_NEAR(mcu[2] - mcu[0], (-0.2405625 - 0.0198375) / 0.0025, 1);
  EXPECT_NEAR(mcu[3] - mcu[0], (-0.0607125 - 0.0198375) / 0.0025, 1);
}

TEST(QuadGantryLevel, MaxAdjustAborts) {
  auto run = run_leveling(kFourZ + kQgl + "max_adjust: 0.1\n",
                          "G28\nQUAD_GANTRY_LEVEL METHOD=manual\n" +
                              accept_heights({4.8, 4.9, 4.7, 4.75}));
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{"!! Aborting quad_gantry_level required adjustment 0.281438 "
                                      "is greater than max_adjust 0.100000"}));
  EXPECT_EQ(run.with("// Making the following").size(), 0u);
}

TEST(BedTilt, CalibrateFitsThePlaneAndTransformsMoves) {
  auto run = run_leveling(
      kFourZ.substr(0, kFourZ.find("[stepper_z1]")) + kFourZ.substr(kFourZ.find("[mcu]")) +
          "[bed_tilt]\npoints:\n  50,50\n  50,195\n  195,195\n  195,50\n",
      "G28\nBED_TILT_CALIBRATE METHOD=manual\n" + accept_heights({4.8, 4.9, 4.9, 4.8}) +
          "G1 X0 Y0 Z1\nSHOW\nG1 X100 Y195\nSHOW\nGET_POSITION\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  auto report = run.with("// x_adjust:");
  ASSERT_EQ(report.size(), 1u);
  // z_adjust is the fitted height at 0,0 minus nothing (manual probing has no z_offset).
  std::smatch m;
  ASSERT_TRUE(std::regex_search(report[0], m, std::regex(R"(x_adjust: (\S+) y_adjust: (\S+) z_adjust: (\S+))")));
  EXPECT_NEAR(std::stod(m[1]), 0., 2e-6);
  EXPECT_NEAR(std::stod(m[2]), 0.1 / 145., 2e-6);
  EXPECT_NEAR(std::stod(m[3]), 4.8 - 50. * 0.1 / 145., 2e-4);
  // G-code positions stay as commanded; the toolhead Z carries the tilt.
  EXPECT_EQ(run.with("REC_VALUE"), (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.000,0.000,5.766",
                                                              "REC_VALUE TOOLHEAD=100.000,195.000,5.900"}));
  bool found = false;
  for (const auto& l : run.replies)
    if (l.find("gcode: X:100.000000 Y:195.000000 Z:1.000000") != std::string::npos) found = true;
  EXPECT_TRUE(found) << ::testing::PrintToString(run.replies);
}

}  // namespace
}  // namespace kpp
