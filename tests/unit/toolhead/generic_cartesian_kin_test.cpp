// generic_cartesian kinematics through the whole host in batch mode: a CoreXY machine described
// with [carriage]/[stepper] sections makes exactly the steps of kinematics: corexy, and config
// errors name the problem.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <regex>

#include "../common/batch_util.h"

namespace kpp {
namespace {

std::string motor(const std::string& section, const std::string& step, const std::string& dir,
                  const std::string& enable, double rotation) {
  return fmt::format(
      "[{}]\nstep_pin: {}\ndir_pin: {}\nenable_pin: {}\nmicrosteps: 16\nrotation_distance: {}\n",
      section, step, dir, enable, rotation);
}

const char* kTail = R"([mcu]
serial: /dev/ttyACM0
[printer]
max_velocity: 300
max_accel: 3000
max_z_velocity: 5
max_z_accel: 100
)";

// kinematics: corexy, the classic way.
std::string corexy_cfg() {
  return motor("stepper_x", "PF0", "PF1", "!PD7", 40) +
         "endstop_pin: ^PE5\nposition_endstop: 0\nposition_max: 200\nhoming_speed: 50\n" +
         motor("stepper_y", "PF6", "!PF7", "!PF2", 40) +
         "endstop_pin: ^PJ1\nposition_endstop: 0\nposition_max: 200\nhoming_speed: 50\n" +
         motor("stepper_z", "PL3", "PL1", "!PK0", 8) +
         "endstop_pin: ^PD3\nposition_endstop: 0.5\nposition_max: 200\n" + kTail +
         "kinematics: corexy\n";
}

// The same machine as generic_cartesian carriages and steppers.
std::string generic_cfg(const std::string& a_carriages = "carriage_x+carriage_y",
                        const std::string& extra = "") {
  return std::string(
             "[carriage carriage_x]\naxis: x\nendstop_pin: ^PE5\nposition_endstop: 0\n"
             "position_max: 200\nhoming_speed: 50\n"
             "[carriage carriage_y]\naxis: y\nendstop_pin: ^PJ1\nposition_endstop: 0\n"
             "position_max: 200\nhoming_speed: 50\n"
             "[carriage z]\nendstop_pin: ^PD3\nposition_endstop: 0.5\nposition_max: 200\n") +
         motor("stepper a", "PF0", "PF1", "!PD7", 40) + "carriages: " + a_carriages + "\n" +
         motor("stepper b", "PF6", "!PF7", "!PF2", 40) + "carriages: carriage_x-carriage_y\n" +
         motor("stepper z", "PL3", "PL1", "!PK0", 8) + "carriages: z\n" + extra + kTail +
         "kinematics: generic_cartesian\n";
}

// The step commands of the stepper with step pin `pin`, with its oid replaced by "#".
std::vector<std::string> steps_of(const test::BatchRun& r, const std::string& pin) {
  std::regex re("config_stepper oid=(\\d+) step_pin=" + pin + " ");
  std::smatch m;
  std::string oid;
  for (auto& l : r.lines)
    if (std::regex_search(l, m, re)) oid = m[1];
  std::vector<std::string> out;
  std::string key = " oid=" + oid + " ";
  for (auto& l : r.lines)
    if ((l.starts_with("queue_step") || l.starts_with("set_next_step_dir")) &&
        l.find(key) != std::string::npos)
      out.push_back(std::regex_replace(l, std::regex("oid=\\d+"), "oid=#"));
  return out;
}

const char* kMoves =
    "G28\nG1 X50 Y20 F12000\nG1 X20 Y150\nG1 X180 Y30 Z5\nG1 X100 Y100 F3000\nG4 P500\n";

TEST(GenericCartesianKin, CoreXYDescribedGenericallyStepsLikeCoreXY) {
  test::BatchRun core = test::run_batch(corexy_cfg(), kMoves);
  test::BatchRun gen = test::run_batch(generic_cfg(), kMoves);
  ASSERT_EQ(core.result, "exit") << core.state;
  ASSERT_EQ(gen.result, "exit") << gen.state;
  for (std::string pin : {"PF0", "PF6", "PL3"}) {
    std::vector<std::string> a = steps_of(core, pin), b = steps_of(gen, pin);
    EXPECT_GT(a.size(), 50u) << pin;
    EXPECT_EQ(a, b) << pin;
  }
}

TEST(GenericCartesianKin, CoefficientsScaleTheStepper) {
  // "2*carriage_x+carriage_y": stepper a moves twice as far along x, so an X-only move of
  // 10 mm makes 1600 steps instead of 800 (80 steps/mm).
  auto count = [](const test::BatchRun& r) {
    long n = 0;
    std::smatch m;
    for (auto& l : steps_of(r, "PF0"))
      if (std::regex_search(l, m, std::regex("count=(\\d+)"))) n += std::stol(m[1]);
    return n;
  };
  const char* moves = "SET_KINEMATIC_POSITION X=100 Y=100 Z=10\nG1 X110 F3000\nG4 P500\n";
  test::BatchRun one = test::run_batch(generic_cfg("carriage_x+carriage_y", "[force_move]\nenable_force_move: True\n"), moves);
  test::BatchRun two = test::run_batch(generic_cfg("2*carriage_x+carriage_y", "[force_move]\nenable_force_move: True\n"), moves);
  ASSERT_EQ(one.result, "exit") << one.state;
  ASSERT_EQ(two.result, "exit") << two.state;
  EXPECT_EQ(count(one), 800);
  EXPECT_EQ(count(two), 1600);
}

TEST(GenericCartesianKin, ConfigErrors) {
  auto state = [](const std::string& cfg) { return test::run_batch(cfg, "").state; };
  EXPECT_NE(state(generic_cfg("carriage_x+carriage_q")).find(
                "Invalid 'carriage_q' carriage referenced in 'carriage_x+carriage_q'"),
            std::string::npos);
  EXPECT_NE(state(generic_cfg("carriage_x+2*carriage_x")).find(
                "Axis 'x' was referenced multiple times by carriages in 'carriage_x+2*carriage_x'"),
            std::string::npos);
  EXPECT_NE(state(generic_cfg("abc*carriage_x")).find("Invalid float 'abc'"),
            std::string::npos);
  // Both motors on x - y: the axes cannot move independently.
  EXPECT_NE(state(generic_cfg("carriage_x-carriage_y")).find(
                "the current configuration does not allow independent movements of all printer "
                "axes"),
            std::string::npos);
  // A carriage no stepper uses.
  std::string unused = generic_cfg("carriage_x+carriage_y",
                                   "[extra_carriage carriage_y1]\nprimary_carriage: carriage_y\n"
                                   "endstop_pin: ^PB6\n");
  EXPECT_NE(state(unused).find("Carriage(s) carriage_y1 must be referenced by some stepper(s)"),
            std::string::npos)
      << state(unused);
}

}  // namespace
}  // namespace kpp
