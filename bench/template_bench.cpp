// Macro language speed: compiling and rendering a realistic PRINT_START macro (the shape of the
// Voron and Prusa start macros users run at the beginning of every print).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "core/json.h"
#include "template/template.h"

namespace {

using namespace kpp;
using namespace kpp::tmpl;

const char* kPrintStart = R"({% set bed_temp = params.BED|default(60)|float %}
{% set extruder_temp = params.EXTRUDER|default(215)|float %}
{% set chamber_temp = params.CHAMBER|default(0)|int %}
{% set max_x = printer.configfile.settings.stepper_x.position_max %}
{% set max_y = printer.configfile.settings.stepper_y.position_max %}
{% set svv = printer.save_variables.variables %}
{ action_respond_info("Starting print: bed %.1f, nozzle %.1f" % (bed_temp, extruder_temp)) }
M140 S{bed_temp}
M104 S{(extruder_temp * 0.75)|round(0)}
{% if printer.toolhead.homed_axes != "xyz" %}
  G28
{% endif %}
{% if chamber_temp > 0 %}
  TEMPERATURE_WAIT SENSOR="temperature_sensor chamber" MINIMUM={chamber_temp}
{% endif %}
BED_MESH_PROFILE LOAD={svv.mesh|default("default")}
SET_GCODE_OFFSET Z={svv.z_offset|default(0)|float}
G90
G1 X{max_x / 2} Y{max_y / 2} Z10 F{printer["gcode_macro _CONFIG"].travel_speed * 60}
M190 S{bed_temp}
M109 S{extruder_temp}
{% set ns = namespace(lines=0) %}
{% for x in range(3) %}
  {% set ns.lines = ns.lines + 1 %}
  G1 X{5 + x * 0.4} Y5 Z0.3 F{3000}
  G1 Y{max_y - 5} E{"%.3f" % ((max_y - 10) * 0.04)} F1500
{% endfor %}
{% if printer.extruder.temperature < extruder_temp - 5 %}
  { action_respond_info("Nozzle still heating: %.1f" % printer.extruder.temperature) }
{% endif %}
M117 Printing {params.FILE|default("unknown")|upper} ({ns.lines} prime lines)
G92 E0)";

// Klipper's `printer` object: status documents looked up by name, each a zero-copy JSON view.
class Printer : public Mapping {
 public:
  Printer() {
    add("toolhead", R"({"homed_axes": "xyz", "position": [100.0, 100.0, 10.0, 0.0],
                        "max_velocity": 300.0, "max_accel": 3000.0})");
    add("extruder", R"({"temperature": 214.2, "target": 215.0, "power": 0.4})");
    add("heater_bed", R"({"temperature": 59.8, "target": 60.0, "power": 0.2})");
    add("save_variables", R"({"variables": {"mesh": "pla", "z_offset": -0.05}})");
    add("gcode_macro _CONFIG", R"({"travel_speed": 250, "prime": true})");
    add("configfile", R"({"settings": {"stepper_x": {"position_max": 300.0},
                                       "stepper_y": {"position_max": 305.0},
                                       "printer": {"kinematics": "corexy"}}})");
  }
  bool lookup(std::string_view key, Value& out) override {
    for (const auto& [name, status] : objects_) {
      if (name == key) {
        out = Value::from_json(status);
        return true;
      }
    }
    return false;
  }
  std::vector<std::string> key_list() override {
    std::vector<std::string> keys;
    for (const auto& [name, status] : objects_) keys.push_back(name);
    return keys;
  }

 private:
  void add(std::string name, const char* json) {
    objects_.emplace_back(std::move(name), std::make_shared<const Json>(Json::parse(json)));
  }
  std::vector<std::pair<std::string, std::shared_ptr<const Json>>> objects_;
};

Context make_context(int* responses) {
  Context ctx;
  Dict params;
  params.set("BED", Value("60"));
  params.set("EXTRUDER", Value("220"));
  params.set("FILE", Value("benchy.gcode"));
  ctx.set("params", Value::dict(std::move(params)));
  ctx.set("rawparams", Value("BED=60 EXTRUDER=220 FILE=benchy.gcode"));
  ctx.set("printer", Value::object(std::make_shared<Printer>()));
  ctx.set("action_respond_info", Value::function("action_respond_info", [responses](CallArgs&) {
            ++*responses;
            return Value("");
          }));
  return ctx;
}

void BM_CompilePrintStart(benchmark::State& state) {
  for (auto _ : state) {
    Template t = Template::compile("gcode_macro PRINT_START:gcode", kPrintStart);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_CompilePrintStart);

void BM_RenderPrintStart(benchmark::State& state) {
  Template t = Template::compile("gcode_macro PRINT_START:gcode", kPrintStart);
  int responses = 0;
  Context ctx = make_context(&responses);
  std::string out;
  for (auto _ : state) {
    t.render(ctx, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_RenderPrintStart);

void BM_RenderOneLine(benchmark::State& state) {
  Template t = Template::compile("gcode_macro M", "G1 X{params.BED|float + 10} F{60 * 50}");
  int responses = 0;
  Context ctx = make_context(&responses);
  std::string out;
  for (auto _ : state) {
    t.render(ctx, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RenderOneLine);

void BM_RenderLoop1000(benchmark::State& state) {
  Template t = Template::compile(
      "gcode_macro GRID",
      "{% for i in range(1000) %}G1 X{i % 100 * 2.5} Y{(i // 100) * 2.5} F{6000}\n{% endfor %}");
  Context ctx;
  std::string out;
  for (auto _ : state) {
    t.render(ctx, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_RenderLoop1000);

}  // namespace

BENCHMARK_MAIN();
