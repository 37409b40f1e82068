// [sdcard_loop] through the whole host in batch mode: a looped section of a virtual_sdcard file
// runs COUNT times (nested loops multiply), and the commands refuse to run from the wrong place.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;
using test::run_batch;

// Total steps of the stepper with `oid` in the decoded stream.
int64_t step_count(const test::BatchRun& run, int oid) {
  static const std::regex re(R"(queue_step oid=(\d+) interval=\d+ count=(\d+))");
  int64_t n = 0;
  std::smatch m;
  for (auto& l : run.lines)
    if (std::regex_search(l, m, re) && std::stoi(m[1]) == oid) n += std::stoll(m[2]);
  return n;
}

struct SdDir {
  fs::path dir = fs::temp_directory_path() / fmt::format("kpp_sdloop_{}", getpid());
  explicit SdDir(const std::string& gcode) {
    fs::create_directories(dir);
    std::ofstream(dir / "loop.gcode") << gcode;
  }
  ~SdDir() { fs::remove_all(dir); }
};

std::string config(const fs::path& sd) {
  return test::cartesian_config(300) +
         fmt::format("[virtual_sdcard]\npath: {}\n[sdcard_loop]\n", sd.string());
}

// stepper_x is oid 2 (endstop 0, trsync 1 come first); 80 steps per mm.
constexpr int kOidX = 2;

// X steps of the file's moves: the steps of the run minus those of homing alone.
int64_t file_steps(const fs::path& sd, const test::BatchRun& run) {
  static const int64_t homing = step_count(run_batch(config(sd), "G28\n"), kOidX);
  return step_count(run, kOidX) - homing;
}

TEST(SdcardLoop, NestedLoopsRepeatTheirSections) {
  // Outer section 2 times: 5 mm, then an inner section 3 times: 1 mm -> 2 * (5 + 3) = 16 mm.
  SdDir sd("G91\nSDCARD_LOOP_BEGIN COUNT=2\nG1 X5 F6000\nSDCARD_LOOP_BEGIN COUNT=3\n"
           "G1 X1\nSDCARD_LOOP_END\nSDCARD_LOOP_END\nG1 X100\n");
  auto run = run_batch(config(sd.dir), "G28\nSDCARD_PRINT_FILE FILENAME=loop.gcode\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(file_steps(sd.dir, run), (16 + 100) * 80);
}

TEST(SdcardLoop, EndWithoutBeginJustContinues) {
  SdDir sd("G91\nG1 X2 F6000\nSDCARD_LOOP_END\nG1 X3\n");
  auto run = run_batch(config(sd.dir), "G28\nSDCARD_PRINT_FILE FILENAME=loop.gcode\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  EXPECT_EQ(file_steps(sd.dir, run), 5 * 80);
}

TEST(SdcardLoop, DesistOnlyOutsideTheFileAndLoopsOnlyInside) {
  SdDir sd("G91\nSDCARD_LOOP_DESIST\nG1 X7 F6000\n");
  // From the file, DESIST is an error: the print stops before the move.
  auto run = run_batch(config(sd.dir),
                       "G28\nSDCARD_LOOP_DESIST\nSDCARD_PRINT_FILE FILENAME=loop.gcode\n");
  EXPECT_EQ(file_steps(sd.dir, run), 0);
  // From the input, BEGIN is an error (which ends batch mode with an error).
  auto run2 = run_batch(config(sd.dir), "SDCARD_LOOP_BEGIN COUNT=2\n");
  EXPECT_EQ(run2.result, "error_exit");
}

}  // namespace
}  // namespace kpp
