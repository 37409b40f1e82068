// bed_mesh profiles: the SAVE_CONFIG text round trip, and a whole printer in batch mode that
// loads a stored profile, moves through the mesh transform and reports status and output.
#include "modules/bed_mesh_profiles.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "../common/batch_util.h"
#include "../core/config_test_util.h"
#include "core/config_save.h"
#include "core/gcode.h"
#include "modules/bed_mesh.h"

namespace kpp::bed_mesh {
namespace {

TEST(BedMeshProfiles, SaveConfigRoundTrip) {
  Profile p;
  p.points = {{-0.0125, 0.1, 0.2}, {0.3, -0.123456789, 0.5}};
  p.params.x_count = 3;
  p.params.y_count = 2;
  p.params.mesh_x_pps = 2;
  p.params.mesh_y_pps = 0;
  p.params.algo = "lagrange";
  p.params.tension = .2;
  p.params.min_x = 10.;
  p.params.max_x = 179.98;
  p.params.min_y = 10.5;
  p.params.max_y = 100.;
  // Through the SAVE_CONFIG block text and back through the config parser.
  auto empty = ConfigFile::parse("[printer]\n", "printer.cfg");
  ConfigAutosave autosave(*empty->autosave());
  for (auto& [opt, value] : profile_options(p)) autosave.set("bed_mesh p1", opt, value);
  std::string block = autosave_block_text(autosave.block());
  EXPECT_NE(block.find("#*# [bed_mesh p1]\n#*# version = 1\n#*# points =\n"
                       "#*# \t  -0.012500, 0.100000, 0.200000\n"
                       "#*# \t  0.300000, -0.123457, 0.500000\n#*# x_count = 3\n"),
            std::string::npos)
      << block;
  EXPECT_NE(block.find("#*# algo = lagrange\n#*# tension = 0.2\n#*# min_x = 10.0\n"
                       "#*# max_x = 179.98\n"),
            std::string::npos)
      << block;
  auto parsed = test::Parsed{ConfigFile::parse("[printer]\n" + block, "printer.cfg")};
  Profile back = read_profile(parsed.section("bed_mesh p1"));
  EXPECT_EQ(back.points, (Matrix{{-0.0125, 0.1, 0.2}, {0.3, -0.123457, 0.5}}));
  EXPECT_EQ(back.params.x_count, 3);
  EXPECT_EQ(back.params.y_count, 2);
  EXPECT_EQ(back.params.mesh_y_pps, 0);
  EXPECT_EQ(back.params.max_x, 179.98);
  EXPECT_EQ(back.params.min_y, 10.5);
  EXPECT_EQ(back.params.algo, "lagrange");
}

std::vector<std::string> g_out;  // the replies of the last run

test::BatchRun run_batch(const std::string& cfg, const std::string& gcode) {
  auto run = test::run_batch("[batch_test_replies]\n" + cfg, gcode);
  g_out = run.replies;
  return run;
}

const std::string kPrinter = test::test_printer_config() + R"([bed_mesh]
mesh_min: 0, 0
mesh_max: 100, 100
probe_count: 3, 3
speed: 80
[bed_mesh tilted]
version = 1
points =
  0.0, 0.25, 0.5
  0.0, 0.25, 0.5
  0.0, 0.25, 0.5
x_count = 3
y_count = 3
mesh_x_pps = 2
mesh_y_pps = 2
algo = lagrange
tension = 0.2
min_x = 0.0
max_x = 100.0
min_y = 0.0
max_y = 100.0
)";

bool has_line(const std::string& needle) {
  return std::any_of(g_out.begin(), g_out.end(),
                     [&](const std::string& s) { return s.find(needle) != std::string::npos; });
}

TEST(BedMeshBatch, ProfileLoadMovesAndCommands) {
  auto run = run_batch(
      kPrinter,
      "G28\nBED_MESH_OUTPUT\nBED_MESH_PROFILE LOAD=tilted\n"
      "G1 X50 Y50 Z10 F6000\nGET_POSITION\nBED_MESH_MAP\n"
      "BED_MESH_PROFILE LOAD=nothere\nBED_MESH_CLEAR\nGET_POSITION\nG1 X80 Z10\nGET_POSITION\n"
      "BED_MESH_PROFILE SAVE=x\nBED_MESH_PROFILE REMOVE=tilted\n");
  EXPECT_TRUE(has_line("Bed has not been probed"));
  // The plane z = x / 200: at X50 the toolhead is .25 higher than the G-code Z.
  EXPECT_TRUE(has_line("toolhead: X:50.000000 Y:50.000000 Z:10.250000"))
      << ::testing::PrintToString(g_out);
  EXPECT_TRUE(has_line("gcode: X:50.000000 Y:50.000000 Z:10.000000"));
  EXPECT_TRUE(
      has_line("mesh_map_output {\"mesh_min\": [0.0, 0.0], \"mesh_max\": [100.0, 100.0], "
               "\"z_positions\": [[0.0, 0.25, 0.5], [0.0, 0.25, 0.5], [0.0, 0.25, 0.5]]}"));
  EXPECT_TRUE(has_line("!! bed_mesh: Unknown profile [nothere]"));
  // BED_MESH_CLEAR keeps the toolhead where it is (the G-code Z takes the adjusted height);
  // then no adjustment.
  EXPECT_TRUE(has_line("gcode: X:50.000000 Y:50.000000 Z:10.250000"));
  EXPECT_TRUE(has_line("toolhead: X:80.000000 Y:50.000000 Z:10.000000"));
  EXPECT_TRUE(has_line("Unable to save to profile [x], the bed has not been probed"));
  EXPECT_TRUE(has_line("Profile [tilted] removed from storage for this session."));
}

TEST(BedMeshBatch, CalibrateWithProbe) {
  std::string cfg = kPrinter;
  const std::string z_endstop = "endstop_pin: ^PD3\nposition_endstop: 0.5";
  cfg.replace(cfg.find(z_endstop), z_endstop.size(), "endstop_pin: probe:z_virtual_endstop");
  cfg += "[probe]\npin: PC7\nz_offset: 1.15\nx_offset: -10\n";
  auto run = run_batch(cfg,
                       "G28\nBED_MESH_CALIBRATE PROBE_COUNT=7,7\n"
                       "BED_MESH_CALIBRATE ADAPTIVE=1 PROFILE=p2 MESH_MAX=110,100\n"
                       "BED_MESH_OUTPUT PGP=1\nG1 X50 Y50 Z10 F6000\nGET_POSITION\n");
  EXPECT_TRUE(has_line("!! bed_mesh: cannot exceed a probe_count of 6 when using lagrange"));
  EXPECT_TRUE(has_line("Exclude objects not enabled. Using full mesh..."));
  // 3x3 points over 0..110 x 0..100 probed by the probe, the nozzle 10 mm to the right.
  EXPECT_TRUE(has_line("probe at 10.000,0.000 is z=0.000000"));
  EXPECT_TRUE(has_line("probe at 65.000,50.000 is z=0.000000"));
  EXPECT_TRUE(has_line("probe at 120.000,100.000 is z=0.000000"));
  EXPECT_TRUE(has_line("Mesh Bed Leveling Complete"));
  EXPECT_TRUE(has_line("Bed Mesh state has been saved to profile [p2]"));
  EXPECT_TRUE(has_line("// 1   | (65.0, 0.0)     | (55.0, 0.0)"));
  // Probed height 0 with z_offset 1.15: the bed is 1.15 below the nozzle's zero.
  EXPECT_TRUE(has_line("toolhead: X:50.000000 Y:50.000000 Z:8.850000"));
}

TEST(BedMeshBatch, BadConfigNamesTheProblem) {
  std::string cfg = kPrinter;
  cfg.replace(cfg.find("probe_count: 3, 3"), 17, "probe_count: 7, 7");
  auto run = run_batch(cfg, "G28\n");
  EXPECT_EQ(run.result, "error_exit");
}

}  // namespace
}  // namespace kpp::bed_mesh
