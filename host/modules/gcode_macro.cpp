// [gcode_macro NAME] and the shared template environment (see gcode_macro.h).
#include "modules/gcode_macro.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/logging.h"
#include "core/webhooks.h"
#include "template/pyliteral.h"

namespace kpp {

namespace {

std::string_view strip_ws(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n\v\f");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n\v\f");
  return s.substr(b, e - b + 1);
}

// Status fields that Klipper returns as its Coord named tuple, so that macros can write
// printer.toolhead.position.x. Our objects report them as JSON arrays [x, y, z, e].
struct CoordFields {
  const char* object;
  std::vector<std::string_view> fields;
};
const std::vector<CoordFields>& coord_fields() {
  static const std::vector<CoordFields> table = {
      {"toolhead", {"position", "axis_minimum", "axis_maximum"}},
      {"gcode_move", {"homing_origin", "position", "gcode_position"}},
      {"motion_report", {"live_position"}},
  };
  return table;
}

const std::shared_ptr<const tmpl::TupleType>& coord_type() {
  static const auto type =
      std::make_shared<const tmpl::TupleType>(tmpl::TupleType{"Coord", {"x", "y", "z", "e"}});
  return type;
}

// The status of one object as a template value: a read-only view of the JSON document, with
// coordinates as named tuples where Klipper has them.
tmpl::Value status_value(std::string_view name, Json status) {
  auto doc = std::make_shared<const Json>(std::move(status));
  const std::vector<std::string_view>* coords = nullptr;
  for (const auto& c : coord_fields())
    if (name == c.object) coords = &c.fields;
  if (!coords || !doc->is_object()) return tmpl::Value::from_json(doc);
  auto owner = std::static_pointer_cast<const void>(doc);
  tmpl::Dict d;
  for (auto it = doc->begin(); it != doc->end(); ++it) {
    const Json& v = it.value();
    bool is_coord = std::find(coords->begin(), coords->end(), it.key()) != coords->end() &&
                    v.is_array() && v.size() == 4 &&
                    std::all_of(v.begin(), v.end(), [](const Json& x) { return x.is_number(); });
    if (is_coord) {
      tmpl::List items;
      for (const auto& x : v) items.emplace_back(x.get<double>());
      d.set(it.key(), tmpl::Value::named_tuple(coord_type(), std::move(items)));
    } else {
      d.set(it.key(), tmpl::Value::json_node(owner, &v));
    }
  }
  return tmpl::Value::dict(std::move(d));
}

// Klipper's GetStatusWrapper: printer.<name> and printer["<name>"] ask the object for its status
// once per render (at one event time), so a macro sees a consistent snapshot.
class PrinterStatus : public tmpl::Mapping {
 public:
  explicit PrinterStatus(Printer& printer) : printer_(printer) {}
  PrinterStatus(Printer& printer, double eventtime) : printer_(printer), eventtime_(eventtime) {}

  [[nodiscard]] std::string type_repr() const override {
    return "extras.gcode_macro.GetStatusWrapper object";
  }
  bool lookup(std::string_view key, tmpl::Value& out) override {
    std::string name(strip_ws(key));
    for (const auto& [n, v] : cache_)
      if (n == name) {
        out = v;
        return true;
      }
    PrinterObject* obj = printer_.lookup_object(name);
    if (!obj) return false;
    if (!eventtime_) eventtime_ = printer_.get_reactor().monotonic();
    Json status = obj->get_status(*eventtime_);
    if (status.is_null()) return false;  // an object without status
    out = status_value(name, std::move(status));
    cache_.emplace_back(std::move(name), out);
    return true;
  }
  std::vector<std::string> key_list() override {
    std::vector<std::string> names;
    tmpl::Value ignored;
    for (const auto& [name, obj] : printer_.lookup_objects())
      if (lookup(name, ignored)) names.push_back(name);
    return names;
  }

 private:
  Printer& printer_;
  std::optional<double> eventtime_;
  std::vector<std::pair<std::string, tmpl::Value>> cache_;
};

// "Option 'x' ... is not a valid literal": Python literal that JSON can hold.
tmpl::Value parse_json_literal(std::string_view text) {
  tmpl::Value v = tmpl::literal_eval(text);
  try {
    (void)v.to_json();
  } catch (const tmpl::TemplateError& e) {
    throw tmpl::LiteralError(e.message());
  }
  return v;
}

}  // namespace

// ---- MacroTemplate ----

MacroTemplate::MacroTemplate(PrinterGCodeMacro& env, std::string name, const std::string& script)
    : env_(env) {
  try {
    template_ = tmpl::Template::compile(name, script);
  } catch (const tmpl::TemplateSyntaxError& e) {
    // Klipper's text: the line of the script and Jinja2's message.
    std::vector<std::string_view> lines;
    std::string_view rest(script);
    for (;;) {
      size_t nl = rest.find('\n');
      lines.push_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    std::string_view text =
        e.line() >= 1 && static_cast<size_t>(e.line()) <= lines.size() ? lines[e.line() - 1] : "";
    throw ConfigError(fmt::format("Error loading template '{}'\nline {}: {} # {}", name, e.line(),
                                  text, e.message()));
  }
}

tmpl::Context MacroTemplate::create_context() const { return env_.create_template_context(); }

void MacroTemplate::add_context(tmpl::Context& ctx) const { env_.add_template_context(ctx); }

std::string MacroTemplate::render(const tmpl::Context& ctx) const {
  auto fail = [&](const std::string& what) {
    std::string msg = fmt::format("Error evaluating '{}': {}", name(), what);
    log::warning("{}", msg);
    return CommandError(msg);
  };
  try {
    return template_.render(ctx);
  } catch (const tmpl::TemplateError& e) {
    throw fail(e.what());
  } catch (const CommandError& e) {
    // action_raise_error(): Python prints the exception's class as gcode.CommandError.
    throw fail(std::string("gcode.CommandError: ") + e.what());
  }
}

void MacroTemplate::run_gcode_from_command(const tmpl::Context& ctx) const {
  std::string script = render(ctx);
  env_.get_printer().lookup<GCodeDispatch>("gcode").run_script_from_command(script);
}

// ---- PrinterGCodeMacro ----

PrinterGCodeMacro::PrinterGCodeMacro(const ConfigWrapper& config) : printer_(config.get_printer()) {
  Printer* printer = &printer_;
  respond_info_ = tmpl::Value::function("action_respond_info", [printer](tmpl::CallArgs& args) {
    args.check("_action_respond_info", 1, {"msg"});
    const tmpl::Value& msg = args.need(0, "msg", "_action_respond_info");
    printer->lookup<GCodeDispatch>("gcode").respond_info(msg.str());
    return tmpl::Value("");
  });
  raise_error_ = tmpl::Value::function("action_raise_error", [](tmpl::CallArgs& args) -> tmpl::Value {
    args.check("_action_raise_error", 1, {"msg"});
    throw CommandError(args.need(0, "msg", "_action_raise_error").str());
  });
  emergency_stop_ =
      tmpl::Value::function("action_emergency_stop", [printer](tmpl::CallArgs& args) {
        args.check("_action_emergency_stop", 1, {"msg"});
        tmpl::Value msg = args.get(0, "msg", tmpl::Value("action_emergency_stop"));
        printer->invoke_shutdown("Shutdown due to " + msg.str());
        return tmpl::Value("");
      });
  // Sends the keyword arguments to the API clients that registered `method`; failures (no such
  // method, no client) are logged, not raised, as in Klipper.
  call_remote_method_ =
      tmpl::Value::function("action_call_remote_method", [printer](tmpl::CallArgs& args) {
        if (args.args.size() != 1 || !args.args[0].is_str())
          throw tmpl::TemplateError(tmpl::err::kType,
                                    "_action_call_remote_method() takes 1 positional argument "
                                    "(the method name) and keyword arguments");
        Json kwargs = Json::object();
        for (const auto& [key, value] : args.kwargs) kwargs[key] = value.to_json();
        auto* webhooks = printer->try_lookup<WebHooks>("webhooks");
        try {
          if (!webhooks) throw CommandError("webhooks not available");
          webhooks->call_remote_method(args.args[0].as_str(), kwargs);
        } catch (const CommandError& e) {
          log::error("Remote Call Error: {}", e.what());
        }
        return tmpl::Value("");
      });
}

MacroTemplate PrinterGCodeMacro::load_template(const ConfigWrapper& config,
                                               std::string_view option,
                                               std::optional<std::string> def) {
  std::string name = fmt::format("{}:{}", config.get_name(), option);
  std::string script = def ? config.get(option, *def) : config.get(option);
  return MacroTemplate(*this, std::move(name), script);
}

tmpl::Context PrinterGCodeMacro::create_template_context(std::optional<double> eventtime) {
  tmpl::Context ctx;
  add_template_context(ctx, eventtime);
  return ctx;
}

void PrinterGCodeMacro::add_template_context(tmpl::Context& ctx, std::optional<double> eventtime) {
  auto status = eventtime ? std::make_shared<PrinterStatus>(printer_, *eventtime)
                          : std::make_shared<PrinterStatus>(printer_);
  ctx.set("printer", tmpl::Value::object(std::move(status)));
  ctx.set("action_emergency_stop", emergency_stop_);
  ctx.set("action_respond_info", respond_info_);
  ctx.set("action_raise_error", raise_error_);
  ctx.set("action_call_remote_method", call_remote_method_);
}

PrinterGCodeMacro& load_gcode_macro(const ConfigWrapper& config) {
  return config.get_printer().load<PrinterGCodeMacro>(config, "gcode_macro");
}

// ---- GCodeMacro ----

namespace {
std::string macro_name(const ConfigWrapper& config) {
  std::string_view full = config.get_name();
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < full.size()) {
    while (i < full.size() && std::isspace(static_cast<unsigned char>(full[i]))) i++;
    size_t start = i;
    while (i < full.size() && !std::isspace(static_cast<unsigned char>(full[i]))) i++;
    if (i > start) words.push_back(full.substr(start, i - start));
  }
  if (words.size() > 2)
    throw config.error(fmt::format("Name of section '{}' contains illegal whitespace", full));
  return std::string(words.at(1));
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

GCodeMacro::GCodeMacro(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      gcode_(printer_.lookup<GCodeDispatch>("gcode")),
      alias_(upper(macro_name(config))),
      template_(load_gcode_macro(config).load_template(config, "gcode")) {
  std::string name = macro_name(config);
  rename_existing_ = config.get_opt("rename_existing");
  desc_ = config.get("description", "G-Code macro");
  if (rename_existing_) {
    if (GCodeDispatch::is_traditional_gcode(alias_) !=
        GCodeDispatch::is_traditional_gcode(*rename_existing_))
      throw config.error(fmt::format("G-Code macro rename of different types ('{}' vs '{}')",
                                     alias_, *rename_existing_));
    printer_.register_event_handler<>("klippy:connect", [this] { handle_connect(); });
  } else {
    gcode_.register_command(alias_, [this](GCodeCommand& g) { cmd(g); }, false, desc_);
  }
  gcode_.register_mux_command("SET_GCODE_VARIABLE", "MACRO", name,
                              [this](GCodeCommand& g) { cmd_set_gcode_variable(g); },
                              "Set the value of a G-Code macro variable");
  for (const std::string& option : config.get_prefix_options("variable_")) {
    try {
      variables_.emplace_back(option.substr(9), parse_json_literal(config.get(option)));
    } catch (const tmpl::LiteralError& e) {
      throw config.error(fmt::format("Option '{}' in section '{}' is not a valid literal: {}",
                                     option, config.get_name(), e.what()));
    }
  }
}

void GCodeMacro::handle_connect() {
  auto prev = gcode_.unregister_command(alias_);
  if (!prev)
    throw ConfigError(
        fmt::format("Existing command '{}' not found in gcode_macro rename", alias_));
  gcode_.register_command(*rename_existing_, prev->handler, false,
                          fmt::format("Renamed builtin of '{}'", alias_));
  gcode_.register_command(alias_, [this](GCodeCommand& g) { cmd(g); }, false, desc_);
}

Json variables_status(const MacroVariables& vars) {
  Json status = Json::object();
  for (const auto& [name, value] : vars) {
    try {
      status[name] = value.to_json();
    } catch (const tmpl::TemplateError&) {
      status[name] = nullptr;
    }
  }
  return status;
}

// Built on each request: a macro may change a list or dict variable in place (as in Klipper,
// where the status is the live variables dict).
Json GCodeMacro::get_status(double) { return variables_status(variables_); }

void GCodeMacro::cmd_set_gcode_variable(GCodeCommand& gcmd) {
  std::string variable = gcmd.get("VARIABLE");
  std::string value = gcmd.get("VALUE");
  auto it = std::find_if(variables_.begin(), variables_.end(),
                         [&](const auto& v) { return v.first == variable; });
  if (it == variables_.end())
    throw gcmd.error(fmt::format("Unknown gcode_macro variable '{}'", variable));
  try {
    it->second = parse_json_literal(value);
  } catch (const tmpl::LiteralError& e) {
    throw gcmd.error(fmt::format("Unable to parse '{}' as a literal: {} in '{}'", value, e.what(),
                                 gcmd.get_commandline()));
  }
}

void GCodeMacro::cmd(GCodeCommand& gcmd) {
  if (in_script_) throw gcmd.error(fmt::format("Macro {} called recursively", alias_));
  // Variables first: the printer and action_* names of the context take precedence, as in
  // Klipper's dict update.
  tmpl::Context full;
  for (const auto& [name, value] : variables_) full.set(name, value);
  template_.add_context(full);
  tmpl::Dict params;
  for (const auto& [key, value] : gcmd.get_command_parameters()) params.set(key, tmpl::Value(value));
  full.set("params", tmpl::Value::dict(std::move(params)));
  full.set("rawparams", tmpl::Value(gcmd.get_raw_command_parameters()));
  in_script_ = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{in_script_};
  template_.run_gcode_from_command(full);
}

namespace {
std::shared_ptr<PrinterObject> load_env(ConfigWrapper& config) {
  return std::make_shared<PrinterGCodeMacro>(config);
}
std::shared_ptr<PrinterObject> load_macro(ConfigWrapper& config) {
  return std::make_shared<GCodeMacro>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(gcode_macro, kpp::load_env, kpp::load_macro)
