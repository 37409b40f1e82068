// [axis_twist_compensation] in batch mode: probe results corrected by the interpolated table,
// the calibration wizard (probe, then TESTZ/ACCEPT with the nozzle at each point) and errors.
// In batch mode a probing move ends at Z position_min (-2 here).
#include <gtest/gtest.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::run_batch;

std::string printer(const std::string& twist) {
  test::TestPrinter p;
  p.z = "endstop_pin: probe:z_virtual_endstop\nposition_min: -2\nposition_max: 200\n";
  return "[batch_test_replies]\n" + test::test_printer_config(p) +
         "[probe]\npin: PH6\nz_offset: 1\nx_offset: 10\n[axis_twist_compensation]\n" + twist;
}

const std::string kTable =
    "calibrate_start_x: 20\ncalibrate_end_x: 180\ncalibrate_y: 100\n"
    "z_compensations: 0.1, 0, -0.3\ncompensation_start_x: 0\ncompensation_end_x: 200\n";

TEST(AxisTwistCompensation, CorrectsProbeResultsByInterpolation) {
  auto run = run_batch(printer(kTable),
                       "G28\nG1 X50 F6000\nPROBE\nG1 X150\nPROBE\nG1 X200\nPROBE\n"
                       "G1 X10 Y40\nPROBE\n");
  ASSERT_EQ(run.result, "exit");
  // X 50: half way between 0.1 and 0; X 150: half way between 0 and -0.3.
  EXPECT_EQ(run.with("// probe at"),
            (std::vector<std::string>{"// probe at 50.000,0.000 is z=-1.950000",
                                      "// probe at 150.000,0.000 is z=-2.150000",
                                      "// probe at 200.000,0.000 is z=-2.300000",
                                      "// probe at 10.000,40.000 is z=-1.910000"}));
}

TEST(AxisTwistCompensation, YTableAddsToTheXTable) {
  auto run = run_batch(printer(kTable + "zy_compensations: 0, 0.2\ncompensation_start_y: 0\n"
                                        "compensation_end_y: 100\n"),
                       "G28\nG1 X100 Y50 F6000\nPROBE\n");
  EXPECT_EQ(run.with("// probe at"),
            (std::vector<std::string>{"// probe at 100.000,50.000 is z=-1.900000"}));
}

TEST(AxisTwistCompensation, CalibrateMeasuresEachPoint) {
  auto run = run_batch(printer("calibrate_start_x: 20\ncalibrate_end_x: 180\ncalibrate_y: 100\n"
                               "z_compensations: 1, 1\ncompensation_start_x: 0\n"
                               "compensation_end_x: 200\n"),
                       "G28\nAXIS_TWIST_COMPENSATION_CALIBRATE SAMPLE_COUNT=2\n"
                       "TESTZ Z=-1\nACCEPT\nTESTZ Z=-2\nACCEPT\nG1 X40 Y100\nPROBE\n");
  ASSERT_EQ(run.result, "exit");
  auto info = run.info();
  // The probe goes to nozzle point - x_offset; the old table is cleared first (z=-2).
  EXPECT_EQ(run.with("// probe at"),
            (std::vector<std::string>{"// probe at 10.000,100.000 is z=-2.000000",
                                      "// probe at 170.000,100.000 is z=-2.000000",
                                      "// probe at 40.000,100.000 is z=-1.625000"}));
  // Nozzle found at 4 then 3: probe minus nozzle -6 and -5, mean -5.5; at X 40 the new
  // table gives 0.5 + (40 - 20) / 160 * (-0.5 - 0.5) = 0.375.
  // (The nozzle heights carry step rounding: the offsets print as 0.50000000000008 etc.)
  auto done = std::find_if(info.begin(), info.end(), [](const std::string& l) {
    return l.starts_with("AXIS_TWIST_COMPENSATION_CALIBRATE: Calibration complete, offsets: [0.5") &&
           l.find(", -0.5") != std::string::npos && l.ends_with("], mean z_offset: -5.500000");
  });
  EXPECT_NE(done, info.end());
  EXPECT_EQ(run.with("// AXIS_TWIST_COMPENSATION_CALIBRATE: Probing point"),
            (std::vector<std::string>{"// AXIS_TWIST_COMPENSATION_CALIBRATE: Probing point 1 of 2",
                                      "// AXIS_TWIST_COMPENSATION_CALIBRATE: Probing point 2 of 2"}));
}

TEST(AxisTwistCompensation, CalibrateAbortAndErrors) {
  auto run = run_batch(printer("calibrate_start_x: 20\ncalibrate_end_x: 180\ncalibrate_y: 100\n"),
                       "G28\nAXIS_TWIST_COMPENSATION_CALIBRATE SAMPLE_COUNT=1\n"
                       "AXIS_TWIST_COMPENSATION_CALIBRATE AXIS=Z\n"
                       "AXIS_TWIST_COMPENSATION_CALIBRATE AXIS=Y\n"
                       "AXIS_TWIST_COMPENSATION_CALIBRATE\nABORT\n");
  // Command errors make batch mode end with error_exit; the later commands still run.
  EXPECT_EQ(run.result, "error_exit");
  auto errors = run.with("!!");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0], "!! SAMPLE_COUNT to probe must be at least 2");
  EXPECT_EQ(errors[1], "!! AXIS_TWIST_COMPENSATION_CALIBRATE: Invalid axis.");
  EXPECT_EQ(errors[2],
            "!! AXIS_TWIST_COMPENSATION for Y axis requires calibrate_start_y, calibrate_end_y "
            "and calibrate_x to be defined");
  auto info = run.info();
  EXPECT_NE(std::find(info.begin(), info.end(),
                      "AXIS_TWIST_COMPENSATION_CALIBRATE: Probe cancelled, calibration aborted"),
            info.end());
}

TEST(AxisTwistCompensation, ConfigErrors) {
  auto run = run_batch(printer("z_compensations: 0.1, 0\n"), "G28\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("z_compensations requires compensation_start_x and "
                           "compensation_end_x to be set"),
            std::string::npos);
  run = run_batch(printer("z_compensations: 0.1\ncompensation_start_x: 0\n"
                          "compensation_end_x: 200\n"),
                  "G28\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("needs at least two values"), std::string::npos);
  // Without a probe.
  test::TestPrinter p;
  run = run_batch(test::test_printer_config(p) + "[axis_twist_compensation]\n", "G28\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("AXIS_TWIST_COMPENSATION requires [probe] to be defined"),
            std::string::npos);
}

}  // namespace
}  // namespace kpp
