// Printer: object registry, events, start-up sequence and state, after Klipper's klippy.py.
#include "core/printer.h"

#include <algorithm>

#include "core/logging.h"

namespace kpp {

const char* const Printer::kMessageReady = "Printer is ready";
const char* const Printer::kMessageStartup =
    "Printer is not ready\n"
    "The klippy host software is attempting to connect.  Please\n"
    "retry in a few moments.\n";
const char* const Printer::kMessageRestart =
    "Once the underlying issue is corrected, use the \"RESTART\"\n"
    "command to reload the config and restart the host software.\n"
    "Printer is halted\n";
const char* const Printer::kMessageProtocolError =
    "This is frequently caused by running an older version of the\n"
    "firmware on the MCU(s). Fix by recompiling and flashing the\n"
    "firmware.\n"
    "Once the underlying issue is corrected, use the \"RESTART\"\n"
    "command to reload the config and restart the host software.\n"
    "Protocol error connecting to printer\n";
const char* const Printer::kMessageMcuConnectError =
    "Once the underlying issue is corrected, use the\n"
    "\"FIRMWARE_RESTART\" command to reset the firmware, reload the\n"
    "config, and restart the host software.\n"
    "Error configuring printer\n";
const char* const Printer::kMessageShutdown =
    "Once the underlying issue is corrected, use the\n"
    "\"FIRMWARE_RESTART\" command to reset the firmware, reload the\n"
    "config, and restart the host software.\n"
    "Printer is shutdown\n";

bool is_batch_mode(const StartArgs& a) { return !a.debug_output.empty(); }

// ---- registries ----------------------------------------------------------------------------

namespace {

std::map<std::string, ModuleInfo, std::less<>>& module_table() {
  static std::map<std::string, ModuleInfo, std::less<>> table;
  return table;
}

struct HookEntry {
  StartupPhase phase;
  int order;
  StartupHook hook;
};

std::vector<HookEntry>& hook_table() {
  static std::vector<HookEntry> table;
  return table;
}

}  // namespace

void register_module(std::string name, ModuleLoader load, ModuleLoader load_prefix) {
  auto& info = module_table()[std::move(name)];
  if (load) info.load = std::move(load);
  if (load_prefix) info.load_prefix = std::move(load_prefix);
}

const ModuleInfo* find_module(std::string_view name) {
  auto& t = module_table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

void register_startup_hook(StartupPhase phase, int order, StartupHook hook) {
  hook_table().push_back({phase, order, std::move(hook)});
}

namespace {

void run_hooks(StartupPhase phase, Printer& printer, const ConfigWrapper* config) {
  std::vector<const HookEntry*> hooks;
  for (auto& h : hook_table())
    if (h.phase == phase) hooks.push_back(&h);
  std::stable_sort(hooks.begin(), hooks.end(),
                   [](const HookEntry* a, const HookEntry* b) { return a->order < b->order; });
  for (auto* h : hooks) h->hook(printer, config);
}

}  // namespace

// ---- Printer -------------------------------------------------------------------------------

Printer::Printer(Reactor& reactor, StartArgs args)
    : reactor_(reactor), args_(std::move(args)), state_message_(kMessageStartup) {
  reactor_.set_exception_handler([this](const std::exception& e) {
    log::error("Unhandled exception during run: {}", e.what());
    invoke_shutdown("Unhandled exception during run");
  });
  reactor_.register_callback([this](double eventtime) { connect(eventtime); });
  run_hooks(StartupPhase::kEarly, *this, nullptr);
}

Printer::~Printer() {
  // Handlers suspended in a pause still reference objects: unwind them while objects live.
  reactor_.close_fibers();
  reactor_.set_exception_handler({});
  handlers_.clear();
  // Destroy objects in reverse creation order (later objects may reference earlier ones).
  for (auto it = object_order_.rbegin(); it != object_order_.rend(); ++it) objects_.erase(*it);
}

std::string Printer::fmt_unknown(std::string_view name) {
  return fmt::format("Unknown config object '{}'", name);
}

void Printer::add_object(const std::string& name, std::shared_ptr<PrinterObject> obj) {
  if (objects_.count(name)) throw ConfigError(fmt::format("Printer object '{}' already created", name));
  objects_[name] = std::move(obj);
  object_order_.push_back(name);
}

PrinterObject* Printer::lookup_object(std::string_view name) const {
  auto it = objects_.find(std::string(name));
  return it == objects_.end() ? nullptr : it->second.get();
}

std::vector<std::pair<std::string, PrinterObject*>> Printer::lookup_objects(
    std::string_view module) const {
  std::vector<std::pair<std::string, PrinterObject*>> out;
  if (module.empty()) {
    for (auto& n : object_order_) out.emplace_back(n, objects_.at(n).get());
    return out;
  }
  std::string prefix = std::string(module) + " ";
  auto exact = objects_.find(std::string(module));
  if (exact != objects_.end()) out.emplace_back(exact->first, exact->second.get());
  for (auto& n : object_order_)
    if (n.starts_with(prefix)) out.emplace_back(n, objects_.at(n).get());
  return out;
}

PrinterObject* Printer::load_object(const ConfigWrapper& config, const std::string& section,
                                    bool required) {
  if (auto* existing = lookup_object(section)) return existing;
  auto space = section.find(' ');
  std::string module_name = section.substr(0, space);
  const ModuleInfo* info = find_module(module_name);
  const ModuleLoader* loader = nullptr;
  if (info) loader = space == std::string::npos ? &info->load : &info->load_prefix;
  if (!loader || !*loader) {
    if (!required) return nullptr;
    throw ConfigError(fmt::format("Unable to load module '{}'", section));
  }
  ConfigWrapper section_config = config.getsection(section);
  auto obj = (*loader)(section_config);
  // A loader may have registered the object itself (e.g. under another name); keep the first.
  if (!lookup_object(section)) add_object(section, std::move(obj));
  return lookup_object(section);
}

void Printer::read_config() {
  auto file = ConfigFile::load(args_.config_file);
  auto tracker = std::make_shared<ConfigAccessTracker>();
  config_ = std::make_unique<ConfigWrapper>(*this, file, tracker, "printer");
  run_hooks(StartupPhase::kBeforeSections, *this, config_.get());
  for (auto& section : config_->get_prefix_sections(""))
    load_object(*config_, section.get_name(), false);
  run_hooks(StartupPhase::kAfterSections, *this, config_.get());
  run_hooks(StartupPhase::kValidate, *this, config_.get());
}

const ConfigWrapper& Printer::get_config() const {
  if (!config_) throw std::logic_error("printer: config not loaded yet");
  return *config_;
}

void Printer::connect(double /*eventtime*/) {
  try {
    read_config();
    send_event("klippy:mcu_identify");
    auto it = handlers_.find("klippy:connect");
    if (it != handlers_.end()) {
      auto list = it->second;
      for (auto& h : list) {
        if (state_message_ != kMessageStartup) return;
        std::any_cast<std::function<void()>&>(h)();
      }
    }
  } catch (const ConfigError& e) {
    log::error("Config error: {}", e.what());
    set_state(fmt::format("{}\n{}", e.what(), kMessageRestart));
    return;
  } catch (const McuError& e) {
    log::error("MCU error during connect: {}", e.what());
    set_state(fmt::format("{}\n{}", e.what(), kMessageMcuConnectError));
    return;
  } catch (const std::exception& e) {
    log::error("Unhandled exception during connect: {}", e.what());
    set_state(fmt::format("Internal error during connect: {}\n{}", e.what(), kMessageRestart));
    return;
  }
  try {
    set_state(kMessageReady);
    auto it = handlers_.find("klippy:ready");
    if (it != handlers_.end()) {
      auto list = it->second;
      for (auto& h : list) {
        if (state_message_ != kMessageReady) return;
        std::any_cast<std::function<void()>&>(h)();
      }
    }
  } catch (const std::exception& e) {
    log::error("Unhandled exception during ready callback: {}", e.what());
    invoke_shutdown(fmt::format("Internal error during ready callback: {}", e.what()));
  }
}

void Printer::set_state(const std::string& msg) {
  if (state_message_ == kMessageReady || state_message_ == kMessageStartup) state_message_ = msg;
  // Batch mode: anything but "ready" ends the run with an error.
  if (msg != kMessageReady && !args_.debug_input.empty()) request_exit("error_exit");
}

std::pair<std::string, std::string> Printer::get_state_message() const {
  std::string category;
  if (state_message_ == kMessageReady)
    category = "ready";
  else if (state_message_ == kMessageStartup)
    category = "startup";
  else if (in_shutdown_state_)
    category = "shutdown";
  else
    category = "error";
  return {state_message_, category};
}

void Printer::invoke_shutdown(const std::string& msg) {
  if (in_shutdown_state_) return;
  log::error("Transition to shutdown state: {}", msg);
  in_shutdown_state_ = true;
  set_state(fmt::format("{}\n{}", msg, kMessageShutdown));  // the advice starts on its own line
  auto it = handlers_.find("klippy:shutdown");
  if (it == handlers_.end()) return;
  auto list = it->second;
  for (auto& h : list) {
    try {
      std::any_cast<std::function<void()>&>(h)();
    } catch (const std::exception& e) {
      log::error("Exception during shutdown handler: {}", e.what());
    }
  }
}

void Printer::invoke_async_shutdown(const std::string& msg) {
  reactor_.register_async_callback([this, msg](double) { invoke_shutdown(msg); });
}

void Printer::request_exit(const std::string& result) {
  if (run_result_.empty()) run_result_ = result;
  reactor_.end();
}

void Printer::set_rollover_info(const std::string& name, const std::string& info, bool log) {
  if (log && !info.empty()) log::info("{}", info);
  // An empty text removes the entry (e.g. an API client that disconnected).
  if (info.empty())
    rollover_info_.erase(name);
  else
    rollover_info_[name] = info;
}

std::string Printer::run() {
  log::info("Start printer at {:.1f}", reactor_.monotonic());
  reactor_.run();
  return finish_run();
}

std::string Printer::finish_run() {
  std::string result = run_result_;
  auto post_run = [this, result] {
    try {
      if (result == "firmware_restart") send_event("klippy:firmware_restart");
      send_event("klippy:disconnect");
    } catch (const std::exception& e) {
      log::error("Unhandled exception during post run: {}", e.what());
    }
  };
  if (is_batch_mode()) {
    post_run();
    return result;
  }
  // The restart handlers wait (a reset command must reach the MCU before the link closes):
  // run them inside the loop, so that waits let the MCU links work (in virtual time nothing
  // else would move them).
  reactor_.register_callback([this, post_run](double) {
    post_run();
    reactor_.end();
  });
  reactor_.run();
  return result;
}

}  // namespace kpp
