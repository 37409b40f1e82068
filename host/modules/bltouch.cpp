// [bltouch] (Klipper's extras/bltouch.py): a probe whose pin is lowered and raised by servo-like
// pulses on control_pin and read on sensor_pin. It serves as the "probe" object (PROBE,
// QUERY_PROBE, probe:z_virtual_endstop, ...) with an endstop that lowers the pin before each
// probing move, raises it when the probe triggers and verifies it went up; BLTOUCH_DEBUG and
// BLTOUCH_STORE send raw commands. The commands are scheduled on the MCU clock (a pulse of the
// command's width, then the signal off), each at least 5 signal periods long.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/logging.h"
#include "mcu/mcu.h"
#include "mcu/pins.h"
#include "modules/homing.h"
#include "modules/probe.h"
#include "motion/toolhead.h"

namespace kpp {
namespace {

constexpr double kSignalPeriod = 0.020;
constexpr double kMinCmdTime = 5 * kSignalPeriod;
constexpr double kTestTime = 5 * 60.;  // how long a sensor test stays valid
constexpr double kRetryResetTime = 1.;
constexpr double kEndstopRestTime = .001;
constexpr double kEndstopSampleTime = .000015;
constexpr int kEndstopSampleCount = 4;

// Pulse widths of the BLTouch's commands (seconds).
const std::map<std::string, double>& commands() {
  static const std::map<std::string, double> cmds = {
      {"pin_down", 0.000650},           {"touch_mode", 0.001165},
      {"pin_up", 0.001475},             {"self_test", 0.001780},
      {"reset", 0.002190},              {"set_5V_output_mode", 0.001988},
      {"set_OD_output_mode", 0.002091}, {"output_mode_store", 0.001884},
  };
  return cmds;
}

class BLTouchEndstop : public ProbeEndstopWrapper {
 public:
  explicit BLTouchEndstop(const ConfigWrapper& config) : printer_(config.get_printer()) {
    position_endstop_ = config.getfloat("z_offset", {.minval = 0.});
    stow_on_each_sample_ = config.getboolean("stow_on_each_sample", true);
    probe_touch_mode_ = config.getboolean("probe_with_touch_mode", false);
    auto& ppins = printer_.lookup<PrinterPins>("pins");
    pwm_ = ppins.setup_pwm(config.get("control_pin"));
    pwm_->setup_max_duration(0.);
    pwm_->setup_cycle_time(kSignalPeriod);
    mcu_endstop_ = ppins.setup_endstop(config.get("sensor_pin"));
    auto mode = config.get("set_output_mode", "");
    if (!mode.empty()) output_mode_ = config.getchoice("set_output_mode", {"5V", "OD"});
    pin_up_not_triggered_ = config.getboolean("pin_up_reports_not_triggered", true);
    pin_up_touch_triggered_ = config.getboolean("pin_up_touch_mode_reports_triggered", true);
    pin_move_time_ = config.getfloat("pin_move_time", 0.680, {.above = 0.});
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    gcode.register_command("BLTOUCH_DEBUG", [this](GCodeCommand& g) { cmd_debug(g); }, false,
                           "Send a command to the bltouch for debugging");
    gcode.register_command("BLTOUCH_STORE", [this](GCodeCommand& g) { cmd_store(g); }, false,
                           "Store an output mode in the BLTouch EEPROM");
    printer_.register_event_handler<>("klippy:connect", [this] { handle_connect(); });
  }

  // ---- McuEndstop ----
  Mcu& get_mcu() override { return mcu_endstop_->get_mcu(); }
  void add_stepper(McuStepper& s) override { mcu_endstop_->add_stepper(s); }
  std::vector<McuStepper*> get_steppers() override { return mcu_endstop_->get_steppers(); }
  std::shared_ptr<Completion<bool>> home_start(double print_time, double sample_time,
                                               int sample_count, double rest_time,
                                               bool triggered) override {
    rest_time = std::min(rest_time, kEndstopRestTime);
    auto done = mcu_endstop_->home_start(print_time, sample_time, sample_count, rest_time,
                                         triggered);
    // Raise the pin as soon as the probe triggers, while the homing code still waits.
    Reactor& reactor = printer_.get_reactor();
    raise_complete_ = std::make_shared<Completion<bool>>(reactor);
    reactor.register_callback([this, done, raised = raise_complete_](double) {
      done->wait();
      try {
        if (multi_ == Multi::kOff) raise_probe();
      } catch (...) {
        raised->complete(false);
        throw;
      }
      raised->complete(true);
    });
    return done;
  }
  double home_wait(double home_end_time) override { return mcu_endstop_->home_wait(home_end_time); }
  int query_endstop(double print_time) override { return mcu_endstop_->query_endstop(print_time); }
  double get_position_endstop() override { return position_endstop_; }

  // ---- ProbeEndstopWrapper ----
  void multi_probe_begin() override {
    if (!stow_on_each_sample_) multi_ = Multi::kFirst;
  }
  void multi_probe_end() override {
    if (stow_on_each_sample_) return;
    sync_print_time();
    raise_probe();
    verify_raise_probe();
    sync_print_time();
    multi_ = Multi::kOff;
  }
  void probe_prepare(HomingMove*) override {
    if (multi_ == Multi::kOff || multi_ == Multi::kFirst) {
      lower_probe();
      if (multi_ == Multi::kFirst) multi_ = Multi::kOn;
    }
    sync_print_time();
  }
  void probe_finish(HomingMove* hmove) override {
    if (raise_complete_) raise_complete_->wait();
    raise_complete_.reset();
    if (multi_ == Multi::kOff) verify_raise_probe();
    sync_print_time();
    if (hmove && hmove->check_no_movement()) throw CommandError("BLTouch failed to deploy");
  }

 private:
  enum class Multi { kOff, kFirst, kOn };

  ToolHead& toolhead() { return printer_.lookup<ToolHead>("toolhead"); }

  void handle_connect() {
    sync_mcu_print_time();
    next_cmd_time_ += 0.200;
    set_output_mode(output_mode_);
    try {
      raise_probe();
      verify_raise_probe();
    } catch (const CommandError& e) {
      log::warning("BLTouch raise probe error: {}", e.what());
    }
  }
  // Commands go no earlier than the MCU's clock allows.
  void sync_mcu_print_time() {
    Mcu& mcu = pwm_->get_mcu();
    double est = mcu.estimated_print_time(printer_.get_reactor().monotonic());
    next_cmd_time_ = std::max(next_cmd_time_, est + kMinCmdTime);
  }
  // Command time and toolhead time meet: the toolhead waits for the commands sent, or the
  // next command waits for the queued moves.
  void sync_print_time() {
    ToolHead& th = toolhead();
    double print_time = th.get_last_move_time();
    if (next_cmd_time_ > print_time)
      th.dwell(next_cmd_time_ - print_time);
    else
      next_cmd_time_ = print_time;
  }
  void send_cmd(const std::string& cmd, double duration = kMinCmdTime) {
    Mcu& mcu = pwm_->get_mcu();
    // In MCU ticks, so a secondary MCU's clock drift does not shorten the pulse train.
    uint64_t cmd_clock = mcu.print_time_to_clock(next_cmd_time_);
    double pulse =
        static_cast<int>((duration - kMinCmdTime) / kSignalPeriod) * kSignalPeriod;
    cmd_clock += static_cast<uint64_t>(mcu.seconds_to_clock(std::max(kMinCmdTime, pulse)));
    double end_time = mcu.clock_to_print_time(static_cast<double>(cmd_clock));
    pwm_->set_pwm(next_cmd_time_, commands().at(cmd) / kSignalPeriod);
    pwm_->set_pwm(end_time, 0.);
    action_end_time_ = next_cmd_time_ + duration;
    next_cmd_time_ = std::max(action_end_time_, end_time + kMinCmdTime);
  }
  // Whether the sensor reads `triggered` right after the last command.
  bool verify_state(bool triggered) {
    mcu_endstop_->home_start(action_end_time_, kEndstopSampleTime, kEndstopSampleCount,
                             kEndstopRestTime, triggered);
    double trigger_time;
    try {
      trigger_time = mcu_endstop_->home_wait(action_end_time_ + 0.100);
    } catch (const CommandError&) {
      return false;
    }
    return trigger_time > 0.;
  }
  void raise_probe() {
    sync_mcu_print_time();
    if (!pin_up_not_triggered_) send_cmd("reset");
    send_cmd("pin_up", pin_move_time_);
  }
  void verify_raise_probe() {
    if (!pin_up_not_triggered_) return;  // no way to tell
    for (int retry = 0; retry < 3; retry++) {
      if (verify_state(false)) return;
      if (retry >= 2) throw CommandError("BLTouch failed to raise probe");
      printer_.lookup<GCodeDispatch>("gcode").respond_info(
          "Failed to verify BLTouch probe is raised; retrying.");
      sync_mcu_print_time();
      send_cmd("reset", kRetryResetTime);
      send_cmd("pin_up", pin_move_time_);
    }
  }
  void lower_probe() {
    test_sensor();
    sync_print_time();
    send_cmd("pin_down", pin_move_time_);
    if (probe_touch_mode_) send_cmd("touch_mode");
  }
  // In touch mode a raised pin reads triggered: a check of the wiring, repeated every
  // kTestTime of print time.
  void test_sensor() {
    if (!pin_up_touch_triggered_) return;
    double print_time = toolhead().get_last_move_time();
    if (print_time < next_test_time_) {
      next_test_time_ = print_time + kTestTime;
      return;
    }
    sync_print_time();
    for (int retry = 0; retry < 3; retry++) {
      send_cmd("pin_up", pin_move_time_);
      send_cmd("touch_mode");
      bool ok = verify_state(true);
      sync_print_time();
      if (ok) {
        next_test_time_ = print_time + kTestTime;
        return;
      }
      const char* msg = "BLTouch failed to verify sensor state";
      if (retry >= 2) throw CommandError(msg);
      printer_.lookup<GCodeDispatch>("gcode").respond_info(std::string(msg) + "; retrying.");
      send_cmd("reset", kRetryResetTime);
    }
  }
  void set_output_mode(const std::string& mode) {
    if (mode.empty()) return;
    log::info("BLTouch set output mode: {}", mode);
    sync_mcu_print_time();
    send_cmd(mode == "5V" ? "set_5V_output_mode" : "set_OD_output_mode");
  }
  // The sequence that stores the mode in a V3.1's EEPROM (a V3.0 only sets it; older ones
  // just lower and raise the pin).
  void store_output_mode(const std::string& mode) {
    log::info("BLTouch store output mode: {}", mode);
    sync_print_time();
    const char* set = mode == "5V" ? "set_5V_output_mode" : "set_OD_output_mode";
    send_cmd("pin_down");
    send_cmd(set);
    send_cmd("output_mode_store");
    send_cmd(set);
    send_cmd("pin_up");
  }
  void cmd_debug(GCodeCommand& gcmd) {
    auto cmd = gcmd.get_opt("COMMAND");
    if (!cmd || !commands().count(*cmd)) {
      std::string names;
      for (auto& [name, width] : commands()) names += (names.empty() ? "" : ", ") + name;
      gcmd.respond_info("BLTouch commands: " + names);
      return;
    }
    gcmd.respond_info(fmt::format("Sending BLTOUCH_DEBUG COMMAND={}", *cmd));
    sync_print_time();
    send_cmd(*cmd, pin_move_time_);
    sync_print_time();
  }
  void cmd_store(GCodeCommand& gcmd) {
    auto mode = gcmd.get_opt("MODE");
    if (!mode || (*mode != "5V" && *mode != "OD")) {
      gcmd.respond_info("BLTouch output modes: 5V, OD");
      return;
    }
    gcmd.respond_info(fmt::format("Storing BLTouch output mode: {}", *mode));
    sync_print_time();
    store_output_mode(*mode);
    sync_print_time();
  }

  Printer& printer_;
  double position_endstop_;
  bool stow_on_each_sample_, probe_touch_mode_;
  std::shared_ptr<McuPwm> pwm_;
  std::shared_ptr<McuEndstop> mcu_endstop_;
  std::string output_mode_;
  bool pin_up_not_triggered_, pin_up_touch_triggered_;
  double pin_move_time_;
  double next_cmd_time_ = 0., action_end_time_ = 0., next_test_time_ = 0.;
  Multi multi_ = Multi::kOff;
  std::shared_ptr<Completion<bool>> raise_complete_;
};

// [bltouch] is the "probe" object too, as in Klipper.
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  auto endstop = std::make_shared<BLTouchEndstop>(config);
  auto probe = std::make_shared<PrinterProbe>(config, endstop);
  config.get_printer().add_object("probe", probe);
  return probe;
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(bltouch, kpp::load, nullptr)
