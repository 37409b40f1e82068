// [gcode_macro NAME]: G-code commands written as templates, and the template environment every
// module that runs templates shares (the "gcode_macro" object, as in Klipper).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "template/template.h"

namespace kpp {

class PrinterGCodeMacro;

// One template option of a config section ("gcode_macro FOO:gcode"): compiled when the config is
// loaded (a syntax error is a config error), rendered at run time (a failure is a G-code error and
// no G-code of the template runs).
class MacroTemplate {
 public:
  MacroTemplate(PrinterGCodeMacro& env, std::string name, const std::string& script);
  // The context Klipper gives every template: printer, action_* functions.
  [[nodiscard]] tmpl::Context create_context() const;
  // Adds (replacing same-named variables) that context to `ctx`.
  void add_context(tmpl::Context& ctx) const;
  // Throws CommandError "Error evaluating '<name>': <Python exception>".
  [[nodiscard]] std::string render(const tmpl::Context& ctx) const;
  [[nodiscard]] std::string render() const { return render(create_context()); }
  // Render, then run the result as G-code lines of the running command.
  void run_gcode_from_command(const tmpl::Context& ctx) const;
  [[nodiscard]] const std::string& name() const { return template_.name(); }

 private:
  PrinterGCodeMacro& env_;
  tmpl::Template template_;
};

// The "gcode_macro" object: compiles templates and builds their context.
class PrinterGCodeMacro : public PrinterObject {
 public:
  explicit PrinterGCodeMacro(const ConfigWrapper& config);
  // Compile option `option` of `config` (required unless `def` is given).
  [[nodiscard]] MacroTemplate load_template(const ConfigWrapper& config, std::string_view option,
                                            std::optional<std::string> def = {});
  // printer (status of every object, read once per render), action_respond_info,
  // action_raise_error, action_emergency_stop, action_call_remote_method.
  [[nodiscard]] tmpl::Context create_template_context(std::optional<double> eventtime = {});
  void add_template_context(tmpl::Context& ctx, std::optional<double> eventtime = {});
  Printer& get_printer() { return printer_; }

 private:
  Printer& printer_;
  tmpl::Value respond_info_, raise_error_, emergency_stop_, call_remote_method_;
};

// Named values as a JSON object for a status (values JSON cannot hold become null).
using MacroVariables = std::vector<std::pair<std::string, tmpl::Value>>;
Json variables_status(const MacroVariables& vars);

// Loads (once) and returns the shared "gcode_macro" object.
PrinterGCodeMacro& load_gcode_macro(const ConfigWrapper& config);

// [gcode_macro NAME]
class GCodeMacro : public PrinterObject {
 public:
  explicit GCodeMacro(const ConfigWrapper& config);
  Json get_status(double eventtime) override;

 private:
  void handle_connect();
  void cmd(GCodeCommand& gcmd);
  void cmd_set_gcode_variable(GCodeCommand& gcmd);

  Printer& printer_;
  GCodeDispatch& gcode_;
  std::string alias_;
  std::optional<std::string> rename_existing_;
  std::string desc_;
  MacroTemplate template_;
  // variable_* options: the values the template sees.
  MacroVariables variables_;
  bool in_script_ = false;
};

}  // namespace kpp
