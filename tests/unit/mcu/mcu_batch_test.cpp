// The MCU layer in batch mode: config phase, CRC, pins, aliases and pin objects, decoded from
// the output stream exactly as Klipper's parsedump prints it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "../common/batch_util.h"
#include "core/printer.h"
#include "mcu/dictionary.h"
#include "mcu/msgblock.h"
#include "mcu/pins.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;

const std::string kDict = std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/atmega2560.dict";

// A test-only module: [test_pins] sets up pins named in its options.
class TestPins : public PrinterObject {
 public:
  explicit TestPins(const ConfigWrapper& config) {
    auto& pins = config.get_printer().lookup<PrinterPins>("pins");
    if (auto p = config.get_opt("digital_pin")) {
      dout = pins.setup_digital_out(*p);
      dout->setup_max_duration(0.);
      dout->setup_start_value(1., 1.);
    }
    if (auto p = config.get_opt("pwm_pin")) {
      pwm = pins.setup_pwm(*p);
      pwm->setup_cycle_time(0.010);
      pwm->setup_max_duration(3.0);
    }
    if (auto p = config.get_opt("adc_pin")) {
      adc = pins.setup_adc(*p);
      adc->setup_minmax(0.001, 8, 0.1, 0.9, 4);
      adc->setup_adc_callback(0.3, [](double, double) {});
    }
    if (auto p = config.get_opt("endstop_pin")) endstop = pins.setup_endstop(*p);
  }
  std::shared_ptr<McuDigitalOut> dout;
  std::shared_ptr<McuPwm> pwm;
  std::shared_ptr<McuAdc> adc;
  std::shared_ptr<McuEndstop> endstop;
};

const bool kRegistered = [] {
  register_module("test_pins", [](ConfigWrapper& c) { return std::make_shared<TestPins>(c); });
  return true;
}();

// Every printer needs a [printer] section (the toolhead); "none" adds no MCU objects.
test::BatchRun run_batch(const std::string& cfg_text) {
  return test::run_batch(cfg_text + "[printer]\nkinematics: none\nmax_velocity: 1\nmax_accel: 1\n",
                         "\n", kDict);
}

uint32_t crc_of(const std::string& s) {
  return static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()),
                                     static_cast<uInt>(s.size())));
}

TEST(McuBatch, EmptyConfigPhase) {
  auto run = run_batch("[mcu]\nserial: /dev/null\n");
  EXPECT_EQ(run.result, "exit");
  ASSERT_EQ(run.lines.size(), 2u);
  EXPECT_EQ(run.lines[0], "allocate_oids count=0");
  EXPECT_EQ(run.lines[1], fmt::format("finalize_config crc={}", crc_of("allocate_oids count=0")));
}

TEST(McuBatch, PinObjectsEmitKlipperConfigCommands) {
  auto run = run_batch(
      "[mcu]\nserial: /dev/null\n"
      "[board_pins]\naliases: myled=PB7, heat=PH5\n"
      "[test_pins]\ndigital_pin: !myled\npwm_pin: heat\nadc_pin: PK6\nendstop_pin: ^PE5\n");
  EXPECT_EQ(run.result, "exit") << run.state;
  std::vector<std::string> expect_config = {
      "allocate_oids count=5",
      "config_digital_out oid=2 pin=PB7 value=0 default_value=0 max_duration=0",
      "config_digital_out oid=3 pin=PH5 value=0 default_value=0 max_duration=48000000",
      "set_digital_out_pwm_cycle oid=3 cycle_ticks=160000",
      "config_analog_in oid=4 pin=PK6",
      "config_endstop oid=0 pin=PE5 pull_up=1",
      "config_trsync oid=1",
  };
  std::string joined;
  for (size_t i = 0; i < expect_config.size(); i++) joined += (i ? "\n" : "") + expect_config[i];
  ASSERT_GE(run.lines.size(), expect_config.size() + 3);
  for (size_t i = 0; i < expect_config.size(); i++) EXPECT_EQ(run.lines[i], expect_config[i]);
  EXPECT_EQ(run.lines[7], fmt::format("finalize_config crc={}", crc_of(joined)));
  // Init commands: the soft PWM starts 0.2 s ahead, the ADC query in its oid's slot.
  EXPECT_EQ(run.lines[8], "queue_digital_out oid=3 clock=3200000 on_ticks=0");
  EXPECT_EQ(run.lines[9],
            "query_analog_in oid=4 clock=16640000 sample_ticks=16000 sample_count=8 "
            "rest_ticks=4800000 bytes_per_report=2 min_value=818 max_value=7366 "
            "range_check_count=4");
}

// [static_digital_output] adds its commands while the config is read, so they precede the
// commands of every config callback (Klipper's order, part of the config CRC), even when
// the section comes later in the file; "!" drives the pin low.
TEST(McuBatch, StaticDigitalOutputPrecedesCallbackCommands) {
  auto run = run_batch(
      "[mcu]\nserial: /dev/null\n"
      "[test_pins]\ndigital_pin: PB7\n"
      "[static_digital_output leds]\npins: PB0, !PB1\n");
  EXPECT_EQ(run.result, "exit") << run.state;
  std::vector<std::string> expect_config = {
      "allocate_oids count=1",
      "set_digital_out pin=PB0 value=1",
      "set_digital_out pin=PB1 value=0",
      "config_digital_out oid=0 pin=PB7 value=1 default_value=1 max_duration=0",
  };
  std::string joined;
  for (size_t i = 0; i < expect_config.size(); i++) joined += (i ? "\n" : "") + expect_config[i];
  ASSERT_GE(run.lines.size(), expect_config.size() + 1);
  for (size_t i = 0; i < expect_config.size(); i++) EXPECT_EQ(run.lines[i], expect_config[i]);
  EXPECT_EQ(run.lines[4], fmt::format("finalize_config crc={}", crc_of(joined)));
}

// A module that, when the batch input ends, defers an MCU command to a reactor callback (as
// the TMC drivers defer their virtual disable): Klipper's batch output has such commands.
class DeferredAtExit : public PrinterObject {
 public:
  explicit DeferredAtExit(const ConfigWrapper& config) : printer_(config.get_printer()) {
    auto& pins = printer_.lookup<PrinterPins>("pins");
    dout_ = pins.setup_digital_out(config.get("pin"));
    dout_->setup_max_duration(0.);
    printer_.register_event_handler<double>("gcode:request_restart", [this](double print_time) {
      printer_.get_reactor().register_callback(
          [this, print_time](double) { dout_->set_digital(print_time + 0.1, 1); });
    });
  }

 private:
  Printer& printer_;
  std::shared_ptr<McuDigitalOut> dout_;
};

const bool kDeferredRegistered = [] {
  register_module("deferred_at_exit",
                  [](ConfigWrapper& c) { return std::make_shared<DeferredAtExit>(c); });
  return true;
}();

TEST(McuBatch, CallbacksQueuedAtTheBatchExitStillRun) {
  auto run = run_batch("[mcu]\nserial: /dev/null\n[deferred_at_exit]\npin: PB7\n");
  EXPECT_EQ(run.result, "exit") << run.state;
  auto sent = test::lines_with(run, "queue_digital_out oid=0 ");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_TRUE(sent[0].ends_with(" on_ticks=1")) << sent[0];
}

TEST(McuBatch, UnknownPinIsAConfigError) {
  auto run = run_batch("[mcu]\nserial: /dev/null\n[test_pins]\ndigital_pin: PZ9\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("Pin 'PZ9' is not a valid pin name on mcu 'mcu'"), std::string::npos)
      << run.state;
}

TEST(McuBatch, ReservedPinIsRefused) {
  auto run = run_batch("[mcu]\nserial: /dev/null\n[test_pins]\ndigital_pin: PE0\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("pin PE0 is reserved for serial"), std::string::npos) << run.state;
}

TEST(McuBatch, PinUsedTwiceUnlessOverridden) {
  const char* cfg =
      "[mcu]\nserial: /dev/null\n[test_pins]\ndigital_pin: PA1\npwm_pin: PA1\n";
  auto run = run_batch(cfg);
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("pin PA1 used multiple times in config"), std::string::npos)
      << run.state;
  // Like Klipper, the override must come before the sections that share the pin.
  auto ok = run_batch(
      "[mcu]\nserial: /dev/null\n[duplicate_pin_override]\npins: PA1\n"
      "[test_pins]\ndigital_pin: PA1\npwm_pin: PA1\n");
  EXPECT_EQ(ok.result, "exit") << ok.state;
}

TEST(McuBatch, InvalidPinModifier) {
  auto run = run_batch("[mcu]\nserial: /dev/null\n[test_pins]\nadc_pin: !PK6\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("Invalid pin description '!PK6'"), std::string::npos) << run.state;
}

TEST(McuBatch, UnknownChip) {
  auto run = run_batch("[mcu]\nserial: /dev/null\n[test_pins]\ndigital_pin: other:PA1\n");
  EXPECT_EQ(run.result, "error_exit");
  EXPECT_NE(run.state.find("Unknown pin chip name 'other'"), std::string::npos) << run.state;
}

}  // namespace
}  // namespace kpp
