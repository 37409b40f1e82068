// Shared TMC driver logic: commands, init and enable handling, error checks, sensorless homing.
#include "modules/tmc.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/errors.h"
#include "core/logging.h"
#include "core/toolhead_base.h"
#include "mcu/pins.h"
#include "modules/force_move.h"
#include "modules/heaters_api.h"
#include "modules/homing.h"
#include "modules/stepper_enable.h"
#include "motion/stepper.h"

namespace kpp {

namespace {

// "tmc2130 stepper_x" -> "stepper_x" (everything after the chip name).
std::string stepper_name_of(const ConfigWrapper& config) {
  const std::string& section = config.get_name();
  auto sp = section.find(' ');
  return sp == std::string::npos ? std::string() : section.substr(sp + 1);
}

// Python's a % b for a positive modulus.
int64_t pymod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

}  // namespace

// ---- config helpers ------------------------------------------------------------------------

uint32_t tmc_tstep(const TmcFieldHelper& fields, double tmc_frequency, double step_dist,
                   double velocity) {
  if (velocity <= 0.) return 0xfffff;
  int64_t mres = fields.get_field("mres");
  double step_dist_256 = step_dist / static_cast<double>(int64_t(1) << mres);
  auto threshold = static_cast<int64_t>(tmc_frequency * step_dist_256 / velocity + .5);
  return static_cast<uint32_t>(std::max<int64_t>(0, std::min<int64_t>(0xfffff, threshold)));
}

double tmc_config_step_dist(const ConfigWrapper& config) {
  ConfigWrapper sconfig = config.getsection(stepper_name_of(config));
  auto [rotation_dist, steps_per_rotation] = parse_step_distance(sconfig);
  return rotation_dist / steps_per_rotation;
}

void tmc_microstep_config(const ConfigWrapper& config, TmcFieldHelper& fields) {
  std::string stepper_name = stepper_name_of(config);
  if (!config.has_section(stepper_name))
    throw ConfigError(
        fmt::format("Could not find config section '[{}]' required by tmc driver", stepper_name));
  ConfigWrapper sconfig = config.getsection(stepper_name);
  static const std::map<int64_t, int> kSteps{{256, 0}, {128, 1}, {64, 2}, {32, 3}, {16, 4},
                                             {8, 5},   {4, 6},   {2, 7},  {1, 8}};
  int64_t microsteps = sconfig.getint("microsteps");
  auto it = kSteps.find(microsteps);
  if (it == kSteps.end())
    throw ConfigError(
        fmt::format("Choice '{}' for option '{}' in section '{}' is not a valid choice", microsteps,
                    "microsteps", stepper_name));
  fields.set_field("mres", it->second);
  fields.set_field("intpol", config.getboolean("interpolate", true));
}

void tmc_wave_table_config(const ConfigWrapper& config, TmcFieldHelper& fields) {
  // The chip's power-on sine table.
  static const std::pair<const char*, int64_t> kDefaults[] = {{"mslut0", 0xAAAAB554},
                                                              {"mslut1", 0x4A9554AA},
                                                              {"mslut2", 0x24492929},
                                                              {"mslut3", 0x10104222},
                                                              {"mslut4", 0xFBFFFFFF},
                                                              {"mslut5", 0xB5BB777D},
                                                              {"mslut6", 0x49295556},
                                                              {"mslut7", 0x00404222},
                                                              {"w0", 2},
                                                              {"w1", 1},
                                                              {"w2", 1},
                                                              {"w3", 1},
                                                              {"x1", 128},
                                                              {"x2", 255},
                                                              {"x3", 255},
                                                              {"start_sin", 0},
                                                              {"start_sin90", 247}};
  for (const auto& [field, def] : kDefaults) fields.set_config_field(config, field, def);
}

void tmc_stealthchop_config(const ConfigWrapper& config, TmcTransport& tmc) {
  TmcFieldHelper& fields = tmc.get_fields();
  auto velocity = config.getfloat_opt("stealthchop_threshold", {.minval = 0.});
  bool en_pwm_mode = false;
  uint32_t tpwmthrs = 0xfffff;
  if (velocity) {
    en_pwm_mode = true;
    tpwmthrs = tmc_tstep(fields, *tmc.get_tmc_frequency(), tmc_config_step_dist(config), *velocity);
  }
  fields.set_field("tpwmthrs", tpwmthrs);
  if (fields.lookup_register("en_pwm_mode"))
    fields.set_field("en_pwm_mode", en_pwm_mode);
  else  // TMC2208/TMC2209: the bit selects spreadCycle instead
    fields.set_field("en_spreadcycle", !en_pwm_mode);
}

void tmc_coolstep_threshold_config(const ConfigWrapper& config, TmcTransport& tmc) {
  TmcFieldHelper& fields = tmc.get_fields();
  auto velocity = config.getfloat_opt("coolstep_threshold", {.minval = 0.});
  uint32_t tcoolthrs = 0;
  if (velocity)
    tcoolthrs =
        tmc_tstep(fields, *tmc.get_tmc_frequency(), tmc_config_step_dist(config), *velocity);
  fields.set_field("tcoolthrs", tcoolthrs);
}

void tmc_high_velocity_config(const ConfigWrapper& config, TmcTransport& tmc) {
  TmcFieldHelper& fields = tmc.get_fields();
  auto velocity = config.getfloat_opt("high_velocity_threshold", {.minval = 0.});
  uint32_t thigh = 0;
  if (velocity)
    thigh = tmc_tstep(fields, *tmc.get_tmc_frequency(), tmc_config_step_dist(config), *velocity);
  fields.set_field("thigh", thigh);
}

// ---- error checks --------------------------------------------------------------------------

TmcErrorCheck::TmcErrorCheck(const ConfigWrapper& config, TmcTransport& tmc)
    : printer_(config.get_printer()),
      stepper_name_(stepper_name_of(config)),
      tmc_(tmc),
      fields_(tmc.get_fields()) {
  const std::string& chip = fields_.chip().name;
  if (auto reg = fields_.lookup_register("drv_err")) {
    gstat_ = RegInfo{0, *reg, 0xffffffff, 0xffffffff, 0};
  }
  std::string reg_name = "DRV_STATUS";
  uint32_t cs_actual_mask = 0;
  if (chip == "tmc2130") {
    // The TMC2130 has no GSTAT reset flag that clears on read; a zero current scale in
    // DRV_STATUS shows the driver was reset instead.
    clear_gstat_ = false;
    cs_actual_mask = fields_.mask_of("cs_actual");
  } else if (chip == "tmc2660") {
    irun_field_ = "cs";
    reg_name = "READRSP@RDSEL2";
  }
  const TmcRegister* reg = fields_.chip().find_register(reg_name);
  if (chip == "tmc2660")
    for (const auto& field : reg->fields)
      if (field.name == "se") cs_actual_mask = field.mask;
  uint32_t mask = 0, err_mask = 0;
  for (const char* f :
       {"ot", "s2ga", "s2gb", "s2vsa", "s2vsb", "otpw", "t120", "t143", "t150", "t157"}) {
    for (const auto& field : reg->fields) {
      if (field.name != f) continue;
      mask |= field.mask;
      std::string_view fv(f);
      if (fv == "ot" || fv == "s2ga" || fv == "s2gb" || fv == "s2vsa" || fv == "s2vsb")
        err_mask |= field.mask;
    }
  }
  drv_status_ = RegInfo{0, reg_name, mask, err_mask, cs_actual_mask};
  adc_temp_reg_ = fields_.lookup_register("adc_temp");
  // Drivers with a temperature sensor (TMC2240) are listed among the heaters' monitors.
  if (adc_temp_reg_) printer_.load<PrinterHeaters>(config, "heaters").register_monitor(config);
}

uint32_t TmcErrorCheck::query_register(RegInfo& info, bool try_clear) {
  uint32_t cleared_flags = 0;
  int count = 0;
  while (true) {
    uint32_t val;
    try {
      val = tmc_.get_register(info.reg_name);
    } catch (const CommandError& e) {
      count++;
      if (count < 3 && std::string_view(e.what()).starts_with("Unable to read tmc uart")) {
        // UART reads fail now and then; retry a little later.
        Reactor& reactor = printer_.get_reactor();
        reactor.pause(reactor.monotonic() + 0.050);
        continue;
      }
      throw;
    }
    if ((val & info.mask) != (info.last_value & info.mask))
      log::info("TMC '{}' reports {}", stepper_name_, fields_.pretty_format(info.reg_name, val));
    info.last_value = val;
    if (!(val & info.err_mask)) {
      if (!info.cs_actual_mask || (val & info.cs_actual_mask)) break;
      int64_t irun = fields_.get_field(irun_field_);
      if (!check_timer_ || irun < 4) break;
      if (irun_field_ == "irun" && !fields_.get_field("ihold")) break;
      // A zero current scale with a non-zero setting: the driver was reset.
    }
    count++;
    if (count >= 3)
      throw CommandError(fmt::format("TMC '{}' reports error: {}", stepper_name_,
                                     fields_.pretty_format(info.reg_name, val)));
    if (try_clear && (val & info.err_mask)) {
      try_clear = false;
      cleared_flags |= val & info.err_mask;
      tmc_.set_register(info.reg_name, val & info.err_mask);
    }
  }
  return cleared_flags;
}

double TmcErrorCheck::do_periodic_check(double eventtime) {
  try {
    query_register(drv_status_);
    if (gstat_) query_register(*gstat_);
    if (adc_temp_reg_) {
      try {
        adc_temp_ = tmc_.get_register(*adc_temp_reg_);
      } catch (const CommandError&) {
        adc_temp_.reset();  // a missed temperature reading is not an error
      }
    }
  } catch (const CommandError& e) {
    printer_.invoke_shutdown(e.what());
    check_timer_ = nullptr;
    return Reactor::kNever;
  }
  return eventtime + 1.;
}

void TmcErrorCheck::stop_checks() {
  if (!check_timer_) return;
  printer_.get_reactor().unregister_timer(check_timer_);
  check_timer_ = nullptr;
}

bool TmcErrorCheck::start_checks() {
  if (check_timer_) stop_checks();
  uint32_t cleared_flags = 0;
  query_register(drv_status_);
  if (gstat_) cleared_flags = query_register(*gstat_, clear_gstat_);
  Reactor& reactor = printer_.get_reactor();
  check_timer_ = reactor.register_timer([this](double t) { return do_periodic_check(t); },
                                        reactor.monotonic() + 1.);
  if (cleared_flags && (cleared_flags & fields_.mask_of("reset"))) return true;
  return false;
}

Json TmcErrorCheck::get_status() {
  Json res = Json::object();
  if (!check_timer_) {
    res["drv_status"] = nullptr;
    res["temperature"] = nullptr;
    return res;
  }
  Json temp = nullptr;
  if (adc_temp_) temp = std::round((static_cast<double>(*adc_temp_) - 2038.) / 7.7 * 100.) / 100.;
  if (!last_drv_status_ || *last_drv_status_ != drv_status_.last_value) {
    last_drv_status_ = drv_status_.last_value;
    last_drv_fields_ = Json::object();
    for (const auto& [name, v] :
         fields_.get_reg_fields(drv_status_.reg_name, drv_status_.last_value))
      if (v) last_drv_fields_[name] = v;
  }
  res["drv_status"] = last_drv_fields_;
  res["temperature"] = temp;
  return res;
}

// ---- command helper ------------------------------------------------------------------------

TmcCommandHelper::TmcCommandHelper(const ConfigWrapper& config, TmcTransport& tmc,
                                   TmcCurrentHelper& current)
    : printer_(config.get_printer()),
      stepper_name_(stepper_name_of(config)),
      name_(config.get_name().substr(config.get_name().rfind(' ') + 1)),
      tmc_(tmc),
      current_(current),
      echeck_(config, tmc),
      fields_(tmc.get_fields()) {
  stepper_enable_ = &printer_.load<PrinterStepperEnable>(config, "stepper_enable");
  printer_.register_event_handler<MotionStepper*>(
      "stepper:sync_mcu_position", [this](MotionStepper* s) { handle_sync_mcu_pos(s); });
  printer_.register_event_handler<MotionStepper*>(
      "stepper:set_sdir_inverted", [this](MotionStepper* s) { handle_sync_mcu_pos(s); });
  printer_.register_event_handler("klippy:mcu_identify",
                                  std::function<void()>([this] { handle_mcu_identify(); }));
  printer_.register_event_handler("klippy:connect",
                                  std::function<void()>([this] { handle_connect(); }));
  tmc_microstep_config(config, fields_);
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_mux_command(
      "SET_TMC_FIELD", "STEPPER", name_, [this](GCodeCommand& g) { cmd_SET_TMC_FIELD(g); },
      "Set a register field of a TMC driver");
  gcode.register_mux_command(
      "INIT_TMC", "STEPPER", name_, [this](GCodeCommand& g) { cmd_INIT_TMC(g); },
      "Initialize TMC stepper driver registers");
  gcode.register_mux_command(
      "SET_TMC_CURRENT", "STEPPER", name_, [this](GCodeCommand& g) { cmd_SET_TMC_CURRENT(g); },
      "Set the current of a TMC driver");
}

void TmcCommandHelper::init_registers(std::optional<double> print_time) {
  // Index loop: a write may not add registers, but values may change while sending.
  for (size_t i = 0; i < fields_.registers().size(); i++) {
    auto [reg_name, val] = fields_.registers()[i];
    tmc_.set_register(reg_name, val, print_time);
  }
}

double TmcCommandHelper::last_move_time() {
  return printer_.lookup<ToolHeadBase>("toolhead").get_last_move_time();
}

void TmcCommandHelper::cmd_INIT_TMC(GCodeCommand& /*gcmd*/) {
  log::info("INIT_TMC {}", name_);
  init_registers(last_move_time());
}

void TmcCommandHelper::cmd_SET_TMC_FIELD(GCodeCommand& gcmd) {
  std::string field = gcmd.get("FIELD");
  std::transform(field.begin(), field.end(), field.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto reg_name = fields_.lookup_register(field);
  if (!reg_name) throw gcmd.error(fmt::format("Unknown field name '{}'", field));
  auto value = gcmd.get_int_opt("VALUE");
  auto velocity = gcmd.get_float_opt("VELOCITY", {.minval = 0.});
  if (value.has_value() == velocity.has_value())
    throw gcmd.error("Specify either VALUE or VELOCITY");
  if (velocity) {
    auto freq = tmc_.get_tmc_frequency();
    if (!freq) throw gcmd.error("VELOCITY parameter not supported by this driver");
    value = tmc_tstep(fields_, *freq, stepper_->get_step_dist(), *velocity);
  }
  uint32_t reg_val = fields_.set_field(field, *value);
  tmc_.set_register(*reg_name, reg_val, last_move_time());
}

void TmcCommandHelper::cmd_SET_TMC_CURRENT(GCodeCommand& gcmd) {
  TmcCurrentInfo cur = current_.get_current();
  auto run_current = gcmd.get_float_opt("CURRENT", {.minval = 0., .maxval = cur.max_current});
  auto hold_current = gcmd.get_float_opt("HOLDCURRENT", {.maxval = cur.max_current, .above = 0.});
  if (run_current || hold_current) {
    double run = run_current ? *run_current : cur.run_current;
    double hold = hold_current ? *hold_current : cur.req_hold_current.value_or(run);
    current_.set_current(run, hold, last_move_time());
    cur = current_.get_current();
  }
  if (!cur.hold_current)
    gcmd.respond_info(fmt::format("Run Current: {:.2f}A", cur.run_current));
  else
    gcmd.respond_info(fmt::format("Run Current: {:.2f}A Hold Current: {:.2f}A", cur.run_current,
                                  *cur.hold_current));
}

int TmcCommandHelper::get_phases() const {
  return (256 >> fields_.get_field("mres")) * 4;
}

std::pair<std::optional<int64_t>, int> TmcCommandHelper::get_phase_offset() const {
  return {mcu_phase_offset_, get_phases()};
}

uint32_t TmcCommandHelper::query_phase() {
  // The TMC2660 reports its microstep counter as "mstep".
  std::string field = fields_.lookup_register("mscnt") ? "mscnt" : "mstep";
  uint32_t reg = tmc_.get_register(*fields_.lookup_register(field));
  return static_cast<uint32_t>(fields_.get_field(field, reg));
}

void TmcCommandHelper::handle_sync_mcu_pos(MotionStepper* stepper) {
  if (stepper->get_name() != stepper_name_) return;
  int64_t driver_phase;
  try {
    driver_phase = query_phase();
  } catch (const CommandError&) {
    log::info("Unable to obtain tmc {} phase", stepper_name_);
    mcu_phase_offset_.reset();
    if (stepper_enable_->lookup_enable(stepper_name_).is_motor_enabled()) throw;
    return;
  }
  if (!stepper->get_dir_inverted().first) driver_phase = 1023 - driver_phase;
  int phases = get_phases();
  int64_t phase =
      static_cast<int64_t>(static_cast<double>(driver_phase) / 1024. * phases + .5) % phases;
  int64_t mcu_pos = stepper->get_mcu_position();
  int64_t moff = pymod(phase - mcu_pos, phases);
  if (mcu_phase_offset_ && *mcu_phase_offset_ != moff)
    log::warning("Stepper {} phase change (was {} now {})", stepper_name_, *mcu_phase_offset_,
                 moff);
  mcu_phase_offset_ = moff;
}

void TmcCommandHelper::do_enable(double /*print_time*/) {
  try {
    if (toff_) fields_.set_field("toff", *toff_);  // virtual enable: toff turns the motor on
    init_registers();
    if (echeck_.start_checks()) mcu_phase_offset_.reset();
    if (mcu_phase_offset_) return;
    auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
    ReactorLock lock(gcode.get_mutex());
    if (mcu_phase_offset_) return;
    log::info("Pausing toolhead to calculate {} phase offset", stepper_name_);
    printer_.lookup<ToolHeadBase>("toolhead").wait_moves();
    handle_sync_mcu_pos(stepper_);
  } catch (const CommandError& e) {
    printer_.invoke_shutdown(e.what());
  }
}

void TmcCommandHelper::do_disable(double print_time) {
  try {
    if (toff_) {
      uint32_t val = fields_.set_field("toff", 0);
      tmc_.set_register(*fields_.lookup_register("toff"), val, print_time);
    }
    echeck_.stop_checks();
  } catch (const CommandError& e) {
    printer_.invoke_shutdown(e.what());
  }
}

void TmcCommandHelper::handle_mcu_identify() {
  stepper_ = &printer_.lookup<ForceMove>("force_move").lookup_stepper(stepper_name_);
  // TMC drivers take 100ns step pulses and can step on both edges.
  stepper_->setup_default_pulse_duration(.000000100, true);
}

void TmcCommandHelper::handle_stepper_enable(double print_time, bool is_enable) {
  // Talking to the driver may wait on the MCU: do it outside the motion code's callback.
  printer_.get_reactor().register_callback([this, print_time, is_enable](double) {
    if (is_enable)
      do_enable(print_time);
    else
      do_disable(print_time);
  });
}

void TmcCommandHelper::handle_connect() {
  if (stepper_->get_pulse_duration().second) fields_.set_field("dedge", 1);
  EnableTracking& enable_line = stepper_enable_->lookup_enable(stepper_name_);
  enable_line.register_state_callback(
      [this](double print_time, bool is_enable) { handle_stepper_enable(print_time, is_enable); });
  if (!enable_line.has_dedicated_enable()) {
    // No enable pin of its own: the driver is "disabled" by toff=0 until the stepper moves.
    toff_ = fields_.get_field("toff");
    fields_.set_field("toff", 0);
    log::info("Enabling TMC virtual enable for '{}'", stepper_name_);
  }
  try {
    init_registers();
  } catch (const CommandError& e) {
    log::info("TMC {} failed to init: {}", name_, e.what());
  }
}

Json TmcCommandHelper::get_status(double /*eventtime*/) {
  Json res = Json::object();
  Json cpos = nullptr;
  if (stepper_ && mcu_phase_offset_) cpos = stepper_->mcu_to_commanded_position(*mcu_phase_offset_);
  TmcCurrentInfo cur = current_.get_current();
  res["mcu_phase_offset"] = mcu_phase_offset_ ? Json(*mcu_phase_offset_) : Json(nullptr);
  res["phase_offset_position"] = cpos;
  res["run_current"] = cur.run_current;
  res["hold_current"] = cur.hold_current ? Json(*cur.hold_current) : Json(nullptr);
  Json echeck = echeck_.get_status();
  res["drv_status"] = echeck["drv_status"];
  res["temperature"] = echeck["temperature"];
  return res;
}

void TmcCommandHelper::setup_register_dump(std::vector<std::string> read_registers,
                                           ReadTranslate translate) {
  read_registers_ = std::move(read_registers);
  read_translate_ = std::move(translate);
  printer_.lookup<GCodeDispatch>("gcode").register_mux_command(
      "DUMP_TMC", "STEPPER", name_, [this](GCodeCommand& g) { cmd_DUMP_TMC(g); },
      "Read and display TMC stepper driver registers");
}

void TmcCommandHelper::cmd_DUMP_TMC(GCodeCommand& gcmd) {
  log::info("DUMP_TMC {}", name_);
  auto is_read = [&](const std::string& r) {
    return std::find(read_registers_.begin(), read_registers_.end(), r) != read_registers_.end();
  };
  auto dump_read = [&](std::string reg_name) {
    uint32_t val = tmc_.get_register(reg_name);
    if (read_translate_) std::tie(reg_name, val) = read_translate_(reg_name, val);
    gcmd.respond_info(fields_.pretty_format(reg_name, val));
  };
  if (auto reg_opt = gcmd.get_opt("REGISTER")) {
    std::string reg_name = *reg_opt;
    std::transform(reg_name.begin(), reg_name.end(), reg_name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    auto val = fields_.get_register_value(reg_name);
    if (val && !is_read(reg_name))
      gcmd.respond_info(fields_.pretty_format(reg_name, *val));  // write-only register
    else if (is_read(reg_name))
      dump_read(reg_name);
    else
      throw gcmd.error(fmt::format("Unknown register name '{}'", reg_name));
    return;
  }
  gcmd.respond_info("========== Write-only registers ==========");
  for (const auto& [reg_name, val] : fields_.registers())
    if (!is_read(reg_name)) gcmd.respond_info(fields_.pretty_format(reg_name, val));
  gcmd.respond_info("========== Queried registers ==========");
  for (const auto& reg_name : read_registers_) dump_read(reg_name);
}

// ---- sensorless homing ---------------------------------------------------------------------

TmcVirtualPinHelper::TmcVirtualPinHelper(const ConfigWrapper& config, TmcTransport& tmc)
    : printer_(config.get_printer()), tmc_(tmc), fields_(tmc.get_fields()) {
  if (fields_.lookup_register("diag0_stall")) {
    if (auto pin = config.get_opt("diag0_pin")) {
      diag_pin_ = pin;
      diag_pin_field_ = "diag0_stall";
    } else {
      diag_pin_ = config.get_opt("diag1_pin");
      diag_pin_field_ = "diag1_stall";
    }
  } else {
    diag_pin_ = config.get_opt("diag_pin");
  }
  const std::string& section = config.get_name();
  std::string chip_name =
      section.substr(0, section.find(' ')) + "_" + section.substr(section.rfind(' ') + 1);
  printer_.lookup<PrinterPins>("pins").register_chip(chip_name, *this);
}

std::shared_ptr<McuEndstop> TmcVirtualPinHelper::setup_endstop(const PinParams& p) {
  if (p.pin != "virtual_endstop") throw PinError("tmc virtual endstop only useful as endstop");
  if (p.invert || p.pullup) throw PinError("Can not pullup/invert tmc virtual pin");
  if (!diag_pin_) throw PinError("tmc virtual endstop requires diag pin config");
  printer_.register_event_handler<HomingMove*>(
      "homing:homing_move_begin", [this](HomingMove* h) { handle_homing_move_begin(h); });
  printer_.register_event_handler<HomingMove*>(
      "homing:homing_move_end", [this](HomingMove* h) { handle_homing_move_end(h); });
  mcu_endstop_ = printer_.lookup<PrinterPins>("pins").setup_endstop(*diag_pin_);
  return mcu_endstop_;
}

std::shared_ptr<McuDigitalOut> TmcVirtualPinHelper::setup_digital_out(const PinParams&) {
  throw PinError("tmc virtual endstop only useful as endstop");
}
std::shared_ptr<McuPwm> TmcVirtualPinHelper::setup_pwm(const PinParams&) {
  throw PinError("tmc virtual endstop only useful as endstop");
}
std::shared_ptr<McuAdc> TmcVirtualPinHelper::setup_adc(const PinParams&) {
  throw PinError("tmc virtual endstop only useful as endstop");
}

bool TmcVirtualPinHelper::uses_our_endstop(HomingMove* hmove) const {
  auto endstops = hmove->get_mcu_endstops();
  return std::find(endstops.begin(), endstops.end(), mcu_endstop_) != endstops.end();
}

void TmcVirtualPinHelper::handle_homing_move_begin(HomingMove* hmove) {
  if (!uses_our_endstop(hmove)) return;
  pwmthrs_ = fields_.get_field("tpwmthrs");
  uint32_t val;
  if (!fields_.lookup_register("en_pwm_mode")) {
    // StallGuard4 drivers (TMC2209) detect stalls only in stealthChop.
    en_pwm_ = !fields_.get_field("en_spreadcycle");
    tmc_.set_register("TPWMTHRS", fields_.set_field("tpwmthrs", 0));
    val = fields_.set_field("en_spreadcycle", 0);
  } else {
    // StallGuard2 drivers detect stalls only in spreadCycle.
    en_pwm_ = fields_.get_field("en_pwm_mode") != 0;
    fields_.set_field("en_pwm_mode", 0);
    val = fields_.set_field(*diag_pin_field_, 1);
  }
  tmc_.set_register("GCONF", val);
  coolthrs_ = fields_.get_field("tcoolthrs");
  if (coolthrs_ == 0) tmc_.set_register("TCOOLTHRS", fields_.set_field("tcoolthrs", 0xfffff));
  if (auto reg = fields_.lookup_register("thigh")) {
    thigh_ = fields_.get_field("thigh");
    tmc_.set_register(*reg, fields_.set_field("thigh", 0));
  }
}

void TmcVirtualPinHelper::handle_homing_move_end(HomingMove* hmove) {
  if (!uses_our_endstop(hmove)) return;
  uint32_t val;
  if (!fields_.lookup_register("en_pwm_mode")) {
    tmc_.set_register("TPWMTHRS", fields_.set_field("tpwmthrs", pwmthrs_));
    val = fields_.set_field("en_spreadcycle", !en_pwm_);
  } else {
    fields_.set_field("en_pwm_mode", en_pwm_);
    val = fields_.set_field(*diag_pin_field_, 0);
  }
  tmc_.set_register("GCONF", val);
  tmc_.set_register("TCOOLTHRS", fields_.set_field("tcoolthrs", coolthrs_));
  if (auto reg = fields_.lookup_register("thigh"))
    tmc_.set_register(*reg, fields_.set_field("thigh", thigh_));
}

}  // namespace kpp
