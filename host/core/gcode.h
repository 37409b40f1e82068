// G-code: line parsing, command registration (plain, mux, aliases), dispatch under the G-code
// mutex, and the replies every front-end reads ("ok", "// info", "!! error").
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/errors.h"
#include "core/printer.h"
#include "core/reactor.h"

namespace kpp {

class GCodeDispatch;

// Parameters in the order given. Keys are upper-case.
using GCodeParams = std::vector<std::pair<std::string, std::string>>;

// One command being executed; handlers read their parameters through it and reply on it.
class GCodeCommand {
 public:
  GCodeCommand(GCodeDispatch& gcode, std::string command, std::string commandline,
               GCodeParams params, bool need_ack);

  const std::string& get_command() const { return command_; }
  const std::string& get_commandline() const { return commandline_; }
  const GCodeParams& get_command_parameters() const { return params_; }
  // Everything after the command name (for M117-style raw text commands).
  std::string get_raw_command_parameters() const;

  bool has(std::string_view name) const { return find(name) != nullptr; }
  // Required when no default is given.
  std::string get(std::string_view name) const;
  std::string get(std::string_view name, std::string_view def) const;
  std::optional<std::string> get_opt(std::string_view name) const;
  int64_t get_int(std::string_view name, IntLimits lim = {}) const;
  int64_t get_int(std::string_view name, int64_t def, IntLimits lim = {}) const;
  std::optional<int64_t> get_int_opt(std::string_view name, IntLimits lim = {}) const;
  double get_float(std::string_view name, FloatLimits lim = {}) const;
  double get_float(std::string_view name, double def, FloatLimits lim = {}) const;
  std::optional<double> get_float_opt(std::string_view name, FloatLimits lim = {}) const;

  void respond_info(const std::string& msg, bool log = true);
  void respond_raw(const std::string& msg);
  // The exception a handler throws to fail: answered as "!! msg".
  CommandError error(const std::string& msg) const { return CommandError(msg); }
  // Send the "ok" now (with an optional message); returns false if already acknowledged.
  bool ack(const std::string& msg = {});
  bool need_ack() const { return need_ack_; }

 private:
  friend class GCodeDispatch;
  const std::string* find(std::string_view name) const;
  template <class T>
  T check_limits(std::string_view name, T value, const FloatLimits& lim) const;

  GCodeDispatch& gcode_;
  std::string command_;
  std::string commandline_;
  GCodeParams params_;
  bool need_ack_;
};

class GCodeDispatch : public PrinterObject {
 public:
  using Handler = std::function<void(GCodeCommand&)>;
  struct Command {
    Handler handler;
    bool when_not_ready = false;
    std::string desc;
  };

  explicit GCodeDispatch(Printer& printer);

  // Register `name` (upper-cased). A name already taken is a config error.
  void register_command(const std::string& name, Handler handler, bool when_not_ready = false,
                        const std::string& desc = {});
  // Remove a command and return it (used to rename a command, e.g. by rename_existing).
  std::optional<Command> unregister_command(const std::string& name);
  // A command routed by the value of parameter `key`: SET_HEATER_TEMPERATURE HEATER=bed.
  // An empty value is the default route, used when the parameter is absent.
  void register_mux_command(const std::string& name, const std::string& key,
                            const std::string& value, Handler handler,
                            const std::string& desc = {});
  bool has_command(const std::string& name) const;
  const std::map<std::string, Command>& commands() const { return commands_; }
  static bool is_traditional_gcode(std::string_view cmd);

  // Run a script of G-code lines from inside a running command (the mutex is already held).
  void run_script_from_command(const std::string& script);
  // Run a script from outside any command (takes the G-code mutex).
  void run_script(const std::string& script);
  // Process lines from a source (pty, API, batch input); errors are reported, not thrown.
  void process_commands(const std::vector<std::string>& lines, bool need_ack = true);
  ReactorMutex& get_mutex() { return mutex_; }

  // Parse one line into command and parameters (exposed for tests and fuzzing). Returns false
  // for an empty line.
  static bool parse_line(std::string_view line, std::string& command, std::string& commandline,
                         GCodeParams& params);
  GCodeCommand create_gcode_command(const std::string& command, const std::string& commandline,
                                    GCodeParams params);

  // Replies go to every output handler (pty, API subscribers, batch log).
  void respond_raw(const std::string& msg);
  void respond_info(const std::string& msg, bool log = true);
  void respond_error(const std::string& msg);
  using OutputHandler = std::function<void(const std::string&)>;
  void register_output_handler(OutputHandler cb) { output_handlers_.push_back(std::move(cb)); }

  Json get_status(double eventtime) override;
  Printer& get_printer() { return printer_; }
  bool is_printer_ready() const { return is_printer_ready_; }
  // RESTART / FIRMWARE_RESTART / end of batch input: let queued moves finish, then exit run().
  void request_restart(const std::string& result);

 private:
  void run_command(GCodeCommand& gcmd);
  void cmd_default(GCodeCommand& gcmd);
  void handle_ready();
  void handle_shutdown();
  void handle_disconnect();

  Printer& printer_;
  ReactorMutex mutex_;
  bool is_printer_ready_ = false;
  std::map<std::string, Command> commands_;
  std::map<std::string, std::pair<std::string, std::map<std::string, Handler>>> mux_commands_;
  std::vector<OutputHandler> output_handlers_;
};

}  // namespace kpp
