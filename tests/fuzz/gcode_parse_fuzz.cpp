// libFuzzer target: the G-code line parser and the extended-parameter parser, through a real
// GCodeDispatch with a few registered commands. Only CommandError may come out of a line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/gcode.h"
#include "core/printer.h"

namespace {

struct Harness {
  kpp::Reactor reactor{kpp::make_virtual_time_source()};
  kpp::Printer printer{reactor, kpp::StartArgs{}};
  kpp::GCodeDispatch& gcode = printer.lookup<kpp::GCodeDispatch>("gcode");
  Harness() {
    gcode.register_command("G1", [](kpp::GCodeCommand& g) {
      g.get_float("X", 0.);
      g.get_float("Y", 0., kpp::FloatLimits{.minval = -1e9});
      g.get_int("S", 0);
    });
    gcode.register_command("SET_THING", [](kpp::GCodeCommand& g) {
      g.get("NAME", "");
      g.get_float("VALUE", 0., kpp::FloatLimits{.above = 0.});
      g.get_raw_command_parameters();
    });
    gcode.register_mux_command("SET_MUX", "KEY", "a", [](kpp::GCodeCommand& g) { g.get("X", ""); });
    gcode.register_mux_command("SET_MUX", "KEY", "", [](kpp::GCodeCommand&) {});
    gcode.register_output_handler([](const std::string&) {});
    printer.send_event("klippy:ready");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness h;
  std::string text(reinterpret_cast<const char*>(data), size);
  // Every line through the dispatcher (errors are answered, not thrown)...
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    auto nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  for (auto& line : lines) {
    // M112 would shut the harness down for every later input; test it elsewhere.
    if (line.find("112") != std::string::npos) continue;
    h.gcode.process_commands({line});
  }
  // ...and scripts run from a command raise CommandError only.
  try {
    h.gcode.run_script(text.find("112") == std::string::npos ? text : std::string());
  } catch (const kpp::CommandError&) {
  }
  return 0;
}
