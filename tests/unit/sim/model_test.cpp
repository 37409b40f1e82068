// The printer model behind the sim MCU: the machine read from printer.cfg, steps moving the
// nozzle, endstops, heaters warming thermistors, fans, a probe over a tilted bed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "core/errors.h"
#include "sim/printer_model.h"
#include "sim/trajectory.h"
#include "sim_link.h"

using fwtest::Msg;
using fwtest::SimLink;
using kpp::sim::MachineSpec;
using kpp::sim::PrinterModel;
using kpp::sim::SimOptions;

namespace {

const std::string kDefaultConfig = std::string(KPP_SOURCE_DIR) + "/config/simulated-printer.cfg";

// Attaches a model to the sim board for the life of a test.
struct Attached {
  explicit Attached(PrinterModel& m) { fw::sim::set_pin_listener(&m); }
  ~Attached() { fw::sim::set_pin_listener(nullptr); }
};

std::string write_config(const std::string& text) {
  static int n = 0;
  std::string path = ::testing::TempDir() + "sim_model_" + std::to_string(n++) + ".cfg";
  std::ofstream(path) << text;
  return path;
}

// Send a query and wait (up to 1 ms of MCU time) for its response.
Msg ask(SimLink& link, const std::string& line, const std::string& resp) {
  link.send(std::vector<std::string>{line});
  for (Msg& m : link.run_for(20000))
    if (m.name == resp) return m;
  throw std::runtime_error("no " + resp + " for " + line);
}

std::string shutdown_reason(SimLink& link, const std::vector<Msg>& msgs) {
  for (const Msg& m : msgs)
    if (m.name == "shutdown") return link.static_string(static_cast<int>(m["static_string_id"]));
  return "";
}

TEST(SimMachineSpec, ReadsTheDefaultConfig) {
  MachineSpec spec = MachineSpec::from_file(kDefaultConfig);
  EXPECT_EQ(spec.kinematics, "cartesian");
  ASSERT_EQ(spec.steppers.size(), 4u);
  const auto* x = spec.find_stepper("stepper_x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->step.name, "PA0");
  EXPECT_EQ(x->step.pin, 0);
  EXPECT_TRUE(x->enable.invert);
  EXPECT_TRUE(x->endstop.pullup);
  EXPECT_DOUBLE_EQ(x->step_dist, 40. / (200 * 16));
  EXPECT_DOUBLE_EQ(x->position_max, 220.);
  const auto* z = spec.find_stepper("stepper_z");
  ASSERT_NE(z, nullptr);
  EXPECT_DOUBLE_EQ(z->position_endstop, 0.5);
  EXPECT_TRUE(z->dir.invert);
  const auto* e = spec.find_stepper("extruder");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->is_extruder);
  EXPECT_FALSE(e->has_rail);
  ASSERT_NE(spec.find_heater("extruder"), nullptr);
  EXPECT_TRUE(spec.find_heater("heater_bed")->curve.has_value());
  ASSERT_EQ(spec.fans.size(), 1u);
  EXPECT_EQ(spec.fans[0].pin.name, "PC2");
  EXPECT_FALSE(spec.probe.has_value());
}

TEST(SimMachineSpec, ErrorsNameSectionAndOption) {
  auto path = write_config(
      "[printer]\nkinematics: cartesian\n"
      "[stepper_x]\nstep_pin: PA0\ndir_pin: PA1\nrotation_distance: forty\nmicrosteps: 16\n"
      "endstop_pin: PB0\nposition_endstop: 0\nposition_max: 100\n");
  try {
    MachineSpec::from_file(path);
    FAIL() << "no error";
  } catch (const kpp::ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("rotation_distance"), std::string::npos) << what;
    EXPECT_NE(what.find("stepper_x"), std::string::npos) << what;
  }
}

TEST(SimPrinterModel, NozzleStartsMidTravelWithEndstopsOnWholeSteps) {
  PrinterModel model(MachineSpec::from_file(kDefaultConfig));
  auto n = model.nozzle();
  EXPECT_NEAR(n.x, 110., 0.0125);
  EXPECT_NEAR(n.y, 110., 0.0125);
  EXPECT_NEAR(n.z, 100., 0.0025);
  // The z endstop (0.5) is a whole number of steps away from the start.
  double steps = (n.z - 0.5) / model.stepper("stepper_z").spec().step_dist;
  EXPECT_NEAR(steps, std::round(steps), 1e-6);
  EXPECT_FALSE(model.endstop_triggered(model.stepper_index("stepper_x")));
}

TEST(SimPrinterModel, StepsThroughTheFirmwareMoveTheNozzle) {
  PrinterModel model(MachineSpec::from_file(kDefaultConfig));
  SimLink link;  // boots the MCU with no listener; attach the model after it
  Attached attach(model);
  link.send({"allocate_oids count=2",
             "config_stepper oid=0 step_pin=PA0 dir_pin=PA1 invert_step=0 step_pulse_ticks=40",
             // z: dir pin inverted in the config, so dir=1 at the firmware is pin level 0.
             "config_stepper oid=1 step_pin=PA6 dir_pin=PA7 invert_step=0 step_pulse_ticks=40",
             "finalize_config crc=0"});
  link.run_for(1000);
  auto start = model.nozzle();
  link.send({"reset_step_clock oid=0 clock=100000", "set_next_step_dir oid=0 dir=1",
             "queue_step oid=0 interval=2000 count=800 add=0", "set_next_step_dir oid=0 dir=0",
             "queue_step oid=0 interval=2000 count=200 add=0",
             "reset_step_clock oid=1 clock=100000", "set_next_step_dir oid=1 dir=0",
             "queue_step oid=1 interval=4000 count=400 add=0"});
  auto msgs = link.run_until(100000 + 1000 * 2000 + 100000);
  ASSERT_EQ(shutdown_reason(link, msgs), "");
  auto end = model.nozzle();
  // 600 net steps of 0.0125 mm on x; 400 steps of 0.0025 mm on z, upwards since the pin level
  // is what the motor sees and the config inverts it.
  EXPECT_NEAR(end.x - start.x, 600 * 0.0125, 1e-9);
  EXPECT_NEAR(end.y - start.y, 0., 1e-12);
  EXPECT_NEAR(end.z - start.z, 400 * 0.0025, 1e-9);
  const auto& mx = model.stepper("stepper_x");
  EXPECT_EQ(mx.steps(), 600);
  EXPECT_EQ(mx.total_steps(), 1000u);
  EXPECT_EQ(mx.direction_reversals(), 1u);
  // The enable pin was never driven: the steps happened with the motor off.
  EXPECT_EQ(mx.steps_while_disabled(), 1000u);
  EXPECT_EQ(link.query("stepper_get_position oid=0", "stepper_position")["pos"], 600);
}

TEST(SimPrinterModel, EndstopTriggersAtPositionEndstop) {
  SimOptions opt;
  opt.start_pos = kpp::sim::Vec3{0.05, 100., 50.};  // 4 steps above the x endstop
  PrinterModel model(MachineSpec::from_file(kDefaultConfig), opt);
  SimLink link;  // boots the MCU with no listener; attach the model after it
  Attached attach(model);
  link.send({"allocate_oids count=2", "config_endstop oid=0 pin=PB0 pull_up=1",
             "config_stepper oid=1 step_pin=PA0 dir_pin=PA1 invert_step=0 step_pulse_ticks=40",
             "finalize_config crc=0"});
  link.run_for(1000);
  EXPECT_EQ(ask(link, "endstop_query_state oid=0", "endstop_state")["pin_value"], 0);
  uint64_t t0 = link.now() + 10000;
  link.send({"reset_step_clock oid=1 clock=" + std::to_string(t0), "set_next_step_dir oid=1 dir=0",
             "queue_step oid=1 interval=1000 count=3 add=0"});
  auto msgs = link.run_until(t0 + 50000);
  ASSERT_EQ(shutdown_reason(link, msgs), "");
  EXPECT_EQ(ask(link, "endstop_query_state oid=0", "endstop_state")["pin_value"], 0);
  uint64_t t1 = link.now() + 10000;
  link.send({"reset_step_clock oid=1 clock=" + std::to_string(t1),
             "queue_step oid=1 interval=1000 count=1 add=0"});
  msgs = link.run_until(t1 + 50000);
  ASSERT_EQ(shutdown_reason(link, msgs), "");
  EXPECT_EQ(ask(link, "endstop_query_state oid=0", "endstop_state")["pin_value"], 1);
  EXPECT_NEAR(model.nozzle().x, 0., 1e-9);
  EXPECT_TRUE(model.endstop_triggered(model.stepper_index("stepper_x")));
}

TEST(SimPrinterModel, HeaterWarmsTheThermistor) {
  PrinterModel model(MachineSpec::from_file(kDefaultConfig));
  SimLink link;  // boots the MCU with no listener; attach the model after it
  Attached attach(model);
  link.send({"allocate_oids count=2", "config_analog_in oid=0 pin=PD0",
             "config_digital_out oid=1 pin=PC0 value=0 default_value=0 max_duration=0",
             "finalize_config crc=0"});
  link.run_for(1000);
  auto adc_at = [&](uint64_t clock) {
    link.send(std::vector<std::string>{"query_analog_in oid=0 clock=" + std::to_string(clock) +
              " sample_ticks=1000 sample_count=1 rest_ticks=100000000 bytes_per_report=2"
              " min_value=0"
              " max_value=4095 range_check_count=0"});
    for (const Msg& m : link.run_until(clock + 100000))
      if (m.name == "analog_in_state") {
        const std::string& v = m.bufs.at("values");
        return static_cast<int64_t>(static_cast<uint8_t>(v.at(0)) |
                                    static_cast<uint8_t>(v.at(1)) << 8);
      }
    ADD_FAILURE() << "no analog_in_state";
    return int64_t{-1};
  };
  int64_t cold = adc_at(link.now() + 10000);
  EXPECT_NEAR(model.temperature("extruder", link.now()), 25., 1e-6);
  link.send(std::vector<std::string>{"queue_digital_out oid=1 clock=" +
                                     std::to_string(link.now() + 1000) + " on_ticks=1"});
  const uint64_t hz = fw::sim::kClockFreq;
  link.run_until(link.now() + 30 * hz);
  EXPECT_TRUE(model.heater_on("extruder"));
  double t30 = model.temperature("extruder", link.now());
  // 40 W, 10 C/W, tau 60 s: 25 + 400 * (1 - e^-0.5) after 30 s.
  EXPECT_NEAR(t30, 25. + 400. * (1. - std::exp(-0.5)), 0.5);
  int64_t hot = adc_at(link.now() + 1000);
  // An NTC: hotter reads lower.
  EXPECT_LT(hot, cold - 1000);
  EXPECT_NEAR(model.temperature("heater_bed", link.now()), 25., 1e-6);
}

TEST(SimPrinterModel, SoftPwmFanSpeed) {
  PrinterModel model(MachineSpec::from_file(kDefaultConfig));
  SimLink link;  // boots the MCU with no listener; attach the model after it
  Attached attach(model);
  link.send({"allocate_oids count=1",
             "config_digital_out oid=0 pin=PC2 value=0 default_value=0 max_duration=0",
             "set_digital_out_pwm_cycle oid=0 cycle_ticks=200000", "finalize_config crc=0"});
  link.run_for(1000);
  link.send(std::vector<std::string>{"queue_digital_out oid=0 clock=" +
                                     std::to_string(link.now() + 1000) + " on_ticks=50000"});
  link.run_until(link.now() + 2000000);
  EXPECT_NEAR(model.fan_speed("fan"), 0.25, 0.01);
}

TEST(SimPrinterModel, ProbeTouchesATiltedBed) {
  auto path = write_config(
      "[printer]\nkinematics: cartesian\n"
      "[stepper_x]\nstep_pin: PA0\ndir_pin: PA1\nrotation_distance: 40\nmicrosteps: 16\n"
      "endstop_pin: PB0\nposition_endstop: 0\nposition_max: 200\n"
      "[stepper_y]\nstep_pin: PA3\ndir_pin: PA4\nrotation_distance: 40\nmicrosteps: 16\n"
      "endstop_pin: PB1\nposition_endstop: 0\nposition_max: 200\n"
      "[stepper_z]\nstep_pin: PA6\ndir_pin: PA7\nrotation_distance: 8\nmicrosteps: 16\n"
      "endstop_pin: probe:z_virtual_endstop\nposition_max: 200\nposition_min: -2\n"
      "[probe]\npin: PB3\nx_offset: 10\ny_offset: 0\nz_offset: 1.5\n");
  SimOptions opt;
  opt.bed.parse("tilt:0.01,0");
  opt.bed_given = true;
  opt.bed.center_x = 100.;
  opt.bed.center_y = 100.;
  opt.start_pos = kpp::sim::Vec3{140., 100., 1.91};
  PrinterModel model(MachineSpec::from_file(path), opt);
  // Probe at x=150: bed 0.5 mm above the centre, so it triggers with the nozzle at 2.0.
  EXPECT_NEAR(model.bed_height_under_probe(140., 100.), 0.5, 1e-9);
  EXPECT_TRUE(model.probe_triggered());
  SimOptions high = opt;
  high.start_pos = kpp::sim::Vec3{140., 100., 2.1};
  PrinterModel above(MachineSpec::from_file(path), high);
  EXPECT_FALSE(above.probe_triggered());
  // On the low side of the bed the same height is clear of it.
  SimOptions low = opt;
  low.start_pos = kpp::sim::Vec3{40., 100., 1.91};
  EXPECT_FALSE(PrinterModel(MachineSpec::from_file(path), low).probe_triggered());
}

TEST(SimOptions, BadValuesSayWhatIsWrong) {
  SimOptions opt;
  EXPECT_THROW(opt.parse("fault", "extruder=melted"), std::invalid_argument);
  EXPECT_THROW(opt.parse("start", "1,2"), std::invalid_argument);
  EXPECT_THROW(opt.parse("bed", "tilt:x"), std::invalid_argument);
  EXPECT_FALSE(opt.parse("unknown", "1"));
  opt.parse("fault", "chamber=open");
  EXPECT_THROW(PrinterModel(MachineSpec::from_file(kDefaultConfig), opt), std::invalid_argument)
      << "a fault on a heater the config does not have";
}

TEST(SimPrinterModel, SensorFaults) {
  SimOptions opt;
  opt.parse("fault", "extruder=open");
  opt.parse("fault", "heater_bed=short");
  PrinterModel model(MachineSpec::from_file(kDefaultConfig), opt);
  EXPECT_EQ(model.read_adc(static_cast<uint16_t>(fw::sim::pin_by_name("PD0")), 0), fw::sim::kAdcMax);
  EXPECT_EQ(model.read_adc(static_cast<uint16_t>(fw::sim::pin_by_name("PD1")), 0), 0);
}

}  // namespace

namespace {

TEST(SimThermistor, BuiltinCurvesPassThroughTheirPoints) {
  auto epcos = kpp::sim::ThermistorCurve::builtin("EPCOS 100K B57560G104F");
  ASSERT_TRUE(epcos.has_value());
  EXPECT_NEAR(epcos->resistance(25.), 100000., 1.);
  EXPECT_NEAR(epcos->resistance(150.), 1641.9, 0.01);
  EXPECT_NEAR(epcos->resistance(250.), 226.15, 0.01);
  for (double t : {0., 60., 200., 280.}) EXPECT_NEAR(epcos->temperature(epcos->resistance(t)), t, 1e-9);
  auto beta = kpp::sim::ThermistorCurve::builtin("NTC 100K beta 3950");
  ASSERT_TRUE(beta.has_value());
  EXPECT_NEAR(beta->resistance(25.), 100000., 1e-6);
  // R = R25 * exp(beta * (1/T - 1/T25)).
  EXPECT_NEAR(beta->resistance(100.), 100000. * std::exp(3950. * (1. / 373.15 - 1. / 298.15)), 1e-6);
  EXPECT_FALSE(kpp::sim::ThermistorCurve::builtin("No Such Thermistor").has_value());
}

}  // namespace

namespace {

// Steps at a constant rate against the constant-velocity path they should follow: the nozzle
// is never more than a step from it; a path shifted by 1 mm shows up as a 1 mm error.
TEST(SimPathChecker, ComparesStepsWithTheCommandedPath) {
  for (double shift : {0., 1.}) {
    PrinterModel model(MachineSpec::from_file(kDefaultConfig));
    SimLink link;
    Attached attach(model);
    kpp::sim::CommandedPath path;
    kpp::sim::PathChecker checker(path, /*deferred=*/true);
    model.add_observer(&checker);
    link.send({"allocate_oids count=1",
               "config_stepper oid=0 step_pin=PA0 dir_pin=PA1 invert_step=0 step_pulse_ticks=40",
               "finalize_config crc=0"});
    link.run_for(1000);
    uint64_t t0 = link.now() + 10000;
    double x0 = model.nozzle().x;
    link.send({"reset_step_clock oid=0 clock=" + std::to_string(t0), "set_next_step_dir oid=0 dir=1",
               "queue_step oid=0 interval=2000 count=800 add=0"});
    link.run_until(t0 + 801 * 2000);
    // 0.0125 mm every 2000 ticks (100 us): 125 mm/s from t0 on, the first step at t0 + 100 us.
    double start = PrinterModel::clock_to_time(t0);
    path.add(kpp::motion::PullMove{start, 0.1, 125., 0., {x0 + shift, model.nozzle().y, model.nozzle().z},
                                   {1., 0., 0.}});
    EXPECT_EQ(checker.checked(), 0u);  // deferred until the path is known
    checker.check_until(start + 0.1);
    EXPECT_EQ(checker.checked(), 800u);
    if (shift == 0.)
      EXPECT_LE(checker.max_error(), 0.0125 + 1e-9);
    else
      EXPECT_NEAR(checker.max_error(), 1., 0.0125 + 1e-9);
    model.remove_observer(&checker);
  }
}

}  // namespace

namespace {

// Steps inside an excluded interval (a homing move) are not compared; an open interval holds
// back the check of later steps until it is closed.
TEST(SimPathChecker, LeavesExcludedIntervalsOut) {
  PrinterModel model(MachineSpec::from_file(kDefaultConfig));
  SimLink link;
  Attached attach(model);
  kpp::sim::CommandedPath path;
  kpp::sim::PathChecker checker(path, /*deferred=*/true);
  model.add_observer(&checker);
  link.send({"allocate_oids count=1",
             "config_stepper oid=0 step_pin=PA0 dir_pin=PA1 invert_step=0 step_pulse_ticks=40",
             "finalize_config crc=0"});
  link.run_for(1000);
  uint64_t t0 = link.now() + 10000;
  double x0 = model.nozzle().x;
  link.send({"reset_step_clock oid=0 clock=" + std::to_string(t0), "set_next_step_dir oid=0 dir=1",
             "queue_step oid=0 interval=2000 count=800 add=0"});
  link.run_until(t0 + 801 * 2000);
  double start = PrinterModel::clock_to_time(t0);
  // The path is 5 mm off during the first half (as a homing move in forced coordinates).
  path.add(kpp::motion::PullMove{start, 0.05, 125., 0., {x0 + 5., model.nozzle().y, model.nozzle().z},
                                 {1., 0., 0.}});
  path.add(kpp::motion::PullMove{start + 0.05, 0.05, 125., 0.,
                                 {x0 + 125. * 0.05, model.nozzle().y, model.nozzle().z},
                                 {1., 0., 0.}});
  checker.begin_exclusion(start);
  EXPECT_TRUE(checker.excluding());
  checker.check_until(start + 0.1);
  EXPECT_EQ(checker.checked(), 0u);  // held back while the interval is open
  checker.end_exclusion(start + 0.05);
  checker.check_until(start + 0.1);
  // 800 steps 100 us apart: the first 500 fall in the interval.
  EXPECT_EQ(checker.excluded(), 500u);
  EXPECT_EQ(checker.checked(), 300u);
  EXPECT_LE(checker.max_error(), 0.0125 + 1e-9);
  model.remove_observer(&checker);
}

}  // namespace
