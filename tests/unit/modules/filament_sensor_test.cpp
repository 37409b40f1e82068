// Filament runout handling shared by [filament_switch_sensor] and [filament_motion_sensor]:
// a runout while printing pauses and runs runout_gcode, an insert while not printing runs
// insert_gcode, the start-up and event delays, SET_FILAMENT_SENSOR, QUERY_FILAMENT_SENSOR and
// the status. (The sensor sections themselves run in the regression cases.)
#include "modules/filament_switch_sensor.h"

#include "../macros/macro_fixture.h"
#include "modules/idle_timeout.h"
#include "modules/pause_resume.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

// [test_runout NAME]: a RunoutHelper fed by the test instead of a pin.
class TestRunout : public PrinterObject {
 public:
  explicit TestRunout(const ConfigWrapper& config) : helper(config) {}
  Json get_status(double eventtime) override { return helper.get_status(eventtime); }
  RunoutHelper helper;
};

const bool kRegistered = [] {
  register_module("test_runout", nullptr,
                  [](ConfigWrapper& c) { return std::make_shared<TestRunout>(c); });
  return true;
}();

class FilamentSensorTest : public MacroFixture {
 protected:
  void setup(const std::string& options) {
    load("[idle_timeout]\n[test_runout s]\n" + options);
    // PAUSE saves the G-code state and the scripts end with M400: stand-ins record them.
    gcode().register_command("SAVE_GCODE_STATE",
                             [this](GCodeCommand& g) { rec_.push_back(g.get_commandline()); });
    gcode().register_command("M400", [this](GCodeCommand&) { rec_.push_back("M400"); });
    ready();
  }
  RunoutHelper& helper() { return printer_.lookup<TestRunout>("test_runout s").helper; }
  void start_printing() {
    double now = reactor_.monotonic();
    printer_.send_event<double, double, double>("toolhead:sync_print_time", now, 1., 1.);
    ASSERT_EQ(printer_.lookup<IdleTimeout>("idle_timeout").state(), "Printing");
  }
  // Feed a reading at the current time, then let the event (if any) run.
  void note(bool present, double run_for = 1.) {
    helper().note_filament_present(reactor_.monotonic(), present);
    run_reactor_until(reactor_.monotonic() + run_for);
  }
  std::vector<std::string> outputs() {
    std::vector<std::string> o;
    for (auto& m : out_)
      if (m != "ok") o.push_back(m);
    return o;
  }
};

TEST_F(FilamentSensorTest, RunoutWhilePrintingPausesThenRunsRunoutGcode) {
  setup("runout_gcode: M777 RUNOUT\n");
  run_reactor_until(reactor_.monotonic() + 2.5);  // past the start-up delay
  note(true);
  start_printing();
  rec_.clear();
  out_.clear();
  note(false);
  EXPECT_EQ(outputs(), (Lines{"// action:paused"}));
  EXPECT_EQ(rec_, (Lines{"SAVE_GCODE_STATE NAME=PAUSE_STATE", "M777 RUNOUT", "M400"}));
  EXPECT_TRUE(printer_.lookup<PauseResume>("pause_resume").is_paused());
  Json st = helper().get_status(0.);
  EXPECT_EQ(st["filament_detected"], false);
  EXPECT_EQ(st["enabled"], true);
}

TEST_F(FilamentSensorTest, EventsIgnoredDuringStartupAndEventDelay) {
  setup("runout_gcode: M777 RUNOUT\nevent_delay: 3\n");
  note(true, .1);
  start_printing();
  note(false, .1);  // within 2 s of ready: state follows, no event
  EXPECT_TRUE(rec_.empty());
  EXPECT_FALSE(helper().filament_present());
  run_reactor_until(reactor_.monotonic() + 2.);
  note(true, .1);
  note(false, 1.);  // runout event
  ASSERT_FALSE(rec_.empty());
  rec_.clear();
  printer_.lookup<GCodeDispatch>("gcode").run_script("CLEAR_PAUSE");
  note(true, .1);
  note(false, .1);  // within event_delay of the last event
  EXPECT_TRUE(rec_.empty());
  run_reactor_until(reactor_.monotonic() + 3.);
  note(true, .1);
  note(false, 1.);
  EXPECT_FALSE(rec_.empty());
}

TEST_F(FilamentSensorTest, InsertWhileIdleRunsInsertGcode) {
  setup("pause_on_runout: False\ninsert_gcode: M777 INSERT\n");
  run_reactor_until(reactor_.monotonic() + 2.5);
  note(true);
  EXPECT_EQ(rec_, (Lines{"M777 INSERT", "M400"}));
  // No runout_gcode and no pause: a runout does nothing.
  run_reactor_until(reactor_.monotonic() + 3.5);
  start_printing();
  rec_.clear();
  note(false);
  EXPECT_TRUE(rec_.empty());
  EXPECT_TRUE(outputs().empty());
}

TEST_F(FilamentSensorTest, SetAndQueryFilamentSensor) {
  setup("runout_gcode: M777 RUNOUT\n");
  EXPECT_EQ(run("QUERY_FILAMENT_SENSOR SENSOR=s"), (Lines{"// Filament Sensor s: filament not detected"}));
  run_reactor_until(reactor_.monotonic() + 2.5);
  note(true);
  EXPECT_EQ(run("QUERY_FILAMENT_SENSOR SENSOR=s"), (Lines{"// Filament Sensor s: filament detected"}));
  run("SET_FILAMENT_SENSOR SENSOR=s ENABLE=0");
  EXPECT_EQ(helper().get_status(0.)["enabled"], false);
  start_printing();
  rec_.clear();
  note(false);
  EXPECT_TRUE(rec_.empty());  // disabled: no pause
  EXPECT_FALSE(printer_.lookup<PauseResume>("pause_resume").is_paused());
  run("SET_FILAMENT_SENSOR SENSOR=s ENABLE=1");
  EXPECT_EQ(helper().get_status(0.)["enabled"], true);
}

TEST_F(FilamentSensorTest, BadOptions) {
  EXPECT_NE(load_error("[test_runout s]\npause_delay: 0\n").find("pause_delay"), std::string::npos);
  EXPECT_NE(load_error("[test_runout s]\nevent_delay: -1\n").find("event_delay"), std::string::npos);
}

}  // namespace
}  // namespace kpp::test
