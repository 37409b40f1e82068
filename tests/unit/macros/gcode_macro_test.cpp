// [gcode_macro]: rendering with params/rawparams, variables and SET_GCODE_VARIABLE, the printer
// status, the action_* functions, rename_existing and the error texts Klipper users see.
#include "modules/gcode_macro.h"

#include "macro_fixture.h"

namespace kpp::test {
namespace {

using Lines = std::vector<std::string>;

class GCodeMacroTest : public MacroFixture {};

// A status object, as toolhead/gcode_move report theirs (coordinates as [x, y, z, e]).
class FakeStatus : public PrinterObject {
 public:
  explicit FakeStatus(Json status) : status_(std::move(status)) {}
  Json get_status(double) override {
    calls++;
    return status_;
  }
  Json status_;
  int calls = 0;
};

TEST_F(GCodeMacroTest, RendersParamsAndRunsTheLines) {
  load("[gcode_macro MOVE_IT]\n"
       "description: Move it\n"
       "gcode:\n"
       "  {% set s = params.S|default(10)|float %}\n"
       "  M777 X{s * 2} F{params.F|default(60)|int * 60}\n"
       "  M777 raw={rawparams}\n");
  ready();
  EXPECT_EQ(run("MOVE_IT S=2.5"), Lines{});
  EXPECT_EQ(rec_, (Lines{"M777 X5.0 F3600", "M777 raw=S=2.5"}));
  run("move_it f=2 s=\"1\"");
  EXPECT_EQ(rec_, (Lines{"M777 X2.0 F120", "M777 raw=f=2 s=\"1\""}));
  EXPECT_EQ(gcode().commands().at("MOVE_IT").desc, "Move it");
}

TEST_F(GCodeMacroTest, VariablesAndSetGCodeVariable) {
  load("[gcode_macro CFG]\n"
       "variable_speed: 12.5\n"
       "variable_name: 'abc'\n"
       "variable_list: [1, (2, 3), {'k': None}]\n"
       "variable_flag: True\n"
       "gcode:\n"
       "  M777 v {speed} {name} {list} {flag} {printer['gcode_macro CFG'].speed}\n");
  ready();
  run("CFG");
  EXPECT_EQ(rec_, (Lines{"M777 v 12.5 abc [1, (2, 3), {'k': None}] True 12.5"}));
  EXPECT_EQ(run("SET_GCODE_VARIABLE MACRO=CFG VARIABLE=speed VALUE=17"), Lines{});
  EXPECT_EQ(run("SET_GCODE_VARIABLE MACRO=CFG VARIABLE=name VALUE='\"x y\"'"), Lines{});
  run("CFG");
  EXPECT_EQ(rec_, (Lines{"M777 v 17 x y [1, (2, 3), {'k': None}] True 17"}));
  EXPECT_EQ(run("SET_GCODE_VARIABLE MACRO=CFG VARIABLE=nope VALUE=1"),
            (Lines{"!! Unknown gcode_macro variable 'nope'"}));
  EXPECT_EQ(run("SET_GCODE_VARIABLE MACRO=CFG VARIABLE=speed VALUE=abc"),
            (Lines{"!! Unable to parse 'abc' as a literal: malformed node or string on line 1: "
                   "<ast.Name object> in 'SET_GCODE_VARIABLE MACRO=CFG VARIABLE=speed VALUE=abc'"}));
  EXPECT_EQ(run("SET_GCODE_VARIABLE MACRO=OTHER VARIABLE=speed VALUE=1"),
            (Lines{"!! The value 'OTHER' is not valid for MACRO"}));
  // The macro's status is its variables.
  auto* macro = printer_.try_lookup<GCodeMacro>("gcode_macro CFG");
  ASSERT_NE(macro, nullptr);
  EXPECT_EQ(macro->get_status(0.).dump(),
            R"({"flag":true,"list":[1,[2,3],{"k":null}],"name":"x y","speed":17})");
}

TEST_F(GCodeMacroTest, MacroSeesTheStatusOfEveryObject) {
  auto toolhead = std::make_shared<FakeStatus>(
      Json{{"position", {1.5, 2.0, 3.0, 0.0}}, {"homed_axes", "xy"}, {"max_velocity", 300}});
  printer_.add_object("toolhead", toolhead);
  printer_.add_object("fan", std::make_shared<FakeStatus>(Json{{"speed", 0.5}}));
  load("[gcode_macro SHOW]\n"
       "gcode:\n"
       "  M777 p {printer.toolhead.position.x} {printer.toolhead.position[1]} "
       "{printer.toolhead.position} {printer.toolhead.homed_axes}\n"
       "  M777 p {printer[' fan '].speed} {'fan' in printer} {'abc' in printer} "
       "{'gcode' in printer} {printer.toolhead.max_velocity * 2}\n");
  ready();
  run("SHOW");
  EXPECT_EQ(rec_, (Lines{"M777 p 1.5 2.0 Coord(x=1.5, y=2.0, z=3.0, e=0.0) xy",
                         "M777 p 0.5 True False True 600"}));
  // One status request per render, however often the macro reads it.
  EXPECT_EQ(toolhead->calls, 1);
}

TEST_F(GCodeMacroTest, MissingObjectIsUndefined) {
  load("[gcode_macro M]\ngcode:\n  M777 p [{printer.nothing}] {printer.nothing is defined}\n"
       "[gcode_macro NOTHING2]\ngcode:\n  M777 p {printer.nothing.x}\n");
  ready();
  run("M");
  EXPECT_EQ(rec_, (Lines{"M777 p [] False"}));
  EXPECT_EQ(run("NOTHING2"), (Lines{"!! Error evaluating 'gcode_macro NOTHING2:gcode': "
                             "jinja2.exceptions.UndefinedError: "
                             "'extras.gcode_macro.GetStatusWrapper object' has no attribute "
                             "'nothing'"}));
}

TEST_F(GCodeMacroTest, RuntimeErrorRunsNothingOfTheMacro) {
  load("[gcode_macro DIV]\ngcode:\n  M777 first\n  M777 d {1 / params.D|int}\n");
  ready();
  EXPECT_EQ(run("DIV D=0"),
            (Lines{"!! Error evaluating 'gcode_macro DIV:gcode': ZeroDivisionError: division by zero"}));
  EXPECT_TRUE(rec_.empty());
  run("DIV D=4");
  EXPECT_EQ(rec_, (Lines{"M777 first", "M777 d 0.25"}));
}

TEST_F(GCodeMacroTest, ActionFunctions) {
  load("[gcode_macro SAY]\ngcode:\n  {action_respond_info('hello %d' % 3)}\n  M777 after\n"
       "[gcode_macro FAIL]\ngcode:\n  M777 before\n  {action_raise_error('Bad ' ~ params.X)}\n"
       "[gcode_macro STOP]\ngcode:\n  {action_emergency_stop('stop now')}\n");
  ready();
  EXPECT_EQ(run("SAY"), (Lines{"// hello 3"}));
  EXPECT_EQ(rec_, (Lines{"M777 after"}));
  EXPECT_EQ(run("FAIL X=1"),
            (Lines{"!! Error evaluating 'gcode_macro FAIL:gcode': gcode.CommandError: Bad 1"}));
  EXPECT_TRUE(rec_.empty());
  run("STOP");
  EXPECT_TRUE(printer_.is_shutdown());
  EXPECT_EQ(printer_.get_state_message().first.rfind("Shutdown due to stop now", 0), 0u);
}

TEST_F(GCodeMacroTest, ActionCallRemoteMethod) {
  load("[gcode_macro R]\ngcode:\n  {action_call_remote_method('notify', msg='hi', n=[1])}\n  M777 after\n"
       "[gcode_macro BAD]\ngcode:\n  {action_call_remote_method(1)}\n");
  ready();
  // No API client registered the method: Klipper logs the failure and the macro goes on.
  EXPECT_EQ(run("R"), Lines{});
  EXPECT_EQ(rec_, (Lines{"M777 after"}));
  auto r = run("BAD");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].rfind("!! Error evaluating 'gcode_macro BAD:gcode': TypeError: ", 0), 0u);
}

TEST_F(GCodeMacroTest, MacrosCallMacrosButNotThemselves) {
  load("[gcode_macro OUTER]\ngcode:\n  M777 outer\n  INNER V={params.V}\n"
       "[gcode_macro INNER]\ngcode:\n  M777 inner {params.V}\n"
       "[gcode_macro SELF]\ngcode:\n  M777 self\n  SELF\n");
  ready();
  run("OUTER V=7");
  EXPECT_EQ(rec_, (Lines{"M777 outer", "M777 inner 7"}));
  auto r = run("SELF");
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.back(), "!! Macro SELF called recursively");
  // The flag is reset after the error: the macro runs again.
  run("SELF");
  EXPECT_EQ(rec_.front(), "M777 self");
}

TEST_F(GCodeMacroTest, RenameExisting) {
  gcode().register_command("M300", [this](GCodeCommand& g) { rec_.push_back("builtin " + g.get_commandline()); });
  load("[gcode_macro M300]\nrename_existing: M300.1\ndescription: beep\n"
       "gcode:\n  M777 wrapped\n  M300.1 S{params.S}\n");
  ready();
  run("M300 S440");
  EXPECT_EQ(rec_, (Lines{"M777 wrapped", "builtin M300.1 S440"}));
  EXPECT_EQ(gcode().commands().at("M300.1").desc, "Renamed builtin of 'M300'");
  EXPECT_EQ(gcode().commands().at("M300").desc, "beep");
}

TEST_F(GCodeMacroTest, RenameErrors) {
  EXPECT_EQ(load_error("[gcode_macro M301]\nrename_existing: M301_BASE\ngcode:\n"),
            "G-Code macro rename of different types ('M301' vs 'M301_BASE')");
}

TEST_F(GCodeMacroTest, RenameOfMissingCommand) {
  EXPECT_EQ(load_error("[gcode_macro NOPE]\nrename_existing: NOPE_BASE\ngcode:\n"),
            "Existing command 'NOPE' not found in gcode_macro rename");
}

TEST_F(GCodeMacroTest, SyntaxErrorIsAConfigErrorNamingTheMacro) {
  EXPECT_EQ(load_error("[gcode_macro BAD]\ngcode:\n  G28\n  {% if %}\n"),
            "Error loading template 'gcode_macro BAD:gcode'\n"
            "line 3: {% if %} # Expected an expression, got 'end of statement block'");
}

TEST_F(GCodeMacroTest, BadVariableIsAConfigError) {
  EXPECT_EQ(load_error("[gcode_macro V]\nvariable_x: foo\ngcode:\n"),
            "Option 'variable_x' in section 'gcode_macro V' is not a valid literal: "
            "malformed node or string on line 1: <ast.Name object>");
  EXPECT_EQ(load_error("[gcode_macro W]\nvariable_y: {1, 2}\ngcode:\n").rfind(
                "Option 'variable_y' in section 'gcode_macro W' is not a valid literal: ", 0),
            0u);
}

TEST_F(GCodeMacroTest, WhitespaceInNameIsAConfigError) {
  EXPECT_EQ(load_error("[gcode_macro A B]\ngcode:\n"),
            "Name of section 'gcode_macro A B' contains illegal whitespace");
}

TEST_F(GCodeMacroTest, DuplicateCommandIsAConfigError) {
  EXPECT_EQ(load_error("[gcode_macro M777]\ngcode:\n"), "gcode command M777 already registered");
}

// Klipper's test/klippy/macros.cfg macros that need no motion: expressions over the printer
// status, variables across macros, params, 'in printer', unicode in names and comments.
TEST_F(GCodeMacroTest, KlipperMacrosCfgParts) {
  printer_.add_object("toolhead", std::make_shared<FakeStatus>(Json{{"position", {0., 0., 0., 0.}}}));
  load("[gcode_macro TEST_variable]\n"
       "variable_t: 12.0\n"
       "gcode:\n"
       "  { action_respond_info(\"TEST_variable\") }\n"
       "  {% if t - 12.0 != printer.toolhead.position.y %}\n"
       "    M112\n"
       "  {% endif %}\n"
       "  {% if printer[\"gcode_macro TEST_variable\"].t - 12.0 != 0.0 %}\n"
       "    M112\n"
       "  {% endif %}\n"
       "  SET_GCODE_VARIABLE MACRO=TEST_variable VARIABLE=t VALUE=17\n"
       "  TEST_variable_part2\n"
       "[gcode_macro TEST_variable_part2]\n"
       "gcode:\n"
       "  { action_respond_info(\"TEST_variable_part2\") }\n"
       "  {% if printer[\"gcode_macro TEST_variable\"].t != 17.0 %}\n"
       "    M112\n"
       "  {% endif %}\n"
       "[gcode_macro TEST_param]\n"
       "gcode:\n"
       "  { action_respond_info(\"TEST_param\") }\n"
       "  {% if params.T != \"123\" %}\n"
       "    M112\n"
       "  {% endif %}\n"
       "[gcode_macro TEST_in]\n"
       "gcode:\n"
       "  {% if \"abc\" in printer or \"toolhead\" not in printer %}\n"
       "    M112\n"
       "  {% endif %}\n"
       "[gcode_macro TEST_unicode]  ; Also test end-of-line comments ( \xc2\xb0 )\n"
       "variable_ABC: 25            # Another end-of-line comment test ( \xc2\xb0 )\n"
       "description: A unicode test \xc2\xb0\n"
       "gcode: M777 unicode {abc}\n");
  ready();
  EXPECT_EQ(run({"TEST_variable", "TEST_param T=123", "TEST_in", "TEST_unicode"}),
            (Lines{"// TEST_variable", "// TEST_variable_part2", "// TEST_param"}));
  EXPECT_EQ(rec_, (Lines{"M777 unicode 25"}));
  EXPECT_FALSE(printer_.is_shutdown());
}

}  // namespace
}  // namespace kpp::test
