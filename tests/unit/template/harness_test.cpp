// The test harness of the Jinja2 comparison cases: the standard context and the check, plus
// tests of the harness itself.
#include <stdexcept>

#include "core/json.h"
#include "template_test_util.h"

namespace kpp::tmpl::testing {

namespace {

// Keep in sync with CONTEXT_JSON in gen_cases.py.
const char* kContextJson = R"json({
  "params": {"X": "10", "TEMP": "200.5", "NAME": "abc", "EMPTY": ""},
  "printer": {
    "extruder": {"temperature": 210.5, "target": 215.0, "can_extrude": true},
    "heater_bed": {"temperature": 60.25, "target": 60.0},
    "toolhead": {"homed_axes": "xyz", "position": [10.0, 20.5, 3.0, 0.0],
                 "axis_maximum": [235.0, 235.0, 250.0, 0.0], "extruder": "extruder"},
    "gcode_macro FOO": {"var": 5, "name": "foo", "list": [1, 2, 3]},
    "configfile": {"settings": {"printer": {"max_velocity": 300.0, "kinematics": "corexy"},
                                "stepper_x": {"position_max": 235.0}}},
    "save_variables": {"variables": {"bed_mesh": "default", "offset": -0.125}}
  },
  "n": 5, "f": 2.5, "neg": -3, "s": "hello", "u": "h\u00e9llo \u00b0C", "l": [1, 2, 3],
  "words": ["b", "A", "c", "a"], "nested": [[1, 2], [3, 4]],
  "d": {"a": 1, "b": 2}, "none": null, "t": true, "e": "",
  "people": [{"name": "x", "age": 30}, {"name": "Y", "age": 20}, {"name": "z", "age": 30}]
})json";

}  // namespace

Context standard_context(std::shared_ptr<std::vector<std::string>> log) {
  static const auto json = std::make_shared<const Json>(Json::parse(kContextJson));
  Context ctx;
  for (auto it = json->begin(); it != json->end(); ++it) {
    if (it.key() == "printer") {
      ctx.set(it.key(), Value::json_node(json, &it.value()));
    } else {
      ctx.set(it.key(), Value::from_json_copy(it.value()));
    }
  }
  ctx.set("action_respond_info", Value::function("action_respond_info", [log](CallArgs& a) {
            if (log) log->push_back(a.need(0, "msg", "action_respond_info").str());
            return Value("");
          }));
  ctx.set("action_raise_error", Value::function("action_raise_error", [](CallArgs& a) -> Value {
            throw std::runtime_error(a.need(0, "msg", "action_raise_error").str());
          }));
  return ctx;
}

void check_case(const Case& c) {
  SCOPED_TRACE(std::string("template: ") + c.source);
  std::string out;
  try {
    Template t = Template::compile("test", c.source);
    out = t.render(standard_context());
  } catch (const TemplateSyntaxError& e) {
    ASSERT_NE(c.error_type, nullptr) << "unexpected syntax error: " << e.what();
    EXPECT_STREQ(c.error_type, "TemplateSyntaxError");
    EXPECT_EQ(e.message(), c.error_message);
    EXPECT_EQ(e.line(), c.error_line);
    return;
  } catch (const TemplateError& e) {
    ASSERT_NE(c.error_type, nullptr) << "unexpected error: " << e.what();
    EXPECT_EQ(e.type(), c.error_type);
    EXPECT_EQ(e.message(), c.error_message);
    return;
  }
  ASSERT_EQ(c.error_type, nullptr)
      << "expected " << c.error_type << ": " << c.error_message << ", got output: " << out;
  EXPECT_EQ(out, c.expected);
}

TEST(TemplateHarness, ContextHoldsPrinterAsJsonView) {
  Context ctx = standard_context();
  const Value* printer = ctx.find("printer");
  ASSERT_NE(printer, nullptr);
  EXPECT_TRUE(printer->is_json_object());
  EXPECT_TRUE(ctx.find("l")->is_list());
}

TEST(TemplateHarness, ActionsReachTheHost) {
  auto log = std::make_shared<std::vector<std::string>>();
  Template t = Template::compile("t", "{ action_respond_info('hi ' ~ n) }x");
  EXPECT_EQ(t.render(standard_context(log)), "x");
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0], "hi 5");
}

}  // namespace kpp::tmpl::testing
