// libFuzzer target: arbitrary bytes as a G-code macro template. Compiling may only throw
// TemplateSyntaxError (with a line, and a column or 0 when only the line is known); a template that compiles is rendered
// against a small Klipper-like context (params, rawparams, a printer mapping of JSON status, a
// host callable) under tight limits, and may only throw TemplateError. Two renders with fresh
// contexts must give the same output (rendering must not change the compiled program).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/json.h"
#include "template/template.h"

using namespace kpp;
using namespace kpp::tmpl;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// printer.<object>: JSON documents, as the gcode_macro module exposes get_status results.
class FakePrinter : public Mapping {
 public:
  bool lookup(std::string_view key, Value& out) override {
    static const auto toolhead = std::make_shared<const Json>(Json::parse(
        R"({"homed_axes": "xy", "position": [1.5, 2.0, 3.25, 0.0], "max_velocity": 300})"));
    static const auto macro = std::make_shared<const Json>(
        Json::parse(R"({"count": 3, "names": ["a", "b"], "nested": {"x": null, "y": true}})"));
    if (key == "toolhead") {
      out = Value::from_json(toolhead);
      return true;
    }
    if (key == "gcode_macro M") {
      out = Value::from_json(macro);
      return true;
    }
    return false;
  }
  std::vector<std::string> key_list() override { return {"toolhead", "gcode_macro M"}; }
};

Context make_context() {
  Context ctx;
  ctx.limits.max_output = 64 << 10;
  ctx.limits.max_steps = 20'000;
  ctx.limits.max_container = 16 << 10;
  ctx.limits.max_call_depth = 20;
  Dict params;
  params.set("S", Value("200"));
  params.set("NAME", Value("foo bar"));
  ctx.set("params", Value::dict(std::move(params)));
  ctx.set("rawparams", Value("S=200 NAME=\"foo bar\""));
  ctx.set("printer", Value::object(std::make_shared<FakePrinter>()));
  ctx.set("action_respond_info", Value::function("action_respond_info", [](CallArgs& args) {
            if (!args.args.empty()) (void)args.args[0].str();
            return Value("");
          }));
  return ctx;
}

std::string render_once(const Template& t) {
  try {
    return t.render(make_context());
  } catch (const TemplateError& e) {
    check(!e.type().empty());
    return std::string("!! ") + e.what();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  Template t;
  try {
    t = Template::compile("gcode_macro FUZZ:gcode", source);
  } catch (const TemplateSyntaxError& e) {
    if (e.line() < 1 || e.column() < 0 || e.message().empty()) {
      std::fprintf(stderr, "bad syntax error: line %d column %d '%s'\n", e.line(), e.column(),
                   e.message().c_str());
      std::abort();
    }
    return 0;
  }
  check(t.source() == source);
  std::string first = render_once(t);
  // The random filter is the one legitimate source of different outputs.
  if (source.find("random") == std::string_view::npos) {
    std::string second = render_once(t);
    if (second != first) {
      std::fprintf(stderr, "renders differ:\n[%s]\n[%s]\n", first.c_str(), second.c_str());
      std::abort();
    }
  }
  return 0;
}
