// Klipper's pressure_advance regression case against its golden stream: SET_PRESSURE_ADVANCE
// with new ADVANCE and SMOOTH_TIME values, an extruder_stepper synced and unsynced. Every
// stepper's commands must equal Klipper's line for line (a new smooth_time applies at once, so
// the next move starts with the new kinematic flush delay).
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const std::string kShared = KPP_SHARED_DIR;

std::vector<std::string> gz_lines(const std::string& path) {
  std::vector<std::string> out;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) return out;
  char buf[4096];
  while (gzgets(gz, buf, sizeof(buf))) {
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    out.push_back(line);
  }
  gzclose(gz);
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Step commands of the stepper with step pin `pin` (oid replaced).
std::vector<std::string> steps_of(const std::vector<std::string>& lines, const std::string& pin) {
  std::regex re("config_stepper oid=(\\d+) step_pin=" + pin + " ");
  std::smatch m;
  std::string oid;
  for (auto& l : lines)
    if (std::regex_search(l, m, re)) oid = m[1];
  std::vector<std::string> out;
  for (auto& l : lines)
    if ((l.starts_with("queue_step") || l.starts_with("set_next_step_dir")) &&
        l.find(" oid=" + oid + " ") != std::string::npos)
      out.push_back(std::regex_replace(l, std::regex("oid=\\d+"), "oid=#"));
  return out;
}

TEST(PressureAdvanceGolden, StepsEqualKlippers) {
  std::string cfg = read_file(kShared + "/klipper/test/klippy/pressure_advance.cfg");
  std::string gcode = read_file(kShared + "/golden/klipper/pressure_advance/1.gcode");
  ASSERT_FALSE(cfg.empty());
  ASSERT_FALSE(gcode.empty());
  std::vector<std::string> golden =
      gz_lines(kShared + "/golden/klipper/pressure_advance/pressure_advance.txt.gz");
  ASSERT_FALSE(golden.empty());
  test::BatchRun run = test::run_batch(cfg, gcode);
  ASSERT_EQ(run.result, "exit") << run.state;
  // X, Y, Z, the extruder and the extruder_stepper.
  for (std::string pin : {"PF0", "PF6", "PL3", "PA4", "PH5"}) {
    std::vector<std::string> want = steps_of(golden, pin), got = steps_of(run.lines, pin);
    EXPECT_GT(want.size(), 10u) << pin;
    EXPECT_EQ(got, want) << pin;
  }
}

}  // namespace
}  // namespace kpp
