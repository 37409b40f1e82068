// The Printer: owns every loaded object, looks them up by name, dispatches life-cycle events
// and carries the printer state (startup / ready / shutdown) as Klipper's klippy.py does.
#pragma once

#include <any>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/config.h"
#include "core/errors.h"
#include "core/json.h"
#include "core/reactor.h"

namespace kpp {

// Anything the printer holds by name: a module instance, the toolhead, an MCU, ...
class PrinterObject {
 public:
  virtual ~PrinterObject() = default;
  // Status for macros (printer.<name>.<field>), the API and the display; null when the object
  // has none (then it is not listed among the status objects).
  virtual Json get_status(double /*eventtime*/) { return nullptr; }
};

// Start-up options of klippy (the command line), as modules need to see them.
struct StartArgs {
  std::string config_file;
  std::string log_file;
  std::string input_tty;   // -I
  int gcode_fd = -1;       // the pty master, or the batch input file
  std::string api_socket;  // -a
  bool verbose = false;
  // Batch mode: -i/-o/-d.
  std::string debug_input;                          // G-code file, or empty
  std::string debug_output;                         // MCU byte stream file, or empty
  std::map<std::string, std::string> dictionaries;  // "mcu" or mcu name -> dictionary file
  std::string software_version = KPP_VERSION;
  std::string cpu_info;
  std::map<std::string, Json> extra;  // e.g. "apiserver" path for webhooks
};

bool is_batch_mode(const StartArgs& a);

// Registry of the loaders for config sections, filled by KPP_REGISTER_MODULE at start-up.
// `load` handles [name]; `load_prefix` handles [name something].
using ModuleLoader = std::function<std::shared_ptr<PrinterObject>(ConfigWrapper& config)>;
struct ModuleInfo {
  ModuleLoader load;
  ModuleLoader load_prefix;
};
void register_module(std::string name, ModuleLoader load, ModuleLoader load_prefix = {});
const ModuleInfo* find_module(std::string_view name);

// Use at namespace scope in a module's .cpp:
//   KPP_REGISTER_MODULE(fan, load_fan, nullptr);
#define KPP_REGISTER_MODULE(name, load, load_prefix)                     \
  namespace {                                                            \
  const bool kpp_module_registered_##name = [] {                         \
    ::kpp::register_module(#name, load, load_prefix);                    \
    return true;                                                         \
  }();                                                                   \
  }

// Start-up steps other parts plug into, in Klipper's order: early objects before the config is
// read (gcode, gcode_io, webhooks), objects created before the config sections are loaded (pins,
// mcu), after them (toolhead, kinematics, extruders), and validation (unused options).
// Within a phase, hooks run by ascending `order`. `config` is null in kEarly.
enum class StartupPhase { kEarly, kBeforeSections, kAfterSections, kValidate };
using StartupHook = std::function<void(Printer& printer, const ConfigWrapper* config)>;
void register_startup_hook(StartupPhase phase, int order, StartupHook hook);

#define KPP_REGISTER_STARTUP_HOOK(id, phase, order, fn)           \
  namespace {                                                     \
  const bool kpp_startup_hook_##id = [] {                         \
    ::kpp::register_startup_hook(phase, order, fn);               \
    return true;                                                  \
  }();                                                            \
  }

class Printer {
 public:
  // Klipper's state messages (text users and front-ends see).
  static const char* const kMessageReady;
  static const char* const kMessageStartup;
  static const char* const kMessageRestart;
  static const char* const kMessageProtocolError;
  static const char* const kMessageMcuConnectError;
  static const char* const kMessageShutdown;

  Printer(Reactor& reactor, StartArgs args);
  ~Printer();
  Printer(const Printer&) = delete;
  Printer& operator=(const Printer&) = delete;

  Reactor& get_reactor() { return reactor_; }
  const StartArgs& get_start_args() const { return args_; }
  bool is_batch_mode() const { return kpp::is_batch_mode(args_); }

  // ---- objects ----
  void add_object(const std::string& name, std::shared_ptr<PrinterObject> obj);
  // nullptr when absent.
  PrinterObject* lookup_object(std::string_view name) const;
  // Throws ConfigError "Unknown config object '<name>'" when absent or of another type.
  template <class T>
  T& lookup(std::string_view name) const {
    T* p = dynamic_cast<T*>(lookup_object(name));
    if (!p) throw ConfigError(fmt_unknown(name));
    return *p;
  }
  template <class T>
  T* try_lookup(std::string_view name) const {
    return dynamic_cast<T*>(lookup_object(name));
  }
  template <class T>
  std::shared_ptr<T> lookup_shared(std::string_view name) const {
    auto it = objects_.find(std::string(name));
    return it == objects_.end() ? nullptr : std::dynamic_pointer_cast<T>(it->second);
  }
  // Objects whose name is `module` or starts with "module " (all objects if empty), in the
  // order they were added.
  std::vector<std::pair<std::string, PrinterObject*>> lookup_objects(
      std::string_view module = {}) const;
  // Load the object for config section `section` if not loaded yet. When no module handles it,
  // throws (required) or returns nullptr.
  PrinterObject* load_object(const ConfigWrapper& config, const std::string& section,
                             bool required = true);
  template <class T>
  T& load(const ConfigWrapper& config, const std::string& section) {
    T* p = dynamic_cast<T*>(load_object(config, section));
    if (!p) throw ConfigError(fmt_unknown(section));
    return *p;
  }

  // ---- events ----
  // Handlers take the exact argument types the sender names:
  //   printer.register_event_handler<double>("stepper_enable:motor_off", [](double t) {...});
  //   printer.send_event<double>("stepper_enable:motor_off", print_time);
  template <class... Args>
  void register_event_handler(const std::string& event,
                              std::function<void(std::type_identity_t<Args>...)> handler) {
    handlers_[event].push_back(std::function<void(Args...)>(std::move(handler)));
  }
  template <class... Args>
  void send_event(const std::string& event, std::type_identity_t<Args>... args) {
    auto it = handlers_.find(event);
    if (it == handlers_.end()) return;
    // Copy: a handler may register further handlers.
    auto list = it->second;
    for (auto& h : list) std::any_cast<std::function<void(Args...)>&>(h)(args...);
  }
  bool has_event_handlers(const std::string& event) const { return handlers_.count(event) > 0; }

  // ---- state ----
  // The state message and its class: "startup", "ready", "shutdown", "error".
  std::pair<std::string, std::string> get_state_message() const;
  bool is_shutdown() const { return in_shutdown_state_; }
  // Shut down the printer (heaters and motors off through the MCUs) and say why.
  void invoke_shutdown(const std::string& msg);
  // Thread-safe: shut down from another thread.
  void invoke_async_shutdown(const std::string& msg);
  // End run() with `result`: "exit", "error_exit", "restart" or "firmware_restart".
  void request_exit(const std::string& result);
  // Stats and identification lines added to the log at every rollover / at start-up; an
  // empty `info` removes the entry.
  void set_rollover_info(const std::string& name, const std::string& info, bool log = true);

  // Load the config, connect, run until request_exit(); returns the exit result.
  std::string run();
  // For hosts that drive the reactor themselves (the in-process test harness): the result
  // request_exit() was given ("" while running), and the end of run() after the reactor
  // stopped for it (firmware_restart and disconnect events); returns the result.
  const std::string& exit_result() const { return run_result_; }
  std::string finish_run();

  // The configuration (valid once run() read it).
  const ConfigWrapper& get_config() const;

 private:
  static std::string fmt_unknown(std::string_view name);
  void read_config();
  void connect(double eventtime);
  void set_state(const std::string& msg);

  Reactor& reactor_;
  StartArgs args_;
  std::map<std::string, std::shared_ptr<PrinterObject>> objects_;
  std::vector<std::string> object_order_;
  std::unordered_map<std::string, std::vector<std::any>> handlers_;
  std::unique_ptr<ConfigWrapper> config_;
  std::string state_message_;
  bool in_shutdown_state_ = false;
  std::string run_result_;
  std::map<std::string, std::string> rollover_info_;
};

}  // namespace kpp
