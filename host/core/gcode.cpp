// G-code parsing and dispatch, following the rules of Klipper's gcode.py so that every line is
// split into command and parameters exactly as Klipper does.
#include "core/gcode.h"

#include <cctype>

#include "core/logging.h"
#include "core/pyfmt.h"
#include "core/toolhead_base.h"

namespace kpp {

namespace {

std::string_view strip(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Python's shlex in POSIX mode with whitespace_split and commenters "#;" (as Klipper parses
// extended parameters): whitespace separates words, quotes group, backslash escapes (inside
// double quotes only before '"' and '\'), '#' or ';' outside quotes ends the line.
// False on an open quote or a trailing backslash.
bool shlex_split(std::string_view s, std::vector<std::string>& out) {
  out.clear();
  std::string cur;
  bool in_word = false;
  size_t i = 0, n = s.size();
  while (i < n) {
    char c = s[i];
    if (c == '#' || c == ';') {
      auto nl = s.find('\n', i);
      if (nl == std::string_view::npos) break;
      i = nl;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) {
        out.push_back(std::move(cur));
        cur.clear();
        in_word = false;
      }
      i++;
    } else if (c == '\\') {
      in_word = true;
      if (i + 1 >= n) return false;  // "No escaped character"
      cur.push_back(s[i + 1]);
      i += 2;
    } else if (c == '\'' || c == '"') {
      in_word = true;
      char q = c;
      i++;
      for (;;) {
        if (i >= n) return false;  // "No closing quotation"
        char d = s[i];
        if (d == q) {
          i++;
          break;
        }
        if (q == '"' && d == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
          cur.push_back(s[i + 1]);
          i += 2;
          continue;
        }
        cur.push_back(d);
        i++;
      }
    } else {
      in_word = true;
      cur.push_back(c);
      i++;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return true;
}

// Extended parameters: NAME=VALUE words of the raw parameter text; keys upper-cased.
bool parse_extended(std::string_view raw, GCodeParams& params) {
  std::vector<std::string> words;
  if (!shlex_split(raw, words)) return false;
  params.clear();
  for (auto& w : words) {
    auto eq = w.find('=');
    if (eq == std::string::npos) return false;
    std::string key = to_upper(std::string_view(w).substr(0, eq));
    std::string value = w.substr(eq + 1);
    bool replaced = false;
    for (auto& kv : params)
      if (kv.first == key) {
        kv.second = value;
        replaced = true;
      }
    if (!replaced) params.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

std::string limit_text(double v) { return py::float_repr(v); }

}  // namespace

// ---- GCodeCommand ------------------------------------------------------------------------------

GCodeCommand::GCodeCommand(GCodeDispatch& gcode, std::string command, std::string commandline,
                           GCodeParams params, bool need_ack)
    : gcode_(gcode),
      command_(std::move(command)),
      commandline_(std::move(commandline)),
      params_(std::move(params)),
      need_ack_(need_ack) {}

std::string GCodeCommand::get_raw_command_parameters() const {
  // Everything after the command word. Only when the line does not start with the command
  // (a line number precedes it) is a trailing "*checksum" dropped, as Klipper does.
  std::string_view line = commandline_;
  size_t start = command_.size(), end = line.size();
  if (to_upper(line.substr(0, std::min(start, line.size()))) != command_) {
    auto found = to_upper(line).find(command_);
    start += found == std::string::npos ? static_cast<size_t>(-1) : found;
    auto star = line.rfind('*');
    if (star != std::string_view::npos && star + 1 < line.size()) {
      bool digits = true;
      for (size_t k = star + 1; k < line.size(); k++)
        if (!std::isdigit(static_cast<unsigned char>(line[k]))) digits = false;
      if (digits) end = star;
    }
  }
  if (start > line.size()) start = line.size();
  if (start < end && std::isspace(static_cast<unsigned char>(line[start]))) start++;
  if (start >= end) return {};
  return std::string(line.substr(start, end - start));
}

const std::string* GCodeCommand::find(std::string_view name) const {
  for (auto& kv : params_)
    if (kv.first == name) return &kv.second;
  return nullptr;
}

std::string GCodeCommand::get(std::string_view name) const {
  const std::string* v = find(name);
  if (!v) throw error(fmt::format("Error on '{}': missing {}", commandline_, name));
  return *v;
}

std::string GCodeCommand::get(std::string_view name, std::string_view def) const {
  const std::string* v = find(name);
  return v ? *v : std::string(def);
}

std::optional<std::string> GCodeCommand::get_opt(std::string_view name) const {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  return *v;
}

template <class T>
T GCodeCommand::check_limits(std::string_view name, T value, const FloatLimits& lim) const {
  double d = static_cast<double>(value);
  auto text = [](double x) {
    if constexpr (std::is_integral_v<T>) return std::to_string(static_cast<int64_t>(x));
    return limit_text(x);
  };
  if (lim.minval && d < *lim.minval)
    throw error(fmt::format("Error on '{}': {} must have minimum of {}", commandline_, name,
                            text(*lim.minval)));
  if (lim.maxval && d > *lim.maxval)
    throw error(fmt::format("Error on '{}': {} must have maximum of {}", commandline_, name,
                            text(*lim.maxval)));
  if (lim.above && d <= *lim.above)
    throw error(fmt::format("Error on '{}': {} must be above {}", commandline_, name,
                            text(*lim.above)));
  if (lim.below && d >= *lim.below)
    throw error(fmt::format("Error on '{}': {} must be below {}", commandline_, name,
                            text(*lim.below)));
  return value;
}

std::optional<int64_t> GCodeCommand::get_int_opt(std::string_view name, IntLimits lim) const {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  auto parsed = py::parse_int(*v);
  if (!parsed) throw error(fmt::format("Error on '{}': unable to parse {}", commandline_, *v));
  FloatLimits fl;
  if (lim.minval) fl.minval = static_cast<double>(*lim.minval);
  if (lim.maxval) fl.maxval = static_cast<double>(*lim.maxval);
  return check_limits(name, *parsed, fl);
}

int64_t GCodeCommand::get_int(std::string_view name, IntLimits lim) const {
  auto v = get_int_opt(name, lim);
  if (!v) throw error(fmt::format("Error on '{}': missing {}", commandline_, name));
  return *v;
}

int64_t GCodeCommand::get_int(std::string_view name, int64_t def, IntLimits lim) const {
  auto v = get_int_opt(name, lim);
  return v ? *v : def;
}

std::optional<double> GCodeCommand::get_float_opt(std::string_view name, FloatLimits lim) const {
  const std::string* v = find(name);
  if (!v) return std::nullopt;
  auto parsed = py::parse_float(*v);
  if (!parsed) throw error(fmt::format("Error on '{}': unable to parse {}", commandline_, *v));
  return check_limits(name, *parsed, lim);
}

double GCodeCommand::get_float(std::string_view name, FloatLimits lim) const {
  auto v = get_float_opt(name, lim);
  if (!v) throw error(fmt::format("Error on '{}': missing {}", commandline_, name));
  return *v;
}

double GCodeCommand::get_float(std::string_view name, double def, FloatLimits lim) const {
  auto v = get_float_opt(name, lim);
  return v ? *v : def;
}

void GCodeCommand::respond_info(const std::string& msg, bool log) { gcode_.respond_info(msg, log); }
void GCodeCommand::respond_raw(const std::string& msg) { gcode_.respond_raw(msg); }

bool GCodeCommand::ack(const std::string& msg) {
  if (!need_ack_) return false;
  gcode_.respond_raw(msg.empty() ? std::string("ok") : "ok " + msg);
  need_ack_ = false;
  return true;
}

// ---- GCodeDispatch -----------------------------------------------------------------------------

GCodeDispatch::GCodeDispatch(Printer& printer)
    : printer_(printer), mutex_(printer.get_reactor()) {
  printer.register_event_handler("klippy:ready", std::function<void()>([this] { handle_ready(); }));
  printer.register_event_handler("klippy:shutdown",
                                 std::function<void()>([this] { handle_shutdown(); }));
  printer.register_event_handler("klippy:disconnect",
                                 std::function<void()>([this] { handle_disconnect(); }));
  register_command("M110", [](GCodeCommand&) {}, true);
  register_command(
      "M112", [this](GCodeCommand&) { printer_.invoke_shutdown("Shutdown due to M112 command"); },
      true);
  register_command(
      "M115",
      [this](GCodeCommand& gcmd) {
        gcmd.ack(fmt::format("FIRMWARE_NAME:Klipper FIRMWARE_VERSION:{}",
                             printer_.get_start_args().software_version));
      },
      true);
  register_command(
      "RESTART", [this](GCodeCommand&) { request_restart("restart"); }, true,
      "Reload config file and restart host software");
  register_command(
      "FIRMWARE_RESTART", [this](GCodeCommand&) { request_restart("firmware_restart"); }, true,
      "Restart firmware, host, and reload config");
  register_command(
      "ECHO", [](GCodeCommand& gcmd) { gcmd.respond_info(gcmd.get_commandline(), false); }, true);
  register_command(
      "STATUS",
      [this](GCodeCommand& gcmd) {
        if (is_printer_ready_) {
          respond_info("Klipper state: Ready", false);
          return;
        }
        std::string msg = printer_.get_state_message().first;
        while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
        throw gcmd.error(msg + "\nKlipper state: Not ready");
      },
      true, "Report the printer status");
  register_command(
      "HELP",
      [this](GCodeCommand& gcmd) {
        std::string out;
        if (!is_printer_ready_) out += "Printer is not ready - not all commands available.\n";
        out += "Available extended commands:";
        for (auto& [name, cmd] : commands_) {
          if (cmd.desc.empty() || (!is_printer_ready_ && !cmd.when_not_ready)) continue;
          std::string padded = name;
          if (padded.size() < 10) padded.resize(10, ' ');
          out += "\n" + padded + ": " + cmd.desc;
        }
        gcmd.respond_info(out, false);
      },
      true);
}

bool GCodeDispatch::is_traditional_gcode(std::string_view cmd) {
  // A letter followed by a number (Python float() of the rest must succeed).
  auto s = strip(cmd);
  auto sp = s.find_first_of(" \t\r\n\v\f");
  if (sp != std::string_view::npos) s = s.substr(0, sp);
  if (s.size() < 2) return false;
  char c0 = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  if (!is_upper(c0) || !std::isdigit(static_cast<unsigned char>(s[1]))) return false;
  return py::parse_float(s.substr(1)).has_value();
}

void GCodeDispatch::register_command(const std::string& name, Handler handler, bool when_not_ready,
                                     const std::string& desc) {
  if (commands_.count(name))
    throw ConfigError(fmt::format("gcode command {} already registered", name));
  if (!is_traditional_gcode(name)) {
    // Upper case letters, digits and '_', not starting with a digit in its first two places.
    bool valid = name.size() >= 1 && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                 !(name.size() > 1 && std::isdigit(static_cast<unsigned char>(name[1])));
    for (char c : name)
      if (!(is_upper(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '_')) valid = false;
    if (!valid)
      throw ConfigError(fmt::format("Can't register '{}' as it is an invalid name", name));
  }
  commands_[name] = Command{std::move(handler), when_not_ready, desc};
}

std::optional<GCodeDispatch::Command> GCodeDispatch::unregister_command(const std::string& name) {
  auto it = commands_.find(name);
  if (it == commands_.end()) return std::nullopt;
  Command old = std::move(it->second);
  commands_.erase(it);
  return old;
}

bool GCodeDispatch::has_command(const std::string& name) const { return commands_.count(name) > 0; }

void GCodeDispatch::register_mux_command(const std::string& name, const std::string& key,
                                         const std::string& value, Handler handler,
                                         const std::string& desc) {
  auto it = mux_commands_.find(name);
  if (it == mux_commands_.end()) {
    register_command(
        name,
        [this, name](GCodeCommand& gcmd) {
          auto& [mux_key, values] = mux_commands_.at(name);
          std::string key_param;
          if (values.count("")) {
            key_param = gcmd.get(mux_key, "");
          } else {
            key_param = gcmd.get(mux_key);
          }
          auto h = values.find(key_param);
          if (h == values.end())
            throw gcmd.error(
                fmt::format("The value '{}' is not valid for {}", key_param, mux_key));
          Handler fn = h->second;
          fn(gcmd);
        },
        false, desc);
    it = mux_commands_.emplace(name, std::make_pair(key, std::map<std::string, Handler>{})).first;
  }
  auto& [prev_key, values] = it->second;
  if (prev_key != key)
    throw ConfigError(fmt::format("mux command {} {} {} may have only one key ({})", name, key,
                                  value, prev_key));
  if (values.count(value))
    throw ConfigError(fmt::format("mux command {} {} {} already registered", name, key, value));
  values[value] = std::move(handler);
}

bool GCodeDispatch::parse_line(std::string_view line, std::string& command,
                               std::string& commandline, GCodeParams& params) {
  // Klipper: strip, cut at ';', upper-case, then split into runs of letters/'_' (or a single
  // '*') and the text between them; the command is the first word plus its number.
  std::string_view orig = strip(line);
  commandline.assign(orig);
  std::string_view body = orig;
  auto cpos = body.find(';');
  if (cpos != std::string_view::npos) body = body.substr(0, cpos);
  std::string up = to_upper(body);
  params.clear();
  command.clear();
  // Tokens: (letters, following text) pairs, after the leading text.
  size_t i = 0, n = up.size();
  while (i < n && !(is_upper(up[i]) || up[i] == '_' || up[i] == '*')) i++;
  std::string_view lead = std::string_view(up).substr(0, i);
  std::vector<std::pair<std::string_view, std::string_view>> parts;
  std::string_view u(up);
  while (i < n) {
    size_t ks = i;
    if (is_upper(up[i]) || up[i] == '_') {
      while (i < n && (is_upper(up[i]) || up[i] == '_')) i++;
    } else {
      i++;  // '*'
    }
    size_t vs = i;
    while (i < n && !(is_upper(up[i]) || up[i] == '_' || up[i] == '*')) i++;
    parts.emplace_back(u.substr(ks, vs - ks), u.substr(vs, i - vs));
  }
  // Klipper: a line starting with "N" skips the line number; otherwise the command is the text
  // before the first word, the word and the text after it, stripped.
  if (lead.empty() && !parts.empty() && parts[0].first == "N") {
    if (parts.size() >= 2) command = std::string(strip(std::string(parts[1].first) + std::string(parts[1].second)));
  } else {
    std::string c(lead);
    if (!parts.empty()) c += std::string(parts[0].first) + std::string(parts[0].second);
    command = std::string(strip(c));
  }
  for (auto& [k, v] : parts) {
    std::string key(k);
    std::string value(strip(v));
    bool replaced = false;
    for (auto& kv : params)
      if (kv.first == key) {
        kv.second = value;
        replaced = true;
        break;
      }
    if (!replaced) params.emplace_back(std::move(key), std::move(value));
  }
  return !orig.empty();
}

GCodeCommand GCodeDispatch::create_gcode_command(const std::string& command,
                                                 const std::string& commandline,
                                                 GCodeParams params) {
  return GCodeCommand(*this, command, commandline, std::move(params), false);
}

void GCodeDispatch::run_command(GCodeCommand& gcmd) {
  const std::string& cmd = gcmd.get_command();
  auto it = commands_.find(cmd);
  if (it == commands_.end() || (!is_printer_ready_ && !it->second.when_not_ready)) {
    cmd_default(gcmd);
    return;
  }
  if (!is_traditional_gcode(cmd)) {
    GCodeParams eparams;
    if (!parse_extended(gcmd.get_raw_command_parameters(), eparams))
      throw gcmd.error(fmt::format("Malformed command '{}'", gcmd.get_commandline()));
    gcmd.params_ = std::move(eparams);
  }
  Handler handler = it->second.handler;  // the command may unregister itself
  handler(gcmd);
}

void GCodeDispatch::cmd_default(GCodeCommand& gcmd) {
  const std::string& cmd = gcmd.get_command();
  if (cmd == "M105") {
    gcmd.ack("T:0");  // not ready: answer temperature polls quietly
    return;
  }
  if (cmd == "M21") return;
  if (!is_printer_ready_) throw gcmd.error(printer_.get_state_message().first);
  if (cmd.empty()) {
    if (!gcmd.get_commandline().empty()) log::debug("{}", gcmd.get_commandline());
    return;
  }
  if (auto sp = cmd.find(' '); sp != std::string::npos) {
    // "M117 12 34": the number run swallowed the text; route to the raw-text handler.
    std::string real = cmd.substr(0, sp);
    if (real == "M117" || real == "M118" || real == "M23") {
      auto h = commands_.find(real);
      if (h != commands_.end()) {
        gcmd.command_ = real;
        Handler fn = h->second.handler;
        fn(gcmd);
        return;
      }
    }
  } else if ((cmd == "M140" || cmd == "M104") && gcmd.get_float("S", 0.) == 0.) {
    return;  // turning off a heater that is not there
  } else if (cmd == "M107" ||
             (cmd == "M106" && (gcmd.get_float("S", 1.) == 0. ||
                                !printer_.get_start_args().debug_input.empty()))) {
    return;  // turning off a fan that is not there
  }
  gcmd.respond_info(fmt::format("Unknown command:\"{}\"", cmd));
}

void GCodeDispatch::process_commands(const std::vector<std::string>& lines, bool need_ack) {
  std::string command, commandline;
  GCodeParams params;
  for (auto& line : lines) {
    parse_line(line, command, commandline, params);
    GCodeCommand gcmd(*this, command, commandline, params, need_ack);
    try {
      run_command(gcmd);
    } catch (const CommandError& e) {
      respond_error(e.what());
      printer_.send_event("gcode:command_error");
      if (!need_ack) throw;
    } catch (const std::exception& e) {
      std::string msg = fmt::format("Internal error on command:\"{}\"", command);
      log::error("{}: {}", msg, e.what());
      printer_.invoke_shutdown(msg);
      respond_error(msg);
      if (!need_ack) throw;
    }
    gcmd.ack();
  }
}

namespace {
std::vector<std::string> split_lines(const std::string& script) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    auto nl = script.find('\n', start);
    lines.push_back(script.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}
}  // namespace

void GCodeDispatch::run_script_from_command(const std::string& script) {
  process_commands(split_lines(script), false);
}

void GCodeDispatch::run_script(const std::string& script) {
  ReactorLock lock(mutex_);
  process_commands(split_lines(script), false);
}

void GCodeDispatch::request_restart(const std::string& result) {
  if (is_printer_ready_) {
    if (auto* toolhead = printer_.try_lookup<ToolHeadBase>("toolhead")) {
      double print_time = toolhead->get_last_move_time();
      if (result == "exit") log::info("Exiting (print time {:.3f}s)", print_time);
      printer_.send_event<double>("gcode:request_restart", print_time);
      toolhead->dwell(0.5);
      toolhead->wait_moves();
      if (printer_.is_batch_mode()) {
        // Klipper's batch output still holds the work deferred to reactor callbacks by the
        // last moves and the motor off (TMC enable/virtual-disable register writes): let the
        // reactor run what is due now before the exit.
        auto& reactor = printer_.get_reactor();
        reactor.pause(reactor.monotonic());
      }
    }
  }
  printer_.request_exit(result);
}

void GCodeDispatch::respond_raw(const std::string& msg) {
  for (auto& cb : output_handlers_) cb(msg);
}

void GCodeDispatch::respond_info(const std::string& msg, bool log) {
  if (log) log::info("{}", msg);
  std::string_view body = strip(msg);
  std::string out = "// ";
  size_t start = 0;
  for (;;) {
    auto nl = body.find('\n', start);
    auto line = strip(body.substr(start, nl == std::string_view::npos ? std::string_view::npos
                                                                       : nl - start));
    out.append(line);
    if (nl == std::string_view::npos) break;
    out += "\n// ";
    start = nl + 1;
  }
  respond_raw(out);
}

void GCodeDispatch::respond_error(const std::string& msg) {
  log::warning("{}", msg);
  std::string_view body = strip(msg);
  auto nl = body.find('\n');
  if (nl != std::string_view::npos) respond_info(std::string(body), false);
  respond_raw("!! " + std::string(strip(body.substr(0, nl))));
  if (!printer_.get_start_args().debug_input.empty()) printer_.request_exit("error_exit");
}

void GCodeDispatch::handle_ready() {
  is_printer_ready_ = true;
  respond_info("Klipper state: Ready", false);
}

void GCodeDispatch::handle_shutdown() {
  if (!is_printer_ready_) return;
  is_printer_ready_ = false;
  respond_info("Klipper state: Shutdown", false);
}

void GCodeDispatch::handle_disconnect() { respond_info("Klipper state: Disconnect", false); }

Json GCodeDispatch::get_status(double /*eventtime*/) {
  Json cmds = Json::object();
  for (auto& [name, cmd] : commands_) {
    if (!is_printer_ready_ && !cmd.when_not_ready) continue;
    Json entry = Json::object();
    if (!cmd.desc.empty()) entry["help"] = cmd.desc;
    cmds[name] = std::move(entry);
  }
  return Json{{"commands", std::move(cmds)}};
}

}  // namespace kpp
