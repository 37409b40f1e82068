// The engine's API as the macro module uses it: JSON views, lazy mappings, host callables,
// conversion back to JSON, errors, limits and concurrent rendering.
#include <gtest/gtest.h>

#include <thread>

#include "core/json.h"
#include "template/template.h"

namespace kpp::tmpl {
namespace {

std::string render(std::string_view src, const Context& ctx = Context()) {
  return Template::compile("test", src).render(ctx);
}

// A stand-in for Klipper's `printer` object: status computed per lookup, counted.
class StatusMapping : public Mapping {
 public:
  std::string type_name() const override { return "GetStatusWrapper"; }
  std::string type_repr() const override { return "extras.gcode_macro.GetStatusWrapper object"; }
  bool lookup(std::string_view key, Value& out) override {
    ++lookups;
    if (key == "extruder") {
      auto status = std::make_shared<const Json>(Json{{"temperature", 205.5}, {"target", 210.0}});
      out = Value::from_json(status);
      return true;
    }
    if (key == "gcode_macro FOO") {
      Dict vars;
      vars.set("count", Value(3));
      out = Value::dict(std::move(vars));
      return true;
    }
    return false;
  }
  std::vector<std::string> key_list() override { return {"extruder", "gcode_macro FOO"}; }
  int lookups = 0;
};

TEST(TemplateApi, LazyMappingByAttributeAndItem) {
  auto status = std::make_shared<StatusMapping>();
  Context ctx;
  ctx.set("printer", Value::object(status));
  EXPECT_EQ(render("{printer.extruder.temperature} {printer['gcode_macro FOO'].count}", ctx),
            "205.5 3");
  EXPECT_EQ(render("{'extruder' in printer} {'bed' in printer} {printer|list}", ctx),
            "True False ['extruder', 'gcode_macro FOO']");
  EXPECT_EQ(render("{printer.bed is defined}", ctx), "False");
  try {
    (void)render("{printer.bed.temperature}", ctx);
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.type(), "jinja2.exceptions.UndefinedError");
    EXPECT_EQ(e.message(), "'extras.gcode_macro.GetStatusWrapper object' has no attribute 'bed'");
  }
  EXPECT_GT(status->lookups, 0);
}

TEST(TemplateApi, JsonViewsShareTheDocument) {
  auto doc = std::make_shared<const Json>(
      Json::parse(R"({"a": {"b": [1, 2.5, "x", null, true]}, "big": {"k": "v"}})"));
  Value root = Value::from_json(doc);
  ASSERT_TRUE(root.is_json_object());
  Context ctx;
  ctx.set("j", root);
  EXPECT_EQ(render("{j.a.b} {j.a.b[1] * 2} {j.a.b|length} {j['big'].k}", ctx),
            "[1, 2.5, 'x', None, True] 5.0 5 v");
  EXPECT_EQ(render("{j.a == {'b': [1, 2.5, 'x', none, true]}}", ctx), "True");
  // Views share the document: only `doc`, `root` and the context's copy of `root` own it.
  EXPECT_EQ(doc.use_count(), 3);
}

TEST(TemplateApi, JsonViewsAreReadOnlyButCopyable) {
  auto doc = std::make_shared<const Json>(Json::parse(R"({"l": [1], "d": {"a": 1}})"));
  Context ctx;
  ctx.set("j", Value::from_json(doc));
  EXPECT_THROW((void)render("{j.l.append(2)}", ctx), TemplateError);
  EXPECT_THROW((void)render("{j.d.update(b=2)}", ctx), TemplateError);
  EXPECT_EQ(render("{% set l = j.l.copy() %}{% set _ = l.append(2) %}{l} {j.l}", ctx),
            "[1, 2] [1]");
  EXPECT_EQ(render("{% set l = j.l|list %}{% set _ = l.append(3) %}{l}", ctx), "[1, 3]");
}

TEST(TemplateApi, ToJsonAndBack) {
  Context ctx;
  Template t = Template::compile("t", "{% set ns = namespace(v=[1, 'a', {'k': (2, 3.5)}]) %}x");
  (void)t.render(ctx);
  Dict d;
  d.set("list", Value::list({Value(1), Value(2.5), Value("s"), Value::none(), Value(true)}));
  d.set("tuple", Value::tuple({Value(1)}));
  d.set(Value(7), Value("int key"));
  Json j = Value::dict(d).to_json();
  EXPECT_EQ(j.dump(), R"({"7":"int key","list":[1,2.5,"s",null,true],"tuple":[1]})");
  Value back = Value::from_json_copy(j);
  EXPECT_TRUE(back.is_dict());
  EXPECT_EQ(back.as_dict().find("list")->items()[1].as_float(), 2.5);
  EXPECT_THROW((void)Value::undefined_name("x").to_json(), TemplateError);
  EXPECT_THROW((void)Value::range(Range{0, 3, 1}).to_json(), TemplateError);
}

TEST(TemplateApi, CallablesGetPositionalAndKeywordArguments) {
  std::string method;
  Json received;
  Context ctx;
  ctx.set("action_call_remote_method",
          Value::function("action_call_remote_method", [&](CallArgs& a) {
            method = a.need(0, "method", "action_call_remote_method").str();
            for (const auto& [k, v] : a.kwargs) received[k] = v.to_json();
            return Value("");
          }));
  EXPECT_EQ(render("{action_call_remote_method('notify', msg='hi', n=[1, 2])}done", ctx), "done");
  EXPECT_EQ(method, "notify");
  EXPECT_EQ(received.dump(), R"({"msg":"hi","n":[1,2]})");
}

TEST(TemplateApi, HostExceptionsPassThrough) {
  struct Raised : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  Context ctx;
  ctx.set("action_raise_error", Value::function("action_raise_error", [](CallArgs& a) -> Value {
            throw Raised(a.need(0, "msg", "action_raise_error").str());
          }));
  try {
    (void)render("a{% if 1 %}{action_raise_error('stop ' ~ 1)}{% endif %}", ctx);
    FAIL();
  } catch (const Raised& e) {
    EXPECT_STREQ(e.what(), "stop 1");
  }
}

TEST(TemplateApi, NamedTuplesPrintLikeKlipperCoord) {
  static const auto coord =
      std::make_shared<const TupleType>(TupleType{"Coord", {"x", "y", "z", "e"}});
  Context ctx;
  ctx.set("pos", Value::named_tuple(coord, {Value(1.0), Value(2.5), Value(10.0), Value(0.0)}));
  EXPECT_EQ(render("{pos.x} {pos[1]} {pos.z + 1} {pos}", ctx),
            "1.0 2.5 11.0 Coord(x=1.0, y=2.5, z=10.0, e=0.0)");
}

TEST(TemplateApi, SyntaxErrorsCarryLineAndColumn) {
  try {
    (void)Template::compile("gcode_macro X:gcode", "G28\nG1 X{ 1 +* 2 }\n");
    FAIL();
  } catch (const TemplateSyntaxError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 10);
    EXPECT_EQ(e.message(), "unexpected '*'");
  }
}

TEST(TemplateApi, RuntimeErrorsNamePythonTypes) {
  try {
    (void)render("{1/0}");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.type(), "ZeroDivisionError");
    EXPECT_STREQ(e.what(), "ZeroDivisionError: division by zero");
  }
}

TEST(TemplateApi, IntegersAre64Bit) {
  // Python would switch to big integers; we report an OverflowError instead.
  try {
    (void)render("{9223372036854775807 + 1}");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.type(), "OverflowError");
  }
  EXPECT_THROW((void)render("{2 ** 64}"), TemplateError);
  EXPECT_EQ(render("{2 ** 62}"), "4611686018427387904");
  EXPECT_THROW((void)Template::compile("t", "{99999999999999999999}"), TemplateSyntaxError);
}

TEST(TemplateApi, RunawayLoopsStop) {
  Context ctx;
  ctx.limits.max_steps = 100000;
  try {
    (void)render("{% for i in range(1000000) %}{% endfor %}", ctx);
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.type(), "jinja2.exceptions.TemplateRuntimeError");
  }
  // Nested loops count every iteration.
  EXPECT_THROW(
      (void)render("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                   ctx),
      TemplateError);
  // Within the budget everything runs.
  EXPECT_EQ(render("{% for i in range(1000) %}{% endfor %}ok", ctx), "ok");
}

TEST(TemplateApi, OutputIsCapped) {
  Context ctx;
  ctx.limits.max_output = 1000;
  EXPECT_THROW((void)render("{% for i in range(100) %}0123456789abcdef{% endfor %}", ctx),
               TemplateError);
  EXPECT_THROW((void)render("{'x' * 100000000000}", ctx), TemplateError);
  EXPECT_THROW((void)render("{[0] * 100000000000}", ctx), TemplateError);
}

TEST(TemplateApi, RecursionIsBounded) {
  try {
    (void)render("{% macro m(n) %}{ m(n + 1) }{% endmacro %}{ m(0) }");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.type(), "RecursionError");
  }
  std::string deep(5000, '(');
  EXPECT_THROW((void)Template::compile("t", "{" + deep + "1" + std::string(5000, ')') + "}"),
               TemplateSyntaxError);
  std::string chain = "{1";
  for (int i = 0; i < 10000; ++i) chain += "+1";
  EXPECT_THROW((void)Template::compile("t", chain + "}"), TemplateSyntaxError);
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if 1 %}";
  EXPECT_THROW((void)Template::compile("t", ifs), TemplateSyntaxError);
}

TEST(TemplateApi, SelfReferencesPrintLikePython) {
  EXPECT_EQ(render("{% set l = [1] %}{% set _ = l.append(l) %}{l}"), "[1, [...]]");
  EXPECT_EQ(render("{% set d = {} %}{% set _ = d.update(me=d) %}{d}"), "{'me': {...}}");
}

TEST(TemplateApi, RenderIsRepeatableAndThreadSafe) {
  Template t = Template::compile("t", "{% for i in range(n) %}{i * 2},{% endfor %}{s|upper}");
  Context ctx;
  ctx.set("n", Value(50));
  ctx.set("s", Value("abc"));
  std::string first = t.render(ctx);
  std::vector<std::thread> threads;
  std::vector<bool> ok(4, true);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      Context local;
      local.set("n", Value(50));
      local.set("s", Value("abc"));
      for (int i = 0; i < 200; ++i) {
        if (t.render(local) != first) ok[k] = false;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (bool b : ok) EXPECT_TRUE(b);
  EXPECT_EQ(t.render(ctx), first);
}

TEST(TemplateApi, ContextSetReplaces) {
  Context ctx;
  ctx.set("a", Value(1)).set("a", Value(2));
  EXPECT_EQ(ctx.size(), 1u);
  EXPECT_EQ(render("{a}", ctx), "2");
}

}  // namespace
}  // namespace kpp::tmpl
