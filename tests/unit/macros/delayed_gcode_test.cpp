// [delayed_gcode]: initial_duration, UPDATE_DELAYED_GCODE (start, cancel, repeat from inside).
#include "modules/delayed_gcode.h"

#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

class DelayedGCodeTest : public MacroFixture {
 protected:
  // Records the virtual time of each M777 line.
  void time_recs() {
    gcode().unregister_command("M777");
    gcode().register_command("M777", [this](GCodeCommand& g) {
      times_.push_back(reactor_.monotonic());
      rec_.push_back(g.get_commandline());
    });
  }
  std::vector<double> times_;
};

TEST_F(DelayedGCodeTest, InitialDurationRunsOnceAfterReady) {
  time_recs();
  load("[delayed_gcode startup]\ninitial_duration: 2.5\ngcode:\n  M777 boot {1 + 1}\n"
       "[delayed_gcode idle]\ngcode:\n  M777 never\n");
  ready();
  double start = reactor_.monotonic();
  run_reactor_until(start + 10.);
  ASSERT_EQ(rec_, (Lines{"M777 boot 2"}));
  EXPECT_NEAR(times_[0] - start, 2.5, 1e-6);
}

TEST_F(DelayedGCodeTest, UpdateStartsCancelsAndRepeats) {
  time_recs();
  load("[delayed_gcode blink]\n"
       "gcode:\n"
       "  M777 blink\n"
       "  {% if printer['gcode_macro CNT'].n < 3 %}\n"
       "    SET_GCODE_VARIABLE MACRO=CNT VARIABLE=n VALUE={printer['gcode_macro CNT'].n + 1}\n"
       "    UPDATE_DELAYED_GCODE ID=blink DURATION=1\n"
       "  {% endif %}\n"
       "[delayed_gcode cancelled]\ngcode:\n  M777 cancelled\n"
       "[gcode_macro CNT]\nvariable_n: 0\ngcode:\n");
  ready();
  double start = reactor_.monotonic();
  EXPECT_EQ(run("UPDATE_DELAYED_GCODE ID=blink DURATION=0.5"), Lines{});
  run("UPDATE_DELAYED_GCODE ID=cancelled DURATION=1");
  run("UPDATE_DELAYED_GCODE ID=cancelled DURATION=0");
  EXPECT_EQ(run("UPDATE_DELAYED_GCODE ID=blink DURATION=-1"),
            (Lines{"!! Error on 'UPDATE_DELAYED_GCODE ID=blink DURATION=-1': DURATION must have minimum of 0.0"}));
  EXPECT_EQ(run("UPDATE_DELAYED_GCODE ID=nope DURATION=1"),
            (Lines{"!! The value 'nope' is not valid for ID"}));
  rec_.clear();
  times_.clear();
  run_reactor_until(start + 20.);
  // Runs at 0.5 s, then repeats every second from inside itself until n reaches 3.
  ASSERT_EQ(rec_, (Lines{"M777 blink", "M777 blink", "M777 blink", "M777 blink"}));
  EXPECT_NEAR(times_[0] - start, 0.5, 1e-6);
  EXPECT_NEAR(times_[3] - start, 3.5, 1e-6);
}

}  // namespace
}  // namespace kpp::test
