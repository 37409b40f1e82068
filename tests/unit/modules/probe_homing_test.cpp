// Z homing via probe:z_virtual_endstop in batch mode, checked on the MCU stream: like Klipper,
// both homing moves travel down to the probe's Z minimum (stepper_z position_min), while the
// position assigned where the probe triggers is the probe's z_offset. In batch mode the probe
// "triggers" at the end of each move, so the step counts show the travel distances.
#include <gtest/gtest.h>

#include <regex>

#include "../common/batch_util.h"

namespace kpp {
namespace {

using test::run_batch;

// 400 steps/mm on Z (16 microsteps, rotation_distance 8), position_max 200.
std::string probe_printer(const std::string& z_extra, const std::string& probe_extra = "") {
  return "[batch_test_replies]\n[mcu]\nserial: /dev/null\n[printer]\nkinematics: cartesian\n"
         "max_velocity: 300\nmax_accel: 3000\nmax_z_velocity: 5\nmax_z_accel: 100\n"
         "[stepper_x]\nstep_pin: PF0\ndir_pin: PF1\nendstop_pin: ^PE5\nmicrosteps: 16\n"
         "rotation_distance: 40\nposition_endstop: 0\nposition_max: 200\n"
         "[stepper_y]\nstep_pin: PF6\ndir_pin: PF7\nendstop_pin: ^PJ1\nmicrosteps: 16\n"
         "rotation_distance: 40\nposition_endstop: 0\nposition_max: 200\n"
         "[stepper_z]\nstep_pin: PL3\ndir_pin: PL1\nendstop_pin: probe:z_virtual_endstop\n"
         "microsteps: 16\nrotation_distance: 8\nposition_max: 200\n" +
         z_extra + "[probe]\npin: PH6\nz_offset: 1.15\n" + probe_extra;
}

// The Z stepper's steps grouped into runs of one direction: {dir, count} per run.
std::vector<std::pair<int, long>> z_runs(const test::BatchRun& run) {
  std::string oid;
  std::regex cfg(R"(config_stepper oid=(\d+) step_pin=PL3 )");
  for (auto& l : run.lines) {
    std::smatch m;
    if (std::regex_search(l, m, cfg)) oid = m[1];
  }
  EXPECT_FALSE(oid.empty());
  std::vector<std::pair<int, long>> runs;
  int dir = -1;
  std::regex dir_re("set_next_step_dir oid=" + oid + " dir=(\\d)");
  std::regex step_re("queue_step oid=" + oid + " interval=\\d+ count=(\\d+) ");
  for (auto& l : run.lines) {
    std::smatch m;
    if (std::regex_search(l, m, dir_re)) {
      dir = std::stoi(m[1]);
    } else if (std::regex_search(l, m, step_re)) {
      long n = std::stol(m[1]);
      if (runs.empty() || runs.back().first != dir)
        runs.emplace_back(dir, n);
      else
        runs.back().second += n;
    }
  }
  return runs;
}

std::vector<std::string> positions(const test::BatchRun& run) {
  std::vector<std::string> out;
  for (auto& r : run.replies)
    if (r.starts_with("X:")) out.push_back(r);
  return out;
}

TEST(ProbeHoming, MovesReachTheZMinimumWithPositionMinZero) {
  auto run = run_batch(probe_printer(""), "G28 Z\nM114\n");
  ASSERT_EQ(run.result, "exit");
  // forcepos = 1.15 + 1.5 * (200 - 1.15) = 299.425: 299.425 mm down to Z 0, retract 5 mm,
  // then from 1.15 + 10 = 11.15 down to 0 again.
  EXPECT_EQ(z_runs(run), (std::vector<std::pair<int, long>>{{0, 119770}, {1, 2000}, {0, 4460}}));
  // The trigger point is the probe's z_offset.
  EXPECT_EQ(positions(run), (std::vector<std::string>{"X:0.000 Y:0.000 Z:1.150 E:0.000"}));
}

TEST(ProbeHoming, MovesReachANegativePositionMin) {
  auto run = run_batch(probe_printer("position_min: -2\n"), "G28 Z\nM114\nG1 Z1\n");
  ASSERT_EQ(run.result, "exit");
  // 299.425 + 2 mm, retract 5 mm, 11.15 + 2 mm; then G1 Z1 goes 0.15 mm down.
  EXPECT_EQ(z_runs(run),
            (std::vector<std::pair<int, long>>{{0, 120570}, {1, 2000}, {0, 5260 + 60}}));
  EXPECT_EQ(positions(run), (std::vector<std::string>{"X:0.000 Y:0.000 Z:1.150 E:0.000"}));
}

TEST(ProbeHoming, ARealEndstopStillStopsAtPositionEndstop) {
  // Without the probe's virtual endstop the homing target is position_endstop itself.
  std::string cfg = probe_printer("position_min: -2\n");
  cfg.replace(cfg.find("probe:z_virtual_endstop"), 23, "^PD3\nposition_endstop: 0.5");
  auto run = run_batch(cfg, "G28 Z\nM114\n");
  ASSERT_EQ(run.result, "exit");
  // forcepos = 0.5 + 1.5 * 199.5 = 299.75: 299.25 mm down, retract 5, 10 down.
  EXPECT_EQ(z_runs(run), (std::vector<std::pair<int, long>>{{0, 119700}, {1, 2000}, {0, 4000}}));
  EXPECT_EQ(positions(run), (std::vector<std::string>{"X:0.000 Y:0.000 Z:0.500 E:0.000"}));
}

}  // namespace
}  // namespace kpp
