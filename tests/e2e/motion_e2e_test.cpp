// Motion on the simulated printer, end to end and in virtual time (issue 6's proofs): G28 homes
// each axis onto the simulated endstop, the motors' step counts equal the host's commanded step
// positions exactly, and a 50-layer print from the virtual SD card completes with the simulated
// nozzle on the commanded path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "motion/extruder.h"
#include "motion/toolhead.h"
#include "sim/path_tracker.h"
#include "sim_printer.h"

namespace kpp {
namespace {

using e2e::default_sim_config;
using e2e::SimPrinter;

bool has_error(const std::vector<std::string>& out) {
  for (const auto& l : out)
    if (l.rfind("!!", 0) == 0) return true;
  return false;
}

// Every motor of the model at exactly the step the host last commanded for it.
void expect_steps_match(SimPrinter& p) {
  auto& toolhead = p.host->printer().lookup<ToolHead>("toolhead");
  std::vector<MotionStepper*> steppers = toolhead.get_kinematics().get_steppers();
  if (auto* e = p.host->printer().try_lookup<PrinterExtruder>("extruder"))
    steppers.push_back(&e->extruder_stepper()->stepper());
  ASSERT_EQ(steppers.size(), 4u);
  for (MotionStepper* s : steppers) {
    const auto& motor = p.model.stepper(s->get_name());
    EXPECT_EQ(motor.steps(), s->get_mcu_position()) << s->get_name();
    // And the same place in mm (the model's motors start whole steps from the endstops).
    EXPECT_NEAR(motor.position(), s->get_commanded_position(), 1e-9) << s->get_name();
  }
}

TEST(MotionE2E, G28HomesEachAxisOntoItsSimulatedEndstop) {
  SimPrinter p(default_sim_config());
  ASSERT_TRUE(p.host->wait_ready());
  // Power-on: the nozzle in the middle of the travel, no endstop pressed.
  auto start = p.model.nozzle();
  EXPECT_NEAR(start.x, 110., 0.1);
  for (size_t i = 0; i < 3; i++) EXPECT_FALSE(p.model.endstop_triggered(i));

  // One axis at a time: only that carriage moves, and it ends on its switch.
  ASSERT_FALSE(has_error(p.host->gcode("G28 X")));
  p.host->gcode("M400");
  EXPECT_TRUE(p.model.endstop_triggered(p.model.stepper_index("stepper_x")));
  EXPECT_FALSE(p.model.endstop_triggered(p.model.stepper_index("stepper_y")));
  EXPECT_NEAR(p.model.nozzle().x, 0., 1e-9);
  EXPECT_NEAR(p.model.nozzle().y, start.y, 1e-9);
  // Homed twice (the second time slower after a retract), as Klipper does.
  EXPECT_GE(p.model.stepper("stepper_x").direction_reversals(), 2u);

  ASSERT_FALSE(has_error(p.host->gcode("G28")));
  p.host->gcode("M400");
  auto n = p.model.nozzle();
  EXPECT_NEAR(n.x, 0., 1e-9);
  EXPECT_NEAR(n.y, 0., 1e-9);
  EXPECT_NEAR(n.z, 0.5, 1e-9);  // [stepper_z] position_endstop
  for (const char* s : {"stepper_x", "stepper_y", "stepper_z"})
    EXPECT_TRUE(p.model.endstop_triggered(p.model.stepper_index(s))) << s;
  // The host agrees: its position is the endstops' position.
  const Coord& pos = p.host->printer().lookup<ToolHead>("toolhead").get_position();
  EXPECT_NEAR(pos[0], 0., 1e-9);
  EXPECT_NEAR(pos[1], 0., 1e-9);
  EXPECT_NEAR(pos[2], 0.5, 1e-9);
  expect_steps_match(p);
  EXPECT_EQ(p.model.out_of_range_events(), 0u);
  EXPECT_EQ(p.model.stepper("stepper_x").steps_while_disabled(), 0u);
}

TEST(MotionE2E, StepPositionsEqualTheCommandedOnesAfterMoves) {
  SimPrinter p(default_sim_config("\n[gcode_arcs]\n"));
  ASSERT_TRUE(p.host->wait_ready());
  ASSERT_FALSE(has_error(p.host->gcode("G28\nM109 S200", 600.)));
  sim::HostPathTracker tracker(p.host->printer(), p.model);
  // Moves with accelerations, direction changes, odd fractions of a step, and extrusion.
  std::string script =
      "G90\nM83\n"
      "G1 Z5 F600\nG1 X50 Y50 F6000\nG1 X170.0063 Y30.1234 E2.5 F3000\n"
      "G1 X20 Y190 F12000\nG1 X110.3333 Y110.7777 Z12.3456 E-1 F9000\n"
      "G2 X130 Y110.7777 I9.8333 J0 E1 F3000\nG1 X10 Y10 Z1 F6000\n";
  ASSERT_FALSE(has_error(p.host->gcode(script)));
  p.host->gcode("M400");
  p.host->run_for(0.5);
  tracker.poll();
  expect_steps_match(p);
  auto n = p.model.nozzle();
  EXPECT_NEAR(n.x, 10., 1e-9);
  EXPECT_NEAR(n.y, 10., 1e-9);
  EXPECT_NEAR(n.z, 1., 1e-9);
  // The path between the end points: within a microstep and a bit of step timing of the plan.
  EXPECT_GT(tracker.checker().checked(), 10000u);
  RecordProperty("path_error_mm", std::to_string(tracker.checker().max_error()));
  EXPECT_LT(tracker.checker().max_error(), 0.02);
  EXPECT_EQ(tracker.checker().unchecked(), 0u);
}

// A tube of `layers` layers of 0.2 mm: two perimeters of a 20 mm square each.
std::string tube_gcode(int layers) {
  std::string g =
      "M140 S60\nM104 S200\nG28\nM190 S60\nM109 S200\nG90\nM83\nG92 E0\nG1 Z5 F600\n";
  char buf[200];
  for (int l = 1; l <= layers; l++) {
    std::snprintf(buf, sizeof(buf), "; layer %d\nG1 Z%.2f F600\n", l, 0.3 + 0.2 * (l - 1));
    g += buf;
    for (double inset : {0., 0.4}) {
      double a = 100. + inset, b = 120. - inset;
      std::snprintf(buf, sizeof(buf),
                    "G1 X%.2f Y%.2f F9000\nG1 X%.2f Y%.2f E0.7 F2400\nG1 X%.2f Y%.2f E0.7\n"
                    "G1 X%.2f Y%.2f E0.7\nG1 X%.2f Y%.2f E0.7\n",
                    a, a, b, a, b, b, a, b, a, a);
      g += buf;
    }
  }
  return g + "G1 Z20 F600\nM104 S0\nM140 S0\n";
}

TEST(MotionE2E, FiftyLayerPrintCompletes) {
  auto dir = std::filesystem::temp_directory_path() / ("kpp-e2e-print-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tube.gcode") << tube_gcode(50);
  SimPrinter p(default_sim_config("\n[virtual_sdcard]\npath: " + dir.string() + "\n"));
  ASSERT_TRUE(p.host->wait_ready());
  sim::HostPathTracker tracker(p.host->printer(), p.model);
  ASSERT_FALSE(has_error(p.host->gcode("SDCARD_PRINT_FILE FILENAME=tube.gcode")));
  auto* stats = p.host->printer().lookup_object("print_stats");
  std::string state;
  for (int i = 0; i < 3600; i++) {
    p.host->run_for(1.);
    tracker.poll();
    state = stats->get_status(p.host->now()).value("state", "");
    if (state != "printing") break;
  }
  EXPECT_EQ(state, "complete") << p.host->state().first;
  p.host->gcode("M400");
  p.host->run_for(0.5);
  tracker.poll();
  expect_steps_match(p);
  auto n = p.model.nozzle();
  EXPECT_NEAR(n.z, 20., 1e-9);
  // 50 layers x 2 perimeters x 4 sides x 0.7 mm of filament.
  EXPECT_NEAR(p.model.extruder_position(), 50 * 2 * 4 * 0.7, 0.01);
  EXPECT_NEAR(stats->get_status(p.host->now()).value("filament_used", 0.), 280., 0.01);
  EXPECT_GT(tracker.checker().checked(), 100000u);
  RecordProperty("path_error_mm", std::to_string(tracker.checker().max_error()));
  RecordProperty("print_time_s", std::to_string(sim::PrinterModel::clock_to_time(p.model.last_clock())));
  EXPECT_LT(tracker.checker().max_error(), 0.02);
  EXPECT_EQ(p.model.out_of_range_events(), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kpp
