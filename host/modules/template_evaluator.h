// Display templates driving outputs (Klipper's output_pin.py PrinterTemplateEvaluator): SET_PIN,
// SET_FAN_SPEED and SET_LED_TEMPLATE take TEMPLATE=<display_template> [PARAM_X=<literal>]; the
// template is rendered every 0.5 s with the printer's status and its text handed to the output.
// One printer object ("template_evaluator") serves every output.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "core/reactor.h"
#include "modules/display_layout.h"

namespace kpp {

class PrinterGCodeMacro;

class TemplateEvaluator : public PrinterObject {
 public:
  using Callback = std::function<void(const std::string& text)>;
  using Flush = std::function<void()>;

  // The printer's evaluator, created (with the [display_template] sections) on first use.
  static TemplateEvaluator& lookup(const ConfigWrapper& config);
  explicit TemplateEvaluator(const ConfigWrapper& config);

  // TEMPLATE=<name> of `gcmd` (with its PARAM_* values) now drives the output `key` through
  // `callback`; an empty TEMPLATE stops it. `flush`, keyed by `flush_key`, runs once after each
  // round of renders that reached one of its outputs (an LED chain sends all its LEDs at once).
  // CommandError for an unknown template or parameter, or a value that is not a literal.
  void set_template(GCodeCommand& gcmd, const void* key, Callback callback, Flush flush = {},
                    const void* flush_key = nullptr);

 private:
  struct Active {
    const display::DisplayTemplate* tpl;
    std::vector<std::pair<std::string, tmpl::Value>> params;
    std::string cache_key;  // template and params: equal keys render once per round
    Callback callback;
    Flush flush;
    const void* flush_key;
  };
  double render(double eventtime);

  Printer& printer_;
  PrinterGCodeMacro& gcode_macro_;
  std::map<std::string, display::DisplayTemplate> templates_;
  std::map<const void*, Active> active_;
  Reactor::Timer* timer_ = nullptr;
};

}  // namespace kpp
