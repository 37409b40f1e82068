// Homing an axis whose steppers sit on two MCUs (beyond Klipper, which refuses "Multi-mcu homing
// not supported on multi-mcu shared axis"): stepper_z on the main MCU with the Z endstop,
// stepper_z1 on a second simulated MCU with its own clock, both in one process on virtual time.
// The endstop's trsync stops stepper_z at once; the host forwards the trigger to the second
// MCU's trsync, so stepper_z1 stops a little later. Afterwards each stepper's position is read
// back from its own MCU and the host brings stepper_z1 back to stepper_z's place, so the
// simulated motors, the host's step positions and the commanded positions all agree exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "motion/extruder.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"
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

std::string joined(const std::vector<std::string>& out) {
  std::string s;
  for (const auto& l : out) s += l + "\n";
  return s;
}

// A second MCU "zboard" carrying stepper_z1 (and, with `probe`, the probe).
std::string two_mcu_config(const std::string& extra = "") {
  return default_sim_config(R"(
[mcu zboard]
serial: sim
restart_method: command

[stepper_z1]
step_pin: zboard:PA0
dir_pin: !zboard:PA1
enable_pin: !zboard:PA2
microsteps: 16
rotation_distance: 8
)" + extra);
}

// Every motor of the model at exactly the step the host last commanded for it, at the same
// place in mm as the host's commanded position.
void expect_steps_match(SimPrinter& p) {
  auto& toolhead = p.host->printer().lookup<ToolHead>("toolhead");
  std::vector<MotionStepper*> steppers = toolhead.get_kinematics().get_steppers();
  ASSERT_EQ(steppers.size(), 4u);  // x, y, z, z1
  for (MotionStepper* s : steppers) {
    const auto& motor = p.model.stepper(s->get_name());
    EXPECT_EQ(motor.steps(), s->get_mcu_position()) << s->get_name();
    EXPECT_NEAR(motor.position(), s->get_commanded_position(), 1e-9) << s->get_name();
  }
  // The gantry is level: both Z motors at the same height.
  EXPECT_NEAR(p.model.stepper("stepper_z").position(), p.model.stepper("stepper_z1").position(),
              1e-9);
}

TEST(MultiMcuE2E, TwoSimulatedMcusRunOnTheirOwnClocks) {
  SimPrinter p(two_mcu_config());
  ASSERT_TRUE(p.host->wait_ready());
  EXPECT_EQ(p.host->mcu_names(), (std::vector<std::string>{"mcu", "zboard"}));
  // Both MCUs were configured and answer; their clocks run independently.
  p.host->run_for(1.);
  uint64_t a = p.host->mcu_clock("mcu"), b = p.host->mcu_clock("zboard");
  EXPECT_GT(a, 20000000u);
  EXPECT_GT(b, 20000000u);
  EXPECT_FALSE(p.host->mcu_is_shutdown("zboard"));
}

TEST(MultiMcuE2E, G28OnASharedZAxisAcrossTwoMcusStaysStepExact) {
  SimPrinter p(two_mcu_config());
  ASSERT_TRUE(p.host->wait_ready());
  auto out = p.host->gcode("G28");
  ASSERT_FALSE(has_error(out)) << joined(out);
  p.host->gcode("M400");
  EXPECT_NEAR(p.model.nozzle().z, 0.5, 1e-9);
  EXPECT_TRUE(p.model.endstop_triggered(p.model.stepper_index("stepper_z")));
  const Coord& pos = p.host->printer().lookup<ToolHead>("toolhead").get_position();
  EXPECT_NEAR(pos[2], 0.5, 1e-9);
  expect_steps_match(p);
  EXPECT_EQ(p.model.stepper("stepper_z1").steps_while_disabled(), 0u);

  // Moves after homing: step-exact on both MCUs.
  out = p.host->gcode("G90\nG1 Z10.0037 F600\nG1 X30 Y40 Z3.3333 F3000\nG1 Z7 F300\n");
  ASSERT_FALSE(has_error(out)) << joined(out);
  p.host->gcode("M400");
  p.host->run_for(0.5);
  EXPECT_NEAR(p.model.nozzle().z, 7., 1e-9);
  expect_steps_match(p);
}

// The second MCU's crystal 150 ppm fast and every command to it 3 ms late (an injected link
// delay): stepper_z1 then overshoots by several steps, which the host takes back.
TEST(MultiMcuE2E, LateTriggerOnASkewedClockIsTakenBack) {
  SimPrinter p(two_mcu_config(), {}, "", [](sim::HostSimOptions& o) {
    o.mcus["zboard"].clock_ppm = 150.;
    o.link_faults = "delay=1,delay_time=0.003,dir=tx,mcu=zboard";
  });
  ASSERT_TRUE(p.host->wait_ready());
  auto out = p.host->gcode("G28 X Y\nG28 Z");
  ASSERT_FALSE(has_error(out)) << joined(out);
  p.host->gcode("M400");
  EXPECT_NEAR(p.model.nozzle().z, 0.5, 1e-9);
  expect_steps_match(p);
  out = p.host->gcode("G1 Z20 F900\nG1 Z2.0125 F600");
  ASSERT_FALSE(has_error(out)) << joined(out);
  p.host->gcode("M400");
  p.host->run_for(0.5);
  EXPECT_NEAR(p.model.nozzle().z, 2.0125, 1e-9);
  expect_steps_match(p);
}

// The link to the second MCU stalls in the middle of homing Z: its trsync reports stop, the
// host's trsync dispatch lets the endstop's trsync expire, and homing fails with Klipper's
// message; nothing moves afterwards.
TEST(MultiMcuE2E, StalledSecondMcuFailsHomingAndStopsBothSteppers) {
  SimPrinter p(two_mcu_config());
  ASSERT_TRUE(p.host->wait_ready());
  ASSERT_FALSE(has_error(p.host->gcode("G28 X Y")));
  auto& reactor = p.host->reactor();
  auto* host = p.host.get();
  // A 0.2 s stall (the host's retransmits recover the link afterwards).
  reactor.register_timer(
      [host](double) {
        host->set_mcu_connected("zboard", false);
        return Reactor::kNever;
      },
      p.host->now() + 1.0);
  reactor.register_timer(
      [host](double) {
        host->set_mcu_connected("zboard", true);
        return Reactor::kNever;
      },
      p.host->now() + 1.2);
  int64_t z_before = p.model.stepper("stepper_z").steps();
  auto out = p.host->gcode("G28 Z", 60.);
  std::string text = joined(out);
  // Klipper names a rail's endstop after its axis.
  EXPECT_NE(text.find("!! Communication timeout during homing z"), std::string::npos) << text;
  // Z moved for about a second (5 mm/s) before the stall, then stopped.
  int64_t z_moved = z_before - p.model.stepper("stepper_z").steps();
  EXPECT_GT(z_moved, 1000);
  EXPECT_LT(z_moved, 3000);
  int64_t z_at = p.model.stepper("stepper_z").steps();
  int64_t z1_at = p.model.stepper("stepper_z1").steps();
  p.host->run_for(3.);
  EXPECT_EQ(p.model.stepper("stepper_z").steps(), z_at);
  EXPECT_EQ(p.model.stepper("stepper_z1").steps(), z1_at);
  EXPECT_FALSE(p.model.endstop_triggered(p.model.stepper_index("stepper_z")));
}

// The probe on the second MCU, stepper_z on the first: G28 Z homes on the probe, whose trigger
// now comes from the other MCU, and PROBE measures the same height again.
TEST(MultiMcuE2E, ProbeOnTheSecondMcuHomesAndProbesAStepperOnTheFirst) {
  std::string cfg = two_mcu_config(R"(
[probe]
pin: zboard:PB3
z_offset: 1.0
speed: 5
)");
  std::string from = "endstop_pin: ^PB2\nposition_endstop: 0.5\n";
  size_t at = cfg.find(from);
  ASSERT_NE(at, std::string::npos);
  cfg.replace(at, from.size(), "endstop_pin: probe:z_virtual_endstop\nposition_min: -2\n");
  SimPrinter p(cfg);
  ASSERT_TRUE(p.host->wait_ready());
  auto out = p.host->gcode("G28");
  ASSERT_FALSE(has_error(out)) << joined(out);
  p.host->gcode("M400");
  auto& toolhead = p.host->printer().lookup<ToolHead>("toolhead");
  // stepper_z stopped a few steps after the trigger (forwarded to its MCU): the host's Z is
  // the trigger height (z_offset) less that overshoot, where the model's nozzle is, give or
  // take the part of a step by which the probe fired below 1 mm.
  double host_z = toolhead.get_position()[2];
  EXPECT_LE(host_z, 1.0);
  EXPECT_GT(host_z, 0.95);
  EXPECT_NEAR(p.model.nozzle().z, host_z, 0.0025 + 1e-9);
  for (MotionStepper* s : toolhead.get_kinematics().get_steppers())
    EXPECT_EQ(p.model.stepper(s->get_name()).steps(), s->get_mcu_position()) << s->get_name();
  EXPECT_NEAR(p.model.stepper("stepper_z").position(), p.model.stepper("stepper_z1").position(),
              1e-9);

  out = p.host->gcode("G1 Z5 F600\nPROBE");
  ASSERT_FALSE(has_error(out)) << joined(out);
  std::string text = joined(out);
  size_t z = text.find("is z=");
  ASSERT_NE(z, std::string::npos) << text;
  EXPECT_NEAR(std::stod(text.substr(z + 5)), 1.0, 0.0025 + 1e-6) << text;
  p.host->gcode("M400");
  for (MotionStepper* s : toolhead.get_kinematics().get_steppers())
    EXPECT_EQ(p.model.stepper(s->get_name()).steps(), s->get_mcu_position()) << s->get_name();
  EXPECT_NEAR(p.model.stepper("stepper_z").position(), p.model.stepper("stepper_z1").position(),
              1e-9);
  EXPECT_TRUE(p.model.probe_triggered());
}

}  // namespace
}  // namespace kpp
