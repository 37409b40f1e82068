// [endstop_phase] in batch mode: the homed position moves by the distance between the trigger
// phase and the configured one, ENDSTOP_PHASE_CALIBRATE reports the phases seen.
#include <gtest/gtest.h>

#include <regex>

#include <fmt/format.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::run_batch;

std::string config(const std::string& extra) {
  return "[batch_test_replies]\n" + test::cartesian_config() + extra;
}

// The first reply matching `re`, its first group.
std::string find_reply(const test::BatchRun& run, const std::string& re) {
  std::regex r(re);
  std::smatch m;
  for (auto& l : run.replies)
    if (std::regex_search(l, m, r)) return m[1];
  return {};
}

constexpr double kStepDist = 40. / 3200.;  // rotation_distance / (200 * 16)

TEST(EndstopPhase, FirstHomingSetsThePhaseAndCalibrateReportsIt) {
  auto run = run_batch(config("[endstop_phase stepper_x]\n"),
                       "ENDSTOP_PHASE_CALIBRATE\nG28 X\nM114\nENDSTOP_PHASE_CALIBRATE\n"
                       "ENDSTOP_PHASE_CALIBRATE STEPPER=stepper_x\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_NE(find_reply(run, "(No steppers found. \\(Be sure to home at least once.\\))"), "");
  // No trigger_phase: the first homing's phase becomes the reference, no adjustment.
  EXPECT_EQ(find_reply(run, "(X:[-0-9.]+)"), "X:0.000");
  std::string phase = find_reply(run, "stepper_x: trigger_phase=(\\d+)/64 \\(range");
  ASSERT_NE(phase, "");
  EXPECT_NE(find_reply(run, "(stepper_x: trigger_phase=" + phase + "/64 \\(range " + phase + " to " +
                       phase + "\\))"),
            "");
  EXPECT_NE(find_reply(run, "(The SAVE_CONFIG command will update)"), "");
}

TEST(EndstopPhase, TriggerPhaseShiftsTheHomedPosition) {
  // Learn the phase batch-mode homing ends on, then configure another one.
  auto learn = run_batch(config("[endstop_phase stepper_x]\n"), "G28 X\nENDSTOP_PHASE_CALIBRATE\n");
  int seen = std::stoi(find_reply(learn, "stepper_x: trigger_phase=(\\d+)/64"));
  int configured = (seen + 5) % 64;
  auto run = run_batch(
      config(fmt::format("[endstop_phase stepper_x]\ntrigger_phase: {}/64\n", configured)),
      "G28 X\nM114\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // Batch mode accepts every phase; the delta is taken below the configured phase.
  int delta = ((seen - configured) % 64 + 64) % 64 - 64;
  EXPECT_EQ(find_reply(run, "(X:[-0-9.]+)"), fmt::format("X:{:.3f}", delta * kStepDist));
}

TEST(EndstopPhase, ConfigErrors) {
  auto bad = run_batch(config("[endstop_phase stepper_x]\ntrigger_phase: 70/64\n"));
  EXPECT_NE(bad.state.find("Invalid trigger_phase '70/64'"), std::string::npos) << bad.state;
  // 0.5 mm is 40 steps: more than half of the 64 phases.
  auto coarse = run_batch(config("[endstop_phase stepper_x]\nendstop_accuracy: 0.5\n"));
  EXPECT_NE(coarse.state.find("Endstop for stepper_x is not accurate enough"), std::string::npos)
      << coarse.state;
}

TEST(EndstopPhase, CalibrateUnknownStepperIsAnError) {
  auto run = run_batch(config("[endstop_phase]\n"), "ENDSTOP_PHASE_CALIBRATE STEPPER=stepper_y\n");
  EXPECT_EQ(run.result, "error_exit");
}

}  // namespace
}  // namespace kpp
