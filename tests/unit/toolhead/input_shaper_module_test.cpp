// [input_shaper] through the whole host in batch mode: config options, SET_INPUT_SHAPER replies
// and errors, and its effect on the steps of a cartesian printer.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <regex>

#include "../common/batch_util.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {
namespace {

const std::string kPrinter = "[batch_test_replies]\n" + test::test_printer_config();

struct ShaperRun {
  test::BatchRun batch;
  std::vector<std::string> replies;
};

ShaperRun run(const std::string& extra_cfg, const std::string& gcode) {
  ShaperRun r;
  r.batch = test::run_batch(kPrinter + extra_cfg, gcode);
  r.replies = r.batch.info();
  return r;
}

// The oid of the stepper with step pin `pin`.
std::string stepper_oid(const test::BatchRun& r, const std::string& pin) {
  std::regex re("config_stepper oid=(\\d+) step_pin=" + pin + " ");
  std::smatch m;
  for (auto& l : r.lines)
    if (std::regex_search(l, m, re)) return m[1];
  return "";
}

// The step commands (queue_step / set_next_step_dir) of one stepper.
std::vector<std::string> steps_of(const test::BatchRun& r, const std::string& pin) {
  std::string oid = " oid=" + stepper_oid(r, pin) + " ";
  std::vector<std::string> out;
  for (auto& l : r.lines)
    if ((l.starts_with("queue_step") || l.starts_with("set_next_step_dir")) &&
        l.find(oid) != std::string::npos)
      out.push_back(l);
  return out;
}

// Total steps (sum of counts) of one stepper.
long total_steps(const test::BatchRun& r, const std::string& pin) {
  long n = 0;
  std::regex re("count=(\\d+)");
  std::smatch m;
  for (auto& l : steps_of(r, pin))
    if (std::regex_search(l, m, re)) n += std::stol(m[1]);
  return n;
}

// X only moves forward after homing: shaping rounds off reversals (the carriage turns before
// reaching a short peak), which would change the step count.
const char* kMoves = "G28\nG1 X50 F12000\nG1 X70 Y30\nG1 X150 Y100\nG4 P1000\n";

TEST(InputShaperModule, ReportsAllAxesOnSetInputShaper) {
  ShaperRun r = run("[input_shaper]\nshaper_type_x: mzv\nshaper_freq_x: 33.2\nshaper_type_y: "
              "ei(v_tol=0.02)\nshaper_freq_y: 39.3\ndamping_ratio_y: 0.4\nshaper_freq_z: 42\n",
              "SET_INPUT_SHAPER\n"
              "SET_INPUT_SHAPER SHAPER_FREQ_X=22.2 DAMPING_RATIO_X=.1 SHAPER_TYPE_X=mzv(5,0.6)\n"
              "SET_INPUT_SHAPER SHAPER_TYPE=ZVD\n");
  ASSERT_EQ(r.batch.result, "exit") << r.batch.state;
  std::vector<std::string> want = {
      "shaper_type_x:mzv shaper_freq_x:33.200 damping_ratio_x:0.100000",
      "shaper_type_y:ei(v_tol=0.02) shaper_freq_y:39.300 damping_ratio_y:0.400000",
      "shaper_type_z:mzv shaper_freq_z:42.000 damping_ratio_z:0.100000",
      "shaper_type_x:mzv(5,0.6) shaper_freq_x:22.200 damping_ratio_x:0.100000",
      "shaper_type_y:ei(v_tol=0.02) shaper_freq_y:39.300 damping_ratio_y:0.400000",
      "shaper_type_z:mzv shaper_freq_z:42.000 damping_ratio_z:0.100000",
      "shaper_type_x:zvd shaper_freq_x:22.200 damping_ratio_x:0.100000",
      "shaper_type_y:zvd shaper_freq_y:39.300 damping_ratio_y:0.400000",
      "shaper_type_z:zvd shaper_freq_z:42.000 damping_ratio_z:0.100000"};
  EXPECT_EQ(r.replies, want);
}

// A G-code error ends a batch run (as in Klipper): one bad command per run.
TEST(InputShaperModule, BadParametersAreCommandErrors) {
  auto first_reply = [](const std::string& gcode) {
    ShaperRun r = run("[input_shaper]\nshaper_freq_x: 40\n", gcode);
    EXPECT_EQ(r.batch.result, "error_exit");
    for (auto& m : r.replies)
      if (m.starts_with("!! ")) return m;
    return std::string();
  };
  EXPECT_EQ(first_reply("SET_INPUT_SHAPER SHAPER_TYPE_X=foo\n"),
            "!! Unsupported shaper type: foo");
  EXPECT_EQ(first_reply("SET_INPUT_SHAPER SHAPER_TYPE_Y=3hump_ei DAMPING_RATIO_Y=0.5\n"),
            "!! Too high value of damping_ratio=0.500 for shaper 3hump_ei on axis Y");
  EXPECT_EQ(first_reply("SET_INPUT_SHAPER SHAPER_TYPE_X=mzv(n=2)\n"),
            "!! Too small n=2, must be at least 3");
  EXPECT_NE(first_reply("SET_INPUT_SHAPER SHAPER_FREQ_X=-1\n").find("SHAPER_FREQ_X"),
            std::string::npos);
}

TEST(InputShaperModule, ConfigErrorsNameTheProblem) {
  ShaperRun r = run("[input_shaper]\nshaper_type: bogus\nshaper_freq_x: 40\n", "");
  EXPECT_NE(r.batch.state.find("Unsupported shaper type: bogus"), std::string::npos)
      << r.batch.state;
  r = run("[input_shaper]\nshaper_type_x: mzv(n=2)\nshaper_freq_x: 40\n", "");
  EXPECT_NE(r.batch.state.find("Too small n=2, must be at least 3"), std::string::npos)
      << r.batch.state;
  r = run("[input_shaper]\nshaper_type_y: ei\ndamping_ratio_y: 0.5\n", "");
  EXPECT_NE(r.batch.state.find("damping_ratio_y"), std::string::npos) << r.batch.state;
}

TEST(InputShaperModule, ShapingMovesStepsButKeepsTheirNumber) {
  ShaperRun plain = run("", kMoves);
  ShaperRun shaped = run("[input_shaper]\nshaper_freq_x: 40\nshaper_type_x: ei\n", kMoves);
  ASSERT_EQ(plain.batch.result, "exit") << plain.batch.state;
  ASSERT_EQ(shaped.batch.result, "exit") << shaped.batch.state;
  // Same path, so the same number of steps, but the shaped X steps are spread differently.
  EXPECT_EQ(total_steps(plain.batch, "PF0"), total_steps(shaped.batch, "PF0"));
  EXPECT_GT(total_steps(plain.batch, "PF0"), 3000);
  EXPECT_NE(steps_of(plain.batch, "PF0"), steps_of(shaped.batch, "PF0"));
  EXPECT_EQ(total_steps(plain.batch, "PF6"), total_steps(shaped.batch, "PF6"));
}

TEST(InputShaperModule, FrequencyZeroTurnsShapingOff) {
  ShaperRun plain = run("", kMoves);
  ShaperRun off = run("[input_shaper]\nshaper_freq_x: 40\nshaper_freq_y: 50\n",
                std::string("SET_INPUT_SHAPER SHAPER_FREQ_X=0 SHAPER_FREQ_Y=0\n") + kMoves);
  ASSERT_EQ(off.batch.result, "exit") << off.batch.state;
  EXPECT_EQ(steps_of(plain.batch, "PF0"), steps_of(off.batch, "PF0"));
  EXPECT_EQ(steps_of(plain.batch, "PF6"), steps_of(off.batch, "PF6"));
}

TEST(InputShaperModule, SetInputShaperEqualsTheSameConfig) {
  ShaperRun from_cfg = run("[input_shaper]\nshaper_freq_x: 45\nshaper_type_x: 2hump_ei\n", kMoves);
  ShaperRun from_cmd = run("[input_shaper]\nshaper_freq_x: 45\n",
                     std::string("SET_INPUT_SHAPER SHAPER_TYPE_X=2hump_ei\n") + kMoves);
  EXPECT_EQ(steps_of(from_cfg.batch, "PF0"), steps_of(from_cmd.batch, "PF0"));
}

}  // namespace
}  // namespace kpp
