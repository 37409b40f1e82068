// [respond] (see respond.h).
#include "modules/respond.h"

#include <fmt/format.h>

#include <cctype>

namespace kpp {

namespace {
// TYPE= names and their prefixes; echo_no_space omits the space after the prefix.
const char* type_prefix(const std::string& type) {
  if (type == "echo" || type == "echo_no_space") return "echo:";
  if (type == "command") return "//";
  if (type == "error") return "!!";
  return nullptr;
}
}  // namespace

HostResponder::HostResponder(const ConfigWrapper& config) {
  std::string type = config.getchoice("default_type", {"echo", "command", "error"}, "echo");
  default_prefix_ = config.get("default_prefix", type_prefix(type));
  auto& gcode = config.get_printer().lookup<GCodeDispatch>("gcode");
  gcode.register_command("M118", [this](GCodeCommand& g) { cmd_m118(g); }, true);
  gcode.register_command("RESPOND", [this](GCodeCommand& g) { cmd_respond(g); }, true,
                         "Echo the message prepended with a prefix");
}

void HostResponder::cmd_m118(GCodeCommand& gcmd) {
  gcmd.respond_raw(fmt::format("{} {}", default_prefix_, gcmd.get_raw_command_parameters()));
}

void HostResponder::cmd_respond(GCodeCommand& gcmd) {
  std::string prefix = default_prefix_;
  bool no_space = false;
  if (auto type = gcmd.get_opt("TYPE")) {
    std::string t = *type;
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const char* p = type_prefix(t);
    if (!p)
      throw gcmd.error(fmt::format(
          "RESPOND TYPE '{}' is invalid. Must be one of 'echo', 'command', or 'error'", t));
    prefix = p;
    no_space = t == "echo_no_space";
  }
  prefix = gcmd.get("PREFIX", prefix);
  std::string msg = gcmd.get("MSG", "");
  gcmd.respond_raw(no_space ? prefix + msg : fmt::format("{} {}", prefix, msg));
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<HostResponder>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(respond, kpp::load, nullptr)
