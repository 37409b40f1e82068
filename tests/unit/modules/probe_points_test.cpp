// ProbePointsHelper through the whole host in batch mode (a probe "triggers" at the end of
// its move, so every probed Z is position_min = -2).
#include "modules/probe_points.h"

#include <gtest/gtest.h>
#include <fmt/format.h>

#include "leveling_batch.h"

namespace kpp {
namespace {

using test::cartesian_config;
using test::kEndstopZ;
using test::kProbeZ;
using test::run_leveling;

// [probe_points_test]: PROBE_POINTS_TEST probes the configured points and reports what the
// finalize callback received; "retries" rounds are answered with kRetry first.
class ProbePointsTester : public PrinterObject {
 public:
  explicit ProbePointsTester(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        retries_(static_cast<int>(config.getint("retries", 0))),
        helper_(config, [this](const Pos3& off, const std::vector<Pos3>& pos) {
          return finalize(off, pos);
        }) {
    helper_.use_xy_offsets(config.getboolean("use_offsets", false));
    helper_.minimum_points(2);
    config.get_printer().lookup<GCodeDispatch>("gcode").register_command(
        "PROBE_POINTS_TEST", [this](GCodeCommand& g) {
          left_ = retries_;
          helper_.start_probe(g);
        });
  }

 private:
  ProbePointsHelper::Outcome finalize(const Pos3& off, const std::vector<Pos3>& positions) {
    std::string text = fmt::format("FINAL offsets={:.2f},{:.2f},{:.2f} lift={:.1f}", off[0],
                                   off[1], off[2], helper_.get_lift_speed());
    for (const Pos3& p : positions) text += fmt::format(" {:.2f},{:.2f},{:.2f}", p[0], p[1], p[2]);
    printer_.lookup<GCodeDispatch>("gcode").respond_info(text);
    if (left_-- > 0) return ProbePointsHelper::Outcome::kRetry;
    return ProbePointsHelper::Outcome::kDone;
  }
  Printer& printer_;
  int retries_, left_ = 0;
  ProbePointsHelper helper_;
};

const bool kRegistered = [] {
  register_module("probe_points_test",
                  [](ConfigWrapper& c) { return std::make_shared<ProbePointsTester>(c); });
  return true;
}();

const std::string kProbe = "[probe]\npin: PH6\nz_offset: 1.15\nx_offset: 10\ny_offset: -5\n"
                           "lift_speed: 7\n";
const std::string kPoints = "[probe_points_test]\npoints:\n  50,60\n  150, 160\n";

TEST(ProbePoints, ProbesEachPointAndHandsOverOffsets) {
  auto run = run_leveling(cartesian_config(kProbeZ) + kProbe + kPoints,
                          "G28\nPROBE_POINTS_TEST\nSHOW\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  EXPECT_EQ(run.with("// probe at"),
            (std::vector<std::string>{"// probe at 50.000,60.000 is z=-2.000000",
                                      "// probe at 150.000,160.000 is z=-2.000000"}));
  EXPECT_EQ(run.with("// FINAL"),
            (std::vector<std::string>{"// FINAL offsets=10.00,-5.00,1.15 lift=7.0 "
                                      "50.00,60.00,-2.00 150.00,160.00,-2.00"}));
  // After the last point the toolhead is back at horizontal_move_z.
  EXPECT_EQ(run.with("REC_VALUE"), (std::vector<std::string>{"REC_VALUE TOOLHEAD=150.00,160.00,5.00"}));
}

TEST(ProbePoints, UseOffsetsPutsTheProbeOverThePoint) {
  auto run = run_leveling(cartesian_config(kProbeZ) + kProbe + kPoints + "use_offsets: True\n",
                          "G28\nPROBE_POINTS_TEST HORIZONTAL_MOVE_Z=8\nSHOW\n");
  EXPECT_EQ(run.with("// probe at"),
            (std::vector<std::string>{"// probe at 40.000,65.000 is z=-2.000000",
                                      "// probe at 140.000,165.000 is z=-2.000000"}));
  EXPECT_EQ(run.with("REC_VALUE"), (std::vector<std::string>{"REC_VALUE TOOLHEAD=140.00,165.00,8.00"}));
}

TEST(ProbePoints, RetryProbesAllPointsAgain) {
  auto run = run_leveling(cartesian_config(kProbeZ) + kProbe + kPoints + "retries: 2\n",
                          "G28\nPROBE_POINTS_TEST SAMPLES=2\n");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("// FINAL").size(), 3u);
  EXPECT_EQ(run.with("// probe at").size(), 12u);  // 3 rounds x 2 points x 2 samples
  // Each round hands over only its own results.
  for (const auto& line : run.with("// FINAL"))
    EXPECT_EQ(line, "// FINAL offsets=10.00,-5.00,1.15 lift=7.0 50.00,60.00,-2.00 "
                    "150.00,160.00,-2.00");
}

TEST(ProbePoints, HorizontalMoveZBelowZOffsetIsAnError) {
  auto run = run_leveling(cartesian_config(kProbeZ) + kProbe + kPoints,
                          "G28\nPROBE_POINTS_TEST HORIZONTAL_MOVE_Z=1\nPROBE_POINTS_TEST\n");
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{"!! horizontal_move_z can't be less than probe's z_offset"}));
  // The failed command left no probe session behind: the next run works.
  EXPECT_EQ(run.with("// FINAL").size(), 1u);
}

TEST(ProbePoints, ManualProbingWithoutAProbe) {
  auto run = run_leveling(cartesian_config(kEndstopZ) + kPoints,
                          "G28\nPROBE_POINTS_TEST\nSHOW\nTESTZ Z=-4.5\nACCEPT\nSHOW\n"
                          "TESTZ Z=-4\nACCEPT\nSHOW\n");
  EXPECT_EQ(run.result, "exit") << ::testing::PrintToString(run.replies);
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=50.00,60.00,5.00",
                                      "REC_VALUE TOOLHEAD=150.00,160.00,5.00",
                                      "REC_VALUE TOOLHEAD=150.00,160.00,5.00"}));
  EXPECT_EQ(run.with("// FINAL"),
            (std::vector<std::string>{"// FINAL offsets=0.00,0.00,0.00 lift=50.0 "
                                      "50.00,60.00,0.50 150.00,160.00,1.00"}));
}

TEST(ProbePoints, MethodManualIgnoresTheProbe) {
  auto run = run_leveling(cartesian_config(kProbeZ) + kProbe + kPoints,
                          "G28\nPROBE_POINTS_TEST METHOD=Manual\nTESTZ Z=-1\nACCEPT\nABORT\n"
                          "PROBE_POINTS_TEST METHOD=manual\nPROBE_POINTS_TEST\n");
  EXPECT_EQ(run.with("// probe at").size(), 0u);
  EXPECT_EQ(run.with("// FINAL").size(), 0u);  // aborted at the second point
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{"!! Already in a manual Z probe. Use ABORT to abort it."}));
}

TEST(ProbePoints, ConfigErrors) {
  auto run = run_leveling(cartesian_config(kProbeZ) + kProbe +
                              "[probe_points_test]\npoints:\n  50,60\n  150\n",
                          "");
  EXPECT_NE(run.result, "exit");
  ASSERT_FALSE(run.replies.empty());
  EXPECT_NE(run.replies.back().find("Unable to parse option 'points' in section 'probe_points_test'"),
            std::string::npos)
      << run.replies.back();
  run = run_leveling(cartesian_config(kProbeZ) + kProbe + "[probe_points_test]\npoints: 50,60\n",
                     "");
  ASSERT_FALSE(run.replies.empty());
  EXPECT_NE(run.replies.back().find("Need at least 2 probe points for probe_points_test"),
            std::string::npos)
      << run.replies.back();
}

}  // namespace
}  // namespace kpp
