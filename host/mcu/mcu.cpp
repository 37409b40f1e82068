// The host's MCU object: config phase, command lookup, batch-mode connection and shutdown.
#include "mcu/mcu.h"

#include <zlib.h>

#include <cmath>

#include "core/logging.h"
#include "mcu/canbus_ids.h"
#include "mcu/compat.h"
#include "mcu/pins.h"

namespace kpp {

namespace {

// Extra help appended to an MCU shutdown message (texts users know from Klipper).
struct ErrorHelp {
  std::vector<const char*> prefixes;
  const char* help;
};

const std::vector<ErrorHelp>& common_mcu_errors() {
  static const std::vector<ErrorHelp> table = {
      {{"Timer too close"},
       "\nThis often indicates the host computer is overloaded. Check\n"
       "for other processes consuming excessive CPU time, high swap\n"
       "usage, disk errors, overheating, unstable voltage, or\n"
       "similar system problems on the host computer."},
      {{"Missed scheduling of next "},
       "\nThis is generally indicative of an intermittent\n"
       "communication failure between micro-controller and host."},
      {{"ADC out of range"},
       "\nThis generally occurs when a heater temperature exceeds\n"
       "its configured min_temp or max_temp."},
      {{"Rescheduled timer in the past", "Stepper too far in past"},
       "\nThis generally occurs when the micro-controller has been\n"
       "requested to step at a rate higher than it is capable of\n"
       "obtaining."},
      {{"Command request"},
       "\nThis generally occurs in response to an M112 G-Code command\n"
       "or in response to an internal error in the host software."},
  };
  return table;
}

std::string error_help(const std::string& msg) {
  for (auto& e : common_mcu_errors())
    for (auto* prefix : e.prefixes)
      if (msg.starts_with(prefix)) return e.help;
  return {};
}

// Values of the "pin=" / "_pin=" fields of a config command.
std::vector<std::string> pin_fields(const std::string& cmd) {
  std::vector<std::string> out;
  size_t i = 0;
  while ((i = cmd.find("pin=", i)) != std::string::npos) {
    if (i > 0 && (cmd[i - 1] == ' ' || cmd[i - 1] == '_')) {
      size_t e = cmd.find(' ', i + 4);
      out.push_back(cmd.substr(i + 4, e == std::string::npos ? std::string::npos : e - i - 4));
    }
    i += 4;
  }
  return out;
}

}  // namespace

// ---- commands --------------------------------------------------------------------------------

std::vector<uint8_t> McuCommand::encode(std::span<const int64_t> args) const {
  std::vector<uint8_t> buf(format_->max_size());
  size_t n = format_->encode_ints(buf.data(), args);
  buf.resize(n);
  return buf;
}

void McuCommand::send(std::span<const int64_t> args, uint64_t min_clock,
                      uint64_t req_clock) const {
  uint8_t buf[mcu::kQueuedMaxBytes * 2];
  if (format_->max_size() <= sizeof(buf)) {
    size_t n = format_->encode_ints(buf, args);
    serial_->queue().send(queue_, std::span<const uint8_t>(buf, n), min_clock, req_clock);
    return;
  }
  auto bytes = encode(args);
  serial_->queue().send(queue_, bytes, min_clock, req_clock);
}

void McuCommand::send_values(std::span<const mcu::ParamValue> values, uint64_t min_clock,
                             uint64_t req_clock) const {
  std::vector<uint8_t> bytes;
  format_->encode_values(bytes, values);
  serial_->queue().send(queue_, bytes, min_clock, req_clock);
}

McuResponse McuQueryCommand::send(std::initializer_list<int64_t> args, uint64_t min_clock,
                                  uint64_t req_clock) const {
  auto bytes = cmd_.encode(std::span<const int64_t>(args.begin(), args.size()));
  return serial_->send_with_response(bytes, response_, oid_, cmd_.queue(), min_clock,
                                     std::max(min_clock, req_clock));
}

// ---- Mcu -------------------------------------------------------------------------------------

namespace {
std::string mcu_name_of(const std::string& section) {
  return section.starts_with("mcu ") ? section.substr(4) : section;
}
}  // namespace

Mcu::Mcu(const ConfigWrapper& config, std::unique_ptr<ClockSync> clocksync)
    : printer_(config.get_printer()),
      name_(mcu_name_of(config.get_name())),
      clocksync_(std::move(clocksync)),
      serial_(printer_.get_reactor(), fmt::format("mcu '{}': ", name_), name_) {
  auto canbus_uuid = config.get_opt("canbus_uuid");
  if (canbus_uuid) {
    serialport_ = *canbus_uuid;
    canbus_iface_ = config.get("canbus_interface", "can0");
    CanbusIds::get(printer_).add_uuid(config, serialport_, *canbus_iface_);
  } else {
    serialport_ = config.get("serial");
    if (!(serialport_.starts_with("/dev/rpmsg_") || serialport_.starts_with("/tmp/klipper_host_")))
      baud_ = static_cast<int>(config.getint("baud", 250000, IntLimits{.minval = 2400}));
  }
  restart_method_ = "command";
  if (baud_) {
    auto m = config.get_opt("restart_method");
    if (m) {
      static const std::vector<std::string> methods = {"arduino", "cheetah", "command",
                                                       "rpi_usb"};
      restart_method_ = config.getchoice("restart_method", methods);
    } else {
      restart_method_.reset();
    }
  }
  max_stepper_error_ =
      config.getfloat("max_stepper_error", kDefaultMaxStepperError, FloatLimits{.minval = 0.});
  printer_.lookup<PrinterPins>("pins").register_chip(name_, *this);
  printer_.register_event_handler("klippy:firmware_restart",
                                  std::function<void()>([this] { firmware_restart(); }));
  printer_.register_event_handler("klippy:mcu_identify",
                                  std::function<void()>([this] { handle_mcu_identify(); }));
  printer_.register_event_handler("klippy:connect",
                                  std::function<void()>([this] { handle_connect(); }));
  printer_.register_event_handler("klippy:shutdown",
                                  std::function<void()>([this] { handle_shutdown(false); }));
  printer_.register_event_handler("klippy:disconnect",
                                  std::function<void()>([this] { handle_disconnect(); }));
}

Mcu::~Mcu() {
  // The clock sync refers to the serial reader, which goes first.
  clocksync_->disconnect();
}

bool Mcu::is_fileoutput() const { return is_batch_mode(printer_.get_start_args()); }

void Mcu::register_config_callback(std::function<void()> cb) {
  config_callbacks_.push_back(std::move(cb));
}

void Mcu::add_config_cmd(const std::string& cmd, bool is_init, bool on_restart) {
  if (is_init)
    init_cmds_.push_back(cmd);
  else if (on_restart)
    restart_cmds_.push_back(cmd);
  else
    config_cmds_.push_back(cmd);
}

uint64_t Mcu::get_query_slot(int oid) {
  int64_t slot = seconds_to_clock(oid * .01);
  double t = std::floor(estimated_print_time(printer_.get_reactor().monotonic()) + 1.5);
  return print_time_to_clock(t) + static_cast<uint64_t>(slot);
}

void Mcu::register_flush_callback(std::function<void(double, uint64_t)> cb) {
  flush_callbacks_.push_back(std::move(cb));
}

void Mcu::flush_moves(double print_time, double /*clear_history_time*/) {
  uint64_t c = print_time_to_clock(print_time);
  if (static_cast<int64_t>(c) < 0) return;
  for (auto& cb : flush_callbacks_) cb(print_time, c);
}

std::pair<double, double> Mcu::check_active(double print_time, double eventtime) {
  auto res = clocksync_->calibrate_clock(print_time, eventtime);
  check_timeout(eventtime);
  return res;
}

void Mcu::check_timeout(double eventtime) {
  if (clocksync_->is_active() || is_fileoutput() || is_timeout_ || !serial_.is_connected())
    return;
  is_timeout_ = true;
  log::info("Timeout with MCU '{}' (eventtime={:f})", name_, eventtime);
  printer_.invoke_shutdown(fmt::format("Lost communication with MCU '{}'", name_));
}

double Mcu::estimated_print_time(double eventtime) const {
  // Batch mode without pacing: the MCU is always "at" print time 0.
  if (clocksync_->is_fileoutput()) return 0.;
  return clocksync_->estimated_print_time(eventtime);
}

McuCommand Mcu::lookup_command(const std::string& format, int queue) {
  if (queue < 0) queue = serial_.default_command_queue();
  try {
    const auto& mf = mcu::lookup_compatible_command(serial_.dictionary(), format);
    return McuCommand(&serial_, &mf, queue);
  } catch (const mcu::ProtocolError& e) {
    if (!in_config_phase_) throw McuError(fmt::format("MCU '{}': {}", name_, e.what()));
    incompatible_commands_.push_back(format);
    return McuCommand();
  }
}

std::optional<McuCommand> Mcu::try_lookup_command(const std::string& format, int queue) {
  if (queue < 0) queue = serial_.default_command_queue();
  try {
    const auto& mf = mcu::lookup_compatible_command(serial_.dictionary(), format);
    return McuCommand(&serial_, &mf, queue);
  } catch (const mcu::ProtocolError&) {
    return std::nullopt;
  }
}

McuQueryCommand Mcu::lookup_query_command(const std::string& format, const std::string& response,
                                          int oid, int queue) {
  McuCommand cmd = lookup_command(format, queue);
  auto resp_name = response.substr(0, response.find(' '));
  if (!serial_.dictionary().find_response(resp_name)) {
    if (!in_config_phase_)
      throw McuError(fmt::format("MCU '{}': unknown response '{}'", name_, response));
    incompatible_commands_.push_back(response);
  }
  return McuQueryCommand(&serial_, cmd, resp_name, oid);
}

int Mcu::lookup_command_tag(const std::string& format) {
  return lookup_command(format).format()->id();
}

void Mcu::register_response(SerialReader::Handler handler, const std::string& name, int oid) {
  serial_.register_response(std::move(handler), name, oid);
}

const std::map<std::string, std::string, std::less<>>& Mcu::get_constants() const {
  return serial_.dictionary().constants();
}

double Mcu::get_constant_float(std::string_view name) const {
  try {
    return serial_.dictionary().constant_float(name);
  } catch (const mcu::ProtocolError& e) {
    throw McuError(fmt::format("MCU '{}': {}", name_, e.what()));
  }
}

double Mcu::get_constant_float(std::string_view name, double fallback) const {
  return serial_.dictionary().constant_float(name, fallback);
}

// ---- connection ------------------------------------------------------------------------------

void Mcu::connect_file() {
  const StartArgs& args = printer_.get_start_args();
  std::string out = args.debug_output;
  std::string dict_key = "mcu";
  if (name_ != "mcu") {
    out += "-" + name_;
    dict_key = name_;
  }
  auto it = args.dictionaries.find(dict_key);
  if (it == args.dictionaries.end())
    throw McuError(fmt::format("No dictionary given for mcu '{}' (use -d {}=FILE)", name_,
                               name_ == "mcu" ? std::string("") : name_));
  mcu::Dictionary dict;
  try {
    dict = mcu::Dictionary::from_file(it->second);
  } catch (const std::exception& e) {
    throw McuError(fmt::format("MCU '{}' dictionary {}: {}", name_, it->second, e.what()));
  }
  double freq = dict.constant_float("CLOCK_FREQ", 0.);
  serial_.connect_file(out, std::move(dict));
  if (auto* secondary = dynamic_cast<SecondarySync*>(clocksync_.get()))
    secondary->connect_file_secondary(freq);
  else
    clocksync_->connect_file(freq);
}

void Mcu::handle_mcu_identify() {
  if (is_fileoutput())
    connect_file();
  else
    connect_live();
  const auto& dict = serial_.dictionary();
  log::info("{}", log_info());
  PinResolver& resolver = printer_.lookup<PrinterPins>("pins").get_pin_resolver(name_);
  for (auto& [cname, value] : dict.constants()) {
    if (!cname.starts_with("RESERVE_PINS_")) continue;
    size_t start = 0;
    for (;;) {
      auto comma = value.find(',', start);
      resolver.reserve_pin(value.substr(start, comma - start), cname.substr(13));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  mcu_freq_ = get_constant_float("CLOCK_FREQ");
  stats_sumsq_base_ = dict.constant_float("STATS_SUMSQ_BASE", 256.);
  emergency_stop_cmd_ = lookup_command("emergency_stop");
  reset_cmd_ = try_lookup_command("reset");
  config_reset_cmd_ = try_lookup_command("config_reset");
  bool ext_only = !reset_cmd_ && !config_reset_cmd_;
  if (!restart_method_ && !dict.has_constant("SERIAL_BAUD") && !ext_only)
    restart_method_ = "command";
  if (dict.constant_int("CANBUS_BRIDGE", 0) && !is_mcu_bridge_) {
    // A USB-to-CAN bridge restarts after the MCUs behind it.
    is_mcu_bridge_ = true;
    printer_.register_event_handler("klippy:firmware_restart",
                                    std::function<void()>([this] { firmware_restart(true); }));
  }
  status_info_["mcu_version"] = dict.version();
  status_info_["mcu_build_versions"] = dict.build_versions();
  Json constants = Json::object();
  for (auto& [k, v] : dict.constants()) {
    // Numbers appear as numbers, as in Klipper's msgproto constants.
    char* end = nullptr;
    long long iv = std::strtoll(v.c_str(), &end, 10);
    if (!v.empty() && end && *end == '\0')
      constants[k] = iv;
    else
      constants[k] = v;
  }
  status_info_["mcu_constants"] = constants;
  register_response([this](const McuResponse& r) { handle_shutdown_response(r); }, "shutdown");
  register_response([this](const McuResponse& r) { handle_shutdown_response(r); },
                    "is_shutdown");
  register_response([this](const McuResponse& r) { handle_mcu_stats(r); }, "stats");
}

void Mcu::send_config(std::optional<uint32_t> prev_crc) {
  in_config_phase_ = true;
  incompatible_commands_.clear();
  for (auto& cb : config_callbacks_) cb();
  in_config_phase_ = false;
  if (!incompatible_commands_.empty()) {
    std::vector<std::string> commands, responses;
    for (auto& f : incompatible_commands_) {
      auto name = f.substr(0, f.find(' '));
      if (serial_.dictionary().find_command(name) || !serial_.dictionary().find_response(name))
        commands.push_back(f);
      else
        responses.push_back(f);
    }
    auto report = mcu::check_compat(serial_.dictionary(), commands, responses);
    throw McuError(report.message(name_, serial_.dictionary().version()));
  }
  config_cmds_.insert(config_cmds_.begin(), fmt::format("allocate_oids count={}", oid_count_));
  PinResolver& resolver = printer_.lookup<PrinterPins>("pins").get_pin_resolver(name_);
  for (auto* list : {&config_cmds_, &restart_cmds_, &init_cmds_})
    for (auto& cmd : *list) cmd = resolver.update_command(cmd);
  // Unknown pins are a config error naming the pin, not a protocol error.
  if (const auto* pins = serial_.dictionary().find_enumeration("pin")) {
    for (auto* list : {&config_cmds_, &restart_cmds_, &init_cmds_})
      for (auto& cmd : *list)
        for (auto& pin : pin_fields(cmd))
          if (!pins->find_value(pin))
            throw PinError(
                fmt::format("Pin '{}' is not a valid pin name on mcu '{}'", pin, name_));
  }
  std::string joined;
  for (size_t i = 0; i < config_cmds_.size(); i++) {
    if (i) joined += '\n';
    joined += config_cmds_[i];
  }
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(joined.data()), static_cast<uInt>(joined.size())));
  add_config_cmd(fmt::format("finalize_config crc={}", crc));
  if (prev_crc && crc != *prev_crc) {
    check_restart("CRC mismatch");
    throw McuError(fmt::format("MCU '{}' CRC does not match config", name_));
  }
  register_response([this](const McuResponse& r) { handle_starting(r); }, "starting");
  try {
    if (!prev_crc) {
      log::info("Sending MCU '{}' printer configuration...", name_);
      for (auto& c : config_cmds_) serial_.send(c);
    } else {
      for (auto& c : restart_cmds_) serial_.send(c);
    }
    for (auto& c : init_cmds_) serial_.send(c);
  } catch (const mcu::ProtocolError& e) {
    throw McuError(fmt::format("MCU '{}': {}", name_, e.what()));
  }
}

void Mcu::handle_connect() {
  ConfigParams cp = send_get_config();
  if (!cp.is_config) {
    if (restart_method_ == "rpi_usb") check_restart("full reset before config");
    // Not configured: send the config, then check it took.
    send_config(std::nullopt);
    cp = send_get_config();
    if (!cp.is_config && !is_fileoutput())
      throw McuError(fmt::format("Unable to configure MCU '{}'", name_));
  } else {
    const auto& extra = printer_.get_start_args().extra;
    auto reason = extra.find("start_reason");
    if (reason != extra.end() && reason->second == "firmware_restart")
      throw McuError(fmt::format("Failed automated reset of MCU '{}'", name_));
    // Already configured (a host restart): only the restart and init commands go out.
    send_config(cp.crc);
  }
  move_count_ = cp.move_count;
  if (move_count_ < reserved_move_slots_)
    throw McuError(fmt::format("Too few moves available on MCU '{}'", name_));
  std::string move_msg = fmt::format("Configured MCU '{}' ({} moves)", name_, move_count_);
  log::info("{}", move_msg);
  printer_.set_rollover_info(name_, log_info() + "\n" + move_msg, false);
}

void Mcu::handle_shutdown_response(const McuResponse& r) {
  if (is_shutdown_) return;
  is_shutdown_ = true;
  if (r.has("clock"))
    shutdown_clock_ = clock32_to_clock64(static_cast<uint32_t>(r.get_int("clock")));
  std::string msg = serial_.dictionary().enumeration_key(
      "static_string_id", r.get_int("static_string_id"));
  shutdown_msg_ = msg;
  std::string prefix = fmt::format("MCU '{}' shutdown: ", name_);
  if (r.name() == "is_shutdown") prefix = fmt::format("Previous MCU '{}' shutdown: ", name_);
  log::info("MCU '{}' {}: {}\n{}\n{}", name_, r.name(), msg, clocksync_->dump_debug(),
            serial_.dump_debug());
  printer_.invoke_async_shutdown(prefix + msg + error_help(msg));
}

void Mcu::handle_starting(const McuResponse&) {
  if (!is_shutdown_)
    printer_.invoke_async_shutdown(fmt::format("MCU '{}' spontaneous restart", name_));
}

void Mcu::handle_shutdown(bool force) {
  if (!emergency_stop_cmd_ || (is_shutdown_ && !force) || !serial_.is_connected()) return;
  emergency_stop_cmd_.send({});
}

void Mcu::handle_disconnect() {
  clocksync_->disconnect();
  serial_.disconnect();
}

Json Mcu::get_status(double) { return status_info_; }

Mcu& get_printer_mcu(Printer& printer, const std::string& name) {
  std::string key = name == "mcu" ? name : "mcu " + name;
  auto* m = printer.try_lookup<Mcu>(key);
  if (!m) throw ConfigError(fmt::format("Unknown mcu {}", name));
  return *m;
}

namespace {
void add_mcus(Printer& printer, const ConfigWrapper* config) {
  auto main = std::make_unique<ClockSync>();
  ClockSync& main_ref = *main;
  printer.add_object("mcu", std::make_shared<Mcu>(config->getsection("mcu"), std::move(main)));
  for (auto& s : config->get_prefix_sections("mcu "))
    printer.add_object(s.get_name(),
                       std::make_shared<Mcu>(s, std::make_unique<SecondarySync>(main_ref)));
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_STARTUP_HOOK(mcu, kpp::StartupPhase::kBeforeSections, 20, kpp::add_mcus)
