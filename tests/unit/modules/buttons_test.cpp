// [buttons] and [gcode_button]: the MCU config commands, buttons_state decoding with its 8-bit
// ack counter and retransmissions, buttons_ack, pin inversion, rotary encoders (full and half
// steps), analog buttons with debouncing, and a gcode_button running its templates.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "../common/batch_util.h"
#include "core/gcode.h"
#include "mcu/mcu.h"
#include "modules/buttons.h"

namespace kpp {
namespace {

std::vector<std::string> g_events;

// Lets the reactor run the callbacks a report scheduled (as between two reports of an MCU).
void settle(Printer& printer) {
  Reactor& reactor = printer.get_reactor();
  reactor.pause(reactor.monotonic() + .010);
}

// [test_buttons]: registers buttons through the API and offers G-code commands that feed the
// MCU objects as received reports would.
class TestButtons : public PrinterObject {
 public:
  explicit TestButtons(const ConfigWrapper& config) : buttons_(load_buttons(config)) {
    auto rec = [](std::string what) { return [what](double) { g_events.push_back(what); }; };
    int steps = static_cast<int>(config.getint("steps_per_detent", 4));
    buttons_.register_rotary_encoder("PA1", "PA2", rec("cw"), rec("ccw"), steps);
    buttons_.register_button_push("!PA3", rec("push"));
    auto adc_rec = [](std::string what) {
      return [what](double, int state) { g_events.push_back(fmt::format("{}={}", what, state)); };
    };
    buttons_.register_adc_button("PF1", 100., 1000., 4700., adc_rec("low"));
    buttons_.register_adc_button("PF1", 2000., 3000., 4700., adc_rec("high"));
    auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
    gcode.register_command("TEST_STATE", [this, &printer = config.get_printer()](GCodeCommand& g) {
      std::string hex = g.get("STATE", ""), bytes;
      for (size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      int n = buttons_.mcu_buttons().at(0)->handle_state(static_cast<int>(g.get_int("ACK")), bytes);
      g_events.push_back(fmt::format("new={}", n));
      settle(printer);
    });
    gcode.register_command("TEST_ADC", [this, &printer = config.get_printer()](GCodeCommand& g) {
      buttons_.adc_buttons("PF1")->adc_callback(g.get_float("TIME"), g.get_float("VALUE"));
      settle(printer);
    });
    // An analog_in_state report for the analog button pin as the MCU sends it: VALUES is
    // the hex of the little-endian 16-bit readings, oldest first.
    gcode.register_command("TEST_ADC_REPORT", [&printer = config.get_printer()](GCodeCommand& g) {
      Mcu& mcu = printer.lookup<Mcu>("mcu");
      std::string hex = g.get("VALUES"), bytes;
      for (size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
      McuResponse r;
      r.msg.format = mcu.dictionary().find_response("analog_in_state");
      r.msg.params = {mcu::ParamValue::integer(g.get_int("OID")),
                      mcu::ParamValue::integer(g.get_int("NEXT_CLOCK")),
                      mcu::ParamValue::bytes(bytes)};
      mcu.serial().handle_response(r);
      settle(printer);
    });
    gcode.register_output_handler([](const std::string& m) {
      if (m.find("my_button") != std::string::npos || m.find("Filament Sensor") != std::string::npos)
        g_events.push_back("out:" + m);
    });
    gcode.register_command("TEST_RECORD",
                           [](GCodeCommand& g) { g_events.push_back(g.get("MSG")); });
  }
  PrinterButtons& buttons_;
};

const bool kRegistered = [] {
  register_module("test_buttons", [](ConfigWrapper& c) { return std::make_shared<TestButtons>(c); });
  return true;
}();

const std::string kConfig =
    "[mcu]\nserial: /dev/null\n"
    "[printer]\nkinematics: none\nmax_velocity: 1\nmax_accel: 1\n"
    "[test_buttons]\n"
    "[gcode_button my_button]\npin: ^!PC0\n"
    "press_gcode: TEST_RECORD MSG=press\n"
    "release_gcode: TEST_RECORD MSG=release\n";

test::BatchRun run(const std::string& gcode, const std::string& extra_cfg = {}) {
  g_events.clear();
  return test::run_batch(kConfig + extra_cfg, gcode);
}

TEST(Buttons, ConfigCommands) {
  auto r = run("\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto cfg = test::lines_with(r, "config_buttons");
  ASSERT_EQ(cfg.size(), 1u);
  // One MCU object: encoder (bits 0, 1), push button (bit 2), gcode_button (bit 3).
  EXPECT_EQ(cfg[0], "config_buttons oid=0 button_count=4");
  auto add = test::lines_with(r, "buttons_add");
  ASSERT_EQ(add.size(), 4u);
  EXPECT_EQ(add[0], "buttons_add oid=0 pos=0 pin=PA1 pull_up=0");
  EXPECT_EQ(add[2], "buttons_add oid=0 pos=2 pin=PA3 pull_up=0");
  EXPECT_EQ(add[3], "buttons_add oid=0 pos=3 pin=PC0 pull_up=1");
  auto query = test::lines_with(r, "buttons_query");
  ASSERT_EQ(query.size(), 1u);
  // 2 ms at 16 MHz; bits 2 and 3 are inverted pins.
  EXPECT_NE(query[0].find("rest_ticks=32000 retransmit_count=50 invert=12"), std::string::npos)
      << query[0];
}

TEST(Buttons, StateReportsAreAckedOnceAndRetransmissionsIgnored) {
  // Raw 0x0c is the idle state (inverted pins high). Then PC0 pulled low (press), a
  // retransmission of the same report, then in one report (the first state repeated, not yet
  // acknowledged by the MCU) the release and a press of the push button on PA3.
  auto r = run(
      "TEST_STATE ACK=0 STATE=04\n"
      "TEST_STATE ACK=0 STATE=04\n"
      "TEST_STATE ACK=0 STATE=040c08\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto acks = test::lines_with(r, "buttons_ack");
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0], "buttons_ack oid=0 count=1");
  EXPECT_EQ(acks[1], "buttons_ack oid=0 count=2");
  // The push callback runs as the report arrives; the gcode_button scripts wait for the G-code
  // lock (held here by the TEST_STATE commands), then run in order.
  EXPECT_EQ(g_events, (std::vector<std::string>{"new=1", "new=0", "new=2", "push", "press",
                                                "release"}));
}

TEST(Buttons, AckCountWrapsAtEightBits) {
  // 130 single reports, alternating press and release of PC0; the MCU's ack_count wraps.
  std::string gcode;
  for (int i = 0; i < 130; i++)
    gcode += fmt::format("TEST_STATE ACK={} STATE={}\n", i & 0xff, i % 2 ? "0c" : "04");
  // A stale retransmission of report 129 after the wrap is recognised as old.
  gcode += fmt::format("TEST_STATE ACK={} STATE=0c\n", 129 & 0xff);
  auto r = run(gcode);
  ASSERT_EQ(r.result, "exit") << r.state;
  EXPECT_EQ(test::lines_with(r, "buttons_ack").size(), 130u);
  EXPECT_EQ(g_events[129], "new=1");
  EXPECT_EQ(g_events[130], "new=0");
}

TEST(Buttons, PushButtonAndEncoderFullSteps) {
  // Push: PA3 is inverted, raw bit 2 low = pressed. Encoder at rest reads 11 (pins A, B);
  // one detent clockwise is 11 -> 01 -> 00 -> 10 -> 11 (A leads), then one counter-clockwise.
  auto r = run(
      "TEST_STATE ACK=0 STATE=0b\n"  // encoder at rest, push pressed (bit 2 low)
      "TEST_STATE ACK=1 STATE=0f\n"  // push released
      "TEST_STATE ACK=2 STATE=0d0c0e0f\n"
      "TEST_STATE ACK=6 STATE=0e0c0d0f\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  std::vector<std::string> cb;
  for (auto& e : g_events)
    if (!e.starts_with("new=")) cb.push_back(e);
  EXPECT_EQ(cb, (std::vector<std::string>{"push", "cw", "ccw"}));
}

TEST(Buttons, EncoderHalfSteps) {
  auto r = run("TEST_STATE ACK=0 STATE=0f0d0c0e0f\n", "");
  std::vector<std::string> full;
  for (auto& e : g_events)
    if (!e.starts_with("new=")) full.push_back(e);
  EXPECT_EQ(full, (std::vector<std::string>{"cw"}));
  // The same quarter turns with half-step decoding: a click at 00 and one back at 11.
  g_events.clear();
  std::string cfg = kConfig;
  cfg.replace(cfg.find("[test_buttons]\n"), 15, "[test_buttons]\nsteps_per_detent: 2\n");
  r = test::run_batch(cfg, "TEST_STATE ACK=0 STATE=0f0d0c0e0f\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  std::vector<std::string> half;
  for (auto& e : g_events)
    if (!e.starts_with("new=")) half.push_back(e);
  EXPECT_EQ(half, (std::vector<std::string>{"cw", "cw"}));
}

TEST(Buttons, RotaryEncoderTable) {
  std::vector<std::string> ev;
  RotaryEncoder full(4, [&](double) { ev.push_back("cw"); }, [&](double) { ev.push_back("ccw"); });
  // Bounce within a detent does not count; a full sequence does.
  for (int s : {1, 3, 1, 0, 2, 3}) full.encoder_callback(0., s);
  EXPECT_EQ(ev, (std::vector<std::string>{"cw"}));
  ev.clear();
  for (int s : {2, 0, 1, 3}) full.encoder_callback(0., s);
  EXPECT_EQ(ev, (std::vector<std::string>{"ccw"}));
  EXPECT_THROW(RotaryEncoder(3, [](double) {}, [](double) {}), ConfigError);
}

TEST(Buttons, AdcButtonsDebounceAndRelease) {
  // Resistance = 4700 * v / (1 - v): v=.1 -> 522 ohm (low), v=.35 -> 2531 ohm (high).
  auto r = run(
      "TEST_ADC TIME=1.000 VALUE=.1\n"
      "TEST_ADC TIME=1.015 VALUE=.1\n"   // 15 ms stable: not yet
      "TEST_ADC TIME=1.030 VALUE=.1\n"   // 30 ms: pressed
      "TEST_ADC TIME=1.045 VALUE=.35\n"  // another button: debounce restarts
      "TEST_ADC TIME=1.060 VALUE=.35\n"
      "TEST_ADC TIME=1.075 VALUE=.35\n"  // low released, high pressed
      "TEST_ADC TIME=1.090 VALUE=.99\n"
      "TEST_ADC TIME=1.120 VALUE=.99\n");  // nothing pressed: high released
  ASSERT_EQ(r.result, "exit") << r.state;
  EXPECT_EQ(g_events, (std::vector<std::string>{"low=1", "low=0", "high=1", "high=0"}));
}

// Klipper batches analog button readings: one every 10 ms, five (10 bytes) per report.
TEST(Buttons, AdcButtonsQueryBatchesFiveReadings) {
  auto r = run("\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto q = test::lines_with(r, "query_analog_in");
  ASSERT_EQ(q.size(), 1u);
  EXPECT_NE(q[0].find("sample_ticks=16000 sample_count=6 rest_ticks=160000 bytes_per_report=10 "
                      "min_value=0 max_value=6138 range_check_count=0"),
            std::string::npos)
      << q[0];
}

// A batched report is five readings 10 ms apart, the last taken 10 ms before next_clock:
// all five pass through the debounce in order, so one report of a steady "low" reading
// (40 ms) presses the button and the next report of "high" readings releases it and, after
// 25 ms more of them, presses the other.
TEST(Buttons, AdcButtonsDecodeBatchedReports) {
  auto cfg = test::lines_with(run("\n"), "config_analog_in");
  ASSERT_EQ(cfg.size(), 1u);
  std::string oid = cfg[0].substr(cfg[0].find("oid=") + 4);
  oid = oid.substr(0, oid.find(' '));
  // 6 samples of a 10-bit ADC: .1 -> 614 = 0x0266, .35 -> 2148 = 0x0864 (little endian).
  std::string low = "6602", high = "6408";
  std::string report_low, report_high;
  for (int i = 0; i < 5; i++) report_low += low, report_high += high;
  auto r = run(fmt::format("TEST_ADC_REPORT OID={} NEXT_CLOCK=32000000 VALUES={}\n"
                           "TEST_ADC_REPORT OID={} NEXT_CLOCK=32800000 VALUES={}\n",
                           oid, report_low, oid, report_high));
  ASSERT_EQ(r.result, "exit") << r.state;
  EXPECT_EQ(g_events, (std::vector<std::string>{"low=1", "low=0", "high=1"}));
}

TEST(Buttons, PinsMustShareAnMcu) {
  auto r = test::run_batch(
      "[mcu]\nserial: /dev/null\n[mcu other]\nserial: /dev/null\n"
      "[printer]\nkinematics: none\nmax_velocity: 1\nmax_accel: 1\n"
      "[test_buttons]\n"
      "[gcode_button b]\npin: other:PC0\npress_gcode: M117\n",
      "\n");
  // Two MCU objects, one per MCU; the second MCU has no dictionary in this run: an error.
  EXPECT_NE(r.result, "");
}

TEST(GCodeButton, QueryButtonAndStatus) {
  auto r = run(
      "QUERY_BUTTON BUTTON=my_button\n"
      "TEST_STATE ACK=0 STATE=04\n"
      "QUERY_BUTTON BUTTON=my_button\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  // The state changes with the report; press_gcode runs once the G-code lock is free.
  EXPECT_EQ(g_events, (std::vector<std::string>{"out:// my_button: RELEASED", "new=1",
                                                "out:// my_button: PRESSED", "press"}));
}

TEST(FilamentSwitchSensor, SwitchPinThroughButtons) {
  // The sensor's pin joins the same MCU object (bit 4); pressed = filament present.
  auto r = run(
      "QUERY_FILAMENT_SENSOR SENSOR=fs\n"
      "TEST_STATE ACK=0 STATE=1c\n"
      "QUERY_FILAMENT_SENSOR SENSOR=fs\n"
      "TEST_STATE ACK=1 STATE=0c\n"
      "QUERY_FILAMENT_SENSOR SENSOR=fs\n",
      "[filament_switch_sensor fs]\nswitch_pin: PC1\npause_on_runout: False\n");
  ASSERT_EQ(r.result, "exit") << r.state;
  auto cfg = test::lines_with(r, "config_buttons");
  ASSERT_EQ(cfg.size(), 1u);
  EXPECT_EQ(cfg[0], "config_buttons oid=0 button_count=5");
  EXPECT_EQ(g_events, (std::vector<std::string>{"out:// Filament Sensor fs: filament not detected",
                                                "new=1",
                                                "out:// Filament Sensor fs: filament detected",
                                                "new=1",
                                                "out:// Filament Sensor fs: filament not detected"}));
}

TEST(GCodeButton, AnalogRangeNeedsTwoValues) {
  auto r = test::run_batch(
      "[mcu]\nserial: /dev/null\n[printer]\nkinematics: none\nmax_velocity: 1\nmax_accel: 1\n"
      "[gcode_button b]\npin: PF2\nanalog_range: 10\npress_gcode: M117\n",
      "\n");
  EXPECT_EQ(r.result, "error_exit");
}

}  // namespace
}  // namespace kpp
