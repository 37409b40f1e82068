// [homing_heaters] in batch mode: heaters are off while a listed stepper homes and get their
// targets back afterwards; unknown names are config errors.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../common/batch_util.h"
#include "core/gcode.h"
#include "modules/heaters_api.h"
#include "modules/homing.h"

namespace kpp {
namespace {

using test::run_batch;

std::vector<std::string> g_events;  // "<begin|end> <bed target>" per homing move

// [homing_heaters_probe]: records the bed target at each homing move's begin and end. Placed
// after [homing_heaters] in the config, so it sees what homing_heaters left.
class HeaterProbe : public PrinterObject {
 public:
  explicit HeaterProbe(const ConfigWrapper& config) : printer_(config.get_printer()) {
    printer_.register_event_handler<HomingMove*>("homing:homing_move_begin",
                                                 [this](HomingMove*) { record("begin"); });
    printer_.register_event_handler<HomingMove*>("homing:homing_move_end",
                                                 [this](HomingMove*) { record("end"); });
  }

 private:
  void record(const char* what) {
    auto& bed = printer_.lookup<PrinterHeaters>("heaters").lookup_heater("heater_bed");
    g_events.push_back(fmt::format("{} {:.0f}", what, bed.get_temp(0.).second));
  }
  Printer& printer_;
};

const bool kRegistered = [] {
  register_module("homing_heaters_probe",
                  [](ConfigWrapper& c) { return std::make_shared<HeaterProbe>(c); });
  return true;
}();

std::string config(const std::string& homing_heaters) {
  return test::cartesian_config() +
         "[heater_bed]\nheater_pin: PH5\nsensor_type: EPCOS 100K B57560G104F\n"
         "sensor_pin: PK6\ncontrol: watermark\nmin_temp: 0\nmax_temp: 130\n" +
         homing_heaters + "[homing_heaters_probe]\n";
}

TEST(HomingHeaters, BedOffWhileZHomesOnly) {
  g_events.clear();
  auto run = run_batch(config("[homing_heaters]\nsteppers: stepper_z\nheaters: heater_bed\n"),
                       "M140 S60\nG28\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  // X and Y homing moves (first move and retract each) leave the bed on; Z's turn it off.
  ASSERT_EQ(g_events.size(), 12u);
  EXPECT_EQ(g_events[0], "begin 60");
  EXPECT_EQ(g_events[3], "end 60");
  EXPECT_EQ(g_events[8], "begin 0");
  EXPECT_EQ(g_events[9], "end 60");
  EXPECT_EQ(g_events[11], "end 60");
}

TEST(HomingHeaters, DefaultsToEveryHeaterAndEveryMove) {
  g_events.clear();
  auto run = run_batch(config("[homing_heaters]\n"), "M140 S50\nG28 X\n");
  ASSERT_EQ(run.result, "exit") << run.state;
  ASSERT_EQ(g_events.size(), 4u);
  EXPECT_EQ(g_events[0], "begin 0");
  EXPECT_EQ(g_events[1], "end 50");
}

TEST(HomingHeaters, UnknownNamesAreConfigErrors) {
  auto bad_heater = run_batch(config("[homing_heaters]\nheaters: heater_bed, extruder9\n"));
  EXPECT_NE(bad_heater.state.find("One or more of these heaters are unknown"), std::string::npos)
      << bad_heater.state;
  auto bad_stepper = run_batch(config("[homing_heaters]\nsteppers: stepper_q\n"));
  EXPECT_NE(bad_stepper.state.find("One or more of these steppers are unknown"),
            std::string::npos)
      << bad_stepper.state;
}

}  // namespace
}  // namespace kpp
