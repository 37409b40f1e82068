// The manual_probe object: MANUAL_PROBE, Z_ENDSTOP_CALIBRATE, Z_OFFSET_APPLY_ENDSTOP and the
// session status, through the whole host in batch mode.
#include <gtest/gtest.h>

#include "leveling_batch.h"

namespace kpp {
namespace {

using test::cartesian_config;
using test::kEndstopZ;
using test::run_leveling;

const std::string kStatus =
    "[gcode_macro MP_STATUS]\ngcode:\n  {% set m = printer.manual_probe %}\n"
    "  REC_VALUE ACTIVE={m.is_active}"
    " Z={'None' if m.z_position is none else '%.3f' % m.z_position}"
    " LO={'None' if m.z_position_lower is none else '%.3f' % m.z_position_lower}"
    " UP={'None' if m.z_position_upper is none else '%.3f' % m.z_position_upper}\n";

TEST(ManualProbe, ManualProbeReportsTheHeightAndStatus) {
  auto run = run_leveling(cartesian_config(kEndstopZ) + kStatus,
                          "G28\nG1 Z5\nMP_STATUS\nMANUAL_PROBE\nTESTZ Z=-1\nTESTZ Z=+\nMP_STATUS\n"
                          "ACCEPT\nMP_STATUS\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  EXPECT_EQ(run.with("// Z position:"),
            (std::vector<std::string>{"// Z position: ?????? --> 5.000 <-- ??????",
                                      "// Z position: ?????? --> 4.000 <-- 5.000",
                                      "// Z position: 4.000 --> 4.200 <-- 5.000"}));
  EXPECT_EQ(run.with("// Z position is"), (std::vector<std::string>{"// Z position is 4.200"}));
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE ACTIVE=False Z=None LO=None UP=None",
                                      "REC_VALUE ACTIVE=True Z=4.200 LO=4.000 UP=5.000",
                                      "REC_VALUE ACTIVE=False Z=None LO=None UP=None"}));
}

TEST(ManualProbe, ZEndstopCalibrateAndOffsetApply) {
  auto run = run_leveling(cartesian_config(kEndstopZ),
                          "G28\nG1 Z3\nZ_ENDSTOP_CALIBRATE\nTESTZ Z=-2.8\nACCEPT\n"
                          "Z_OFFSET_APPLY_ENDSTOP\nSET_GCODE_OFFSET Z=0.2\n"
                          "Z_OFFSET_APPLY_ENDSTOP\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  // The nozzle touched at 0.2: the endstop is 0.3 higher than configured (0.5 - 0.2).
  EXPECT_EQ(run.with("// stepper_z: position_endstop"),
            (std::vector<std::string>{
                "// stepper_z: position_endstop: 0.300\n// The SAVE_CONFIG command will update the "
                "printer config file\n// with the above and restart the printer.",
                "// stepper_z: position_endstop: 0.300\n// The SAVE_CONFIG command will update the "
                "printer config file\n// with the above and restart the printer."}));
  EXPECT_EQ(run.with("// Nothing to do"),
            (std::vector<std::string>{"// Nothing to do: Z Offset is 0"}));
}

TEST(ManualProbe, ProbeEndstopHasNoZEndstopCommands) {
  auto run = run_leveling(cartesian_config(test::kProbeZ) + "[probe]\npin: PH6\nz_offset: 1\n",
                          "Z_ENDSTOP_CALIBRATE\nMANUAL_PROBE MANUAL_METHOD=auto\n");
  EXPECT_EQ(run.with("// Unknown command"),
            (std::vector<std::string>{"// Unknown command:\"Z_ENDSTOP_CALIBRATE\""}));
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{"!! Not supported manual method"}));
}

}  // namespace
}  // namespace kpp
