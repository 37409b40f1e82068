// [probe] and [safe_z_home] through the whole host in batch mode. In batch mode an endstop
// "triggers" at the end of its move, so a probing move ends at Z position_min (-2 here).
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const std::string kConfig =
    "[batch_test_replies]\n" +
    test::test_printer_config({.z = "endstop_pin: probe:z_virtual_endstop\nposition_min: -2\n"
                                    "position_max: 200\n",
                               .extruder = true}) +
    R"([gcode_macro SHOW]
gcode:
  {% set p = printer.toolhead.position %}
  REC_VALUE TOOLHEAD={"%.2f,%.2f,%.2f,%.2f" % (p.x, p.y, p.z, p.e)}
)";

test::BatchRun run_batch(const std::string& extra_cfg, const std::string& gcode) {
  return test::run_batch(kConfig + extra_cfg, gcode);
}

const std::string kProbe = "[probe]\npin: PH6\nz_offset: 1.15\n";

TEST(ProbeBatch, ProbeReportsEachSampleAndTheResult) {
  auto run = run_batch(kProbe + "samples: 2\n", "G28\nPROBE\nSHOW\nQUERY_PROBE\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("// probe at"),
            (std::vector<std::string>{"// probe at 0.000,0.000 is z=-2.000000",
                                      "// probe at 0.000,0.000 is z=-2.000000"}));
  EXPECT_EQ(run.with("// Result"), (std::vector<std::string>{"// Result is z=-2.000000"}));
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.00,0.00,-2.00,0.00"}));
  EXPECT_EQ(run.with("// probe:"), (std::vector<std::string>{"// probe: open"}));
}

TEST(ProbeBatch, HomingZViaTheProbeUsesZOffset) {
  auto run = run_batch(kProbe, "G28\nSHOW\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.00,0.00,1.15,0.00"}));
}

TEST(ProbeBatch, MustHomeFirst) {
  auto run = run_batch(kProbe, "PROBE\n");
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{"!! Must home before probe"}));
}

TEST(ProbeBatch, ActivateAndDeactivateScripts) {
  std::string scripts = "samples: 2\nactivate_gcode: REC_VALUE A=1\ndeactivate_gcode: REC_VALUE D=1\n";
  auto run = run_batch(kProbe + scripts, "G28\nREC_VALUE M=1\nPROBE\n");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE A=1", "REC_VALUE D=1", "REC_VALUE A=1",
                                      "REC_VALUE D=1", "REC_VALUE M=1", "REC_VALUE A=1",
                                      "REC_VALUE D=1", "REC_VALUE A=1", "REC_VALUE D=1"}));
  // deactivate_on_each_sample off: deployed once per homing (two moves) and once per PROBE.
  run = run_batch(kProbe + scripts + "deactivate_on_each_sample: False\n",
                  "G28\nREC_VALUE M=1\nPROBE\n");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE A=1", "REC_VALUE D=1", "REC_VALUE M=1",
                                      "REC_VALUE A=1", "REC_VALUE D=1"}));
}

TEST(ProbeBatch, AccuracyAndOffsetApply) {
  auto run = run_batch(kProbe, "G28\nPROBE_ACCURACY SAMPLES=3\nSET_GCODE_OFFSET Z=0.1\n"
                               "Z_OFFSET_APPLY_PROBE\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("// probe at").size(), 3u);
  EXPECT_EQ(run.with("// probe accuracy results"),
            (std::vector<std::string>{
                "// probe accuracy results: maximum -2.000000, minimum -2.000000, range "
                "0.000000, average -2.000000, median -2.000000, standard deviation 0.000000"}));
  auto applied = run.with("// probe: z_offset: 1.050");
  EXPECT_EQ(applied.size(), 1u);
}

TEST(ProbeBatch, CalibrateWithTestzAndAccept) {
  auto run = run_batch(kProbe, "G28\nPROBE_CALIBRATE\nTESTZ Z=-1\nTESTZ Z=-\nACCEPT\nTESTZ Z=1\n");
  EXPECT_EQ(run.with("// Z position"),
            (std::vector<std::string>{"// Z position: ?????? --> 3.000 <-- ??????",
                                      "// Z position: ?????? --> 2.000 <-- 3.000",
                                      "// Z position: ?????? --> 1.800 <-- 2.000"}));
  // The probe triggered at -2; the nozzle touches at 1.8.
  EXPECT_EQ(run.with("// probe: z_offset: -3.800").size(), 1u);
  // The session's commands are gone after ACCEPT.
  EXPECT_EQ(run.with("// Unknown command"),
            (std::vector<std::string>{"// Unknown command:\"TESTZ\""}));
}

TEST(ProbeBatch, CalibrateAbortAndFailedAccept) {
  auto run = run_batch(kProbe, "G28\nPROBE_CALIBRATE\nABORT\nPROBE_CALIBRATE\nACCEPT\n");
  EXPECT_EQ(run.with("// probe: z_offset").size(), 0u);
  EXPECT_EQ(run.with("// Manual probe failed!").size(), 1u);
  EXPECT_EQ(run.result, "exit");
}

TEST(SafeZHome, HomesZAtTheSafeSpotAndHops) {
  auto run = run_batch(kProbe + "[safe_z_home]\nhome_xy_position: 100,50\nz_hop: 10\n",
                       "G28\nSHOW\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=100.00,50.00,10.00,0.00"}));
  run = run_batch(kProbe + "[safe_z_home]\nhome_xy_position: 100,50\nmove_to_previous: True\n",
                  "G28\nSHOW\nG28 Z\n");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=0.00,0.00,1.15,0.00"}));
}

TEST(SafeZHome, NeedsXAndYHomed) {
  auto run = run_batch(kProbe + "[safe_z_home]\nhome_xy_position: 100,50\n", "G28 Z\n");
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{"!! Must home X and Y axes first"}));
}

}  // namespace
}  // namespace kpp
