// [tuning_tower] and [exclude_object] through the whole host in batch mode: cartesian
// kinematics, an extruder (cold extrusion allowed), G-code moves through the move transform
// chain. Replies and REC_VALUE lines are kept by [batch_test_replies].
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../common/batch_util.h"

namespace kpp {
namespace {

const std::string kConfig =
    "[batch_test_replies]\n" + test::test_printer_config({.extruder = true}) + R"([gcode_macro SHOW]
gcode:
  {% set p = printer.toolhead.position %}
  REC_VALUE TOOLHEAD={"%.2f,%.2f,%.2f,%.2f" % (p.x, p.y, p.z, p.e)}
)";

test::BatchRun run_batch(const std::string& extra_cfg, const std::string& gcode) {
  return test::run_batch(kConfig + extra_cfg, gcode);
}

TEST(TuningTower, RunsTheCommandAtEachNewHeight) {
  auto run = run_batch("", R"(G28
TUNING_TOWER COMMAND=REC_VALUE PARAMETER=V START=100 FACTOR=10
G1 Z0.2 F600
G1 X10 Y10 E0.5 F3000
G1 X20 E1
G1 Z0.4
G1 X10 E1.5
G1 X20 Z0.6
G1 Z0.8
G1 X10 E2
G1 Z5
G1 X20 E2.5
G1 Z0.3
G1 X10 E3
)");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(
      run.with("// Starting tuning test"),
      (std::vector<std::string>{"// Starting tuning test (start=100.000000 factor=10.000000)"}));
  // Heights 0.2, 0.4, 0.8 and 5 get a value; a move without extrusion does not; Z 0.3 (more than
  // 2 mm below the last height) ends the test.
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE V=102.000000000", "REC_VALUE V=104.000000000",
                                      "REC_VALUE V=108.000000000", "REC_VALUE V=150.000000000"}));
  EXPECT_EQ(run.with("// Ending tuning test mode").size(), 1u);
}

TEST(TuningTower, StepsAndSkip) {
  auto run = run_batch("", R"(G28
TUNING_TOWER COMMAND=M104 PARAMETER=S START=215 STEP_DELTA=-5 STEP_HEIGHT=10 SKIP=1
TUNING_TOWER COMMAND=REC_VALUE PARAMETER=T START=215 STEP_DELTA=-5 STEP_HEIGHT=10 SKIP=1
G1 Z0.5 F600
G1 X10 E0.5 F3000
G1 Z10.5
G1 X20 E1
G1 Z11.5
G1 X10 E1.5
)");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("// Starting tuning test").back(),
            "// Starting tuning test (start=215.000000 step_delta=-5.000000 "
            "step_height=10.000000 skip=1.000000)");
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE T=215.000000000", "REC_VALUE T=210.000000000"}));
}

TEST(TuningTower, ParameterErrors) {
  auto run = run_batch("", "TUNING_TOWER COMMAND=M104 PARAMETER=S START=1 FACTOR=1 STEP_DELTA=1\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{"!! Cannot specify both FACTOR and STEP_DELTA/STEP_HEIGHT"}));
  run = run_batch("", "TUNING_TOWER COMMAND=M104 PARAMETER=S START=1 STEP_DELTA=1\n");
  EXPECT_EQ(run.with("!!"),
            (std::vector<std::string>{"!! Must specify both STEP_DELTA and STEP_HEIGHT"}));
}

TEST(ExcludeObject, SkipsMovesInsideAnExcludedObject) {
  auto run = run_batch("[exclude_object]\n", R"(G28
EXCLUDE_OBJECT_DEFINE NAME=part_b CENTER=50,50 POLYGON=[[40,40],[60,40],[60,60]]
EXCLUDE_OBJECT_DEFINE NAME=part_a CENTER=10,10
EXCLUDE_OBJECT_DEFINE
EXCLUDE_OBJECT NAME=part_b
EXCLUDE_OBJECT
G1 Z1 F600
EXCLUDE_OBJECT_START NAME=part_a
G1 X10 Y10 E0.1 F3000
G1 X12 E0.2
G1 X14 E0.3
G1 X16 E0.4
G1 X18 E0.5
G1 X20 E0.6
EXCLUDE_OBJECT_END NAME=part_a
EXCLUDE_OBJECT_START NAME=part_b
G1 X50 Y50 E0.7
G1 X60 E0.8
SHOW
EXCLUDE_OBJECT_END
EXCLUDE_OBJECT_START NAME=part_a
G1 X30 Y30 E0.9
SHOW
EXCLUDE_OBJECT_END NAME=other
M114
)");
  EXPECT_EQ(run.result, "exit");
  EXPECT_EQ(run.with("// Known objects"),
            (std::vector<std::string>{"// Known objects: PART_A PART_B"}));
  EXPECT_EQ(run.with("// Exclud"), (std::vector<std::string>{"// Excluding object PART_B",
                                                             "// Excluded objects: PART_B"}));
  // Inside PART_B the toolhead stays where PART_A ended; the next printed move continues with E
  // as if PART_B's filament had never been pushed.
  EXPECT_EQ(run.with("REC_VALUE"),
            (std::vector<std::string>{"REC_VALUE TOOLHEAD=20.00,10.00,1.00,0.60",
                                      "REC_VALUE TOOLHEAD=30.00,30.00,1.00,0.70"}));
  EXPECT_EQ(run.with("// EXCLUDE_OBJECT_END NAME=OTHER"),
            (std::vector<std::string>{
                "// EXCLUDE_OBJECT_END NAME=OTHER does not match the current object NAME=PART_A"}));
  EXPECT_EQ(run.with("X:"), (std::vector<std::string>{"X:30.000 Y:30.000 Z:1.000 E:0.900"}));
}

TEST(ExcludeObject, JsonListAndCurrent) {
  auto run = run_batch("[exclude_object]\n", R"(EXCLUDE_OBJECT_DEFINE NAME=a CENTER=1.5,2
EXCLUDE_OBJECT_DEFINE JSON=1
EXCLUDE_OBJECT CURRENT=1
)");
  EXPECT_EQ(
      run.with("// Known objects"),
      (std::vector<std::string>{"// Known objects: [{\"center\": [1.5, 2], \"name\": \"A\"}]"}));
  EXPECT_EQ(run.with("!!"), (std::vector<std::string>{"!! There is no current object to cancel"}));
}

}  // namespace
}  // namespace kpp
