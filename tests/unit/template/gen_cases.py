#!/usr/bin/env python3
"""Records what Jinja2 itself renders for the template test cases and writes them as C++ tests.

Run by hand when cases change (needs the jinja2 package, e.g. Debian's python3-jinja2):
    python3 tests/unit/template/gen_cases.py
It writes tests/unit/template/jinja_<group>_test.cpp. The tests never run Python; they compare
our engine with the outputs recorded here. The environment is Klipper's:
jinja2.Environment('{%', '%}', '{', '}').
"""

import json
import os
import shutil
import subprocess
import sys

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))

# Keep in sync with kContextJson in template_test_util.h.
CONTEXT_JSON = r"""{
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
}"""

CASES = {}


def group(name, *templates):
    CASES.setdefault(name, []).extend(templates)


# ---- lexer: delimiters, whitespace control, comments, raw, literals -------------------------
group(
    "lexer",
    "plain text",
    "a\nb\n",
    "a\r\nb\r\n",
    "trailing\n\n",
    "{ 1 }",
    "{1}{2}",
    "x{ n }y",
    "{{ n }}",
    "{ {'a': 1} }",
    "{ {'a': {'b': 2}}['a'] }",
    "a {- n -} b",
    "a {-n} b",
    "a {+ n} b",
    "{-5} {-5}",
    "a\n  {%- if 1 %}x{% endif -%}  \n b",
    "a  {%+ if 1 +%}  b{% endif %}",
    "a {# comment #} b",
    "a {#- comment -#} b",
    "{# multi\nline #}x",
    "{# unterminated",
    "{% raw %}{ n } {% if %}{% endraw %}",
    "a {%- raw -%} { n } {%- endraw -%} b",
    "{% raw %}unterminated",
    "{",
    "{ 1 ",
    "}",
    "{ n }}",
    "{% if 1 %}}{% endif %}",
    "{% if 1 }",
    "{ 1 + (2 }",
    "{ [1, 2) }",
    "{ @ }",
    "{ n ! 1 }",
    "{ 'single' } { \"double\" } { 'it\\'s' } { \"say \\\"hi\\\"\" }",
    "{ 'a\\nb' } { 'tab\\there' } { '\\x41\\u00e9\\101' } { 'back\\\\slash' } { 'unk\\q' }",
    "{ 'multi\nline' }",
    "{ '\\x4' }",
    "{ 'a' 'b' \"c\" }",
    "{ 42 } { 0 } { 1_000 } { 0x1F } { 0o17 } { 0b101 } { 007 }",
    "{ 1.5 } { 1e3 } { 2.5E-3 } { 1_0.2_5 } { 1e400 } { 1. }",
    "{ true } { True } { false } { False } { none } { None }",
    "{ foo.0 } { nested.1.0 }",
    "{ l.1 }",
    "line1\n{ undefined_thing.attr }",
    "{% if n %}\n{% endif %}\n{ 1 +* 2 }",
    "{ x. }",
    "°C { u } ü",
    "{ 'ü' }",
)

# ---- literals and printing of values ----------------------------------------------------------
group(
    "values",
    "{ 0.1 + 0.2 } { 1.0 } { 1e20 } { 1e16 } { 1e15 } { 0.0001 } { 0.00001 } { -0.0 }",
    "{ 123456789.123 } { 1/3 } { 2/3 } { 100.0 } { 1.5e-7 } { 3.14159e+25 }",
    "{ none } { true } { false } { '' }|",
    "{ [1, 'a', 2.5, none, true] } { ('a',) } { () } { (1, 2) } { [] } { {} }",
    "{ {'a': 1, 'b': [1, {'c': 'd'}]} }",
    "{ ['it\\'s', \"q\\\"\", 'both\\'\"', 'nl\\n', 'tab\\t', 'bs\\\\'] }",
    "{ ['\\x00', '\\x7f', '\\x80', '\\xa0', 'é', '°'] }",
    "{ l } { d } { s } { u } { nested }",
    "{ printer.extruder } { printer.toolhead.position }",
    "{ printer['gcode_macro FOO'] }",
    "{ range(3) } { range(1, 10, 2) } { range(5)|list }",
    "{ namespace(a=1) }",
    "{ n } { f } { neg } { t } { none } { e }|",
    "{ undefined_var }|",
    "{ 1, 2 }",
    "{ 99999999999999999 } { -9223372036854775807 }",
)

# ---- arithmetic and operators -------------------------------------------------------------
group(
    "operators",
    "{ 7 / 2 } { 4 / 2 } { 7 // 2 } { -7 // 2 } { 7 % 3 } { -7 % 3 } { 7 % -3 } { 2 ** 10 }",
    "{ 7.5 // 2 } { -7.5 // 2 } { 7.5 % 2 } { 7.5 % -2 } { -0.0 % 1 } { 2 ** -1 } { 2 ** 0.5 }",
    "{ 1 + 2.5 } { 3 * 1.5 } { 10 - 0.5 } { true + 1 } { true * 2.5 } { 5 / true }",
    "{ -2 ** 2 } { 2 ** 3 ** 2 } { (2 ** 3) ** 2 } { -n } { +n } { - -n } { -f }",
    "{ 1 + 2 * 3 - 4 / 2 } { (1 + 2) * 3 } { 10 - 2 - 3 } { 2 * 3 % 4 }",
    "{ 'a' + 'b' } { 'ab' * 3 } { 3 * 'ab' } { [1] + [2] } { [0] * 3 } { (1,) + (2,) } { 'x' * 0 } { 'x' * -1 }",
    "{ 'a' ~ 1 ~ none ~ true ~ 2.5 } { n ~ f } { undefined_var ~ 'x' }",
    "{ '%d' % 5 } { '%s-%s' % (1, 'a') } { '%.2f' % 3.14159 } { '%5.1f|' % 2.25 } { '%-5d|' % 3 }",
    "{ '%05d|%x|%X|%o|%#x|%#o' % (42, 255, 255, 8, 255, 8) } { '%e' % 12345.678 } { '%g' % 0.0001 } { '%g' % 1e20 }",
    "{ '%r %a' % ('a', 'b') } { '%%' % () } { '%c%c' % (65, 'b') } { '%+d % d' % (5, 5) } { '%.3s' % 'abcdef' }",
    "{ '%(a)s=%(b)d' % {'a': 'x', 'b': 3} } { '%s' % [1, 2] } { '%s' % ((1, 2),) } { '%s' % none }",
    "{ '%d' % 3.9 } { '%d' % true } { '%i' % -2.5 } { '%f' % 1 } { '%s' % 1.0 } { '%.1f' % 0.05 } { '%.0f' % 2.5 }",
    "{ '%s %s' % [1, 2] }",
    "{ '%s' % (1, 2) }",
    "{ '%d' % 'x' }",
    "{ '%f' % 'x' }",
    "{ '%q' % 1 }",
    "{ 'abc' % 5 }",
    "{ 'abc' % [] }",
    "{ '%(x)s' % {} }",
    "{ '%*d|' % (5, 42) }",
    "{ 1 / 0 }",
    "{ 1.0 / 0 }",
    "{ 1 // 0 }",
    "{ 1.5 // 0 }",
    "{ 1 % 0 }",
    "{ 1.5 % 0 }",
    "{ 0 ** -1 }",
    "{ 1 + 'a' }",
    "{ 'a' + 1 }",
    "{ [1] + (1,) }",
    "{ (1,) + [1] }",
    "{ 'a' * 1.5 }",
    "{ 'a' - 'b' }",
    "{ -'a' }",
    "{ none + 1 }",
    "{ d + d }",
    "{ undefined_var + 1 }",
    "{ 1 + undefined_var }",
    "{ -undefined_var }",
    "{ printer.toolhead.position + [1] }",
    "{ params.X * 2 }",
    "{ params.X|int * 2 } { params.TEMP|float / 2 }",
)

# ---- comparisons and logic ------------------------------------------------------------------
group(
    "logic",
    "{ 1 == 1.0 } { 1 != 2 } { 1 < 2 } { 2 <= 2 } { 3 > 2.5 } { 2 >= 3 } { true == 1 } { 'a' == 'a' }",
    "{ 1 < 2 < 3 } { 3 > 2 < 1 } { 1 < 3 > 2 } { 1 == 1 == 1 } { 1 == 1 != 2 }",
    "{ 'a' < 'b' } { 'B' < 'a' } { [1, 2] < [1, 3] } { [1] < [1, 0] } { (1, 2) == (1, 2) } { [1, 2] == (1, 2) }",
    "{ none == none } { none == 0 } { undefined_var == none } { undefined_var == undefined_other } { d == {'b': 2, 'a': 1} }",
    "{ 1 and 2 } { 0 and 2 } { 1 or 2 } { 0 or 2 } { none or 'x' } { '' or [] } { not 0 } { not 'a' } { not none }",
    "{ 1 if true else 2 } { 1 if false else 2 } { 'x' if n > 3 else 'y' } { 1 if 0 }|",
    "{ 1 if 1 else 2 if 0 else 3 } { (1 if 0 else 2) + 1 } { n if n is defined else 0 }",
    "{ not 1 == 2 } { not 1 in [1] } { 1 not in [1] } { 'a' in 'abc' } { 'd' in 'abc' } { 1 in l } { 'a' in d } { 'z' not in d }",
    "{ 'toolhead' in printer } { 'nothing' in printer } { 'homed_axes' in printer.toolhead } { 3.0 in printer.toolhead.position }",
    "{ 2 in range(3) } { 2.0 in range(3) } { 5 in range(0, 10, 2) } { 'x' in undefined_var }",
    "{ 'z' in printer.toolhead.homed_axes } { 'X' in params } { 'x' in params }",
    "{ 'a' < 1 }",
    "{ none < 1 }",
    "{ [1] < (1,) }",
    "{ d < d }",
    "{ undefined_var < 1 }",
    "{ 1 in 1 }",
    "{ 1 in 'a' }",
    "{ [1] in d }",
    "{ 1 in none }",
    "{ true and undefined_var }|{ undefined_var and true }|{ undefined_var or 5 }",
    "{% if undefined_var %}yes{% else %}no{% endif %}",
    "{% if printer.extruder.temperature > 200 and params.X|int == 10 %}hot{% endif %}",
)

# ---- statements ----------------------------------------------------------------------------
group(
    "statements",
    "{% set x = 5 %}{ x }",
    "{% set x, y = 1, 2 %}{ x }{ y }",
    "{% set (a, b) = [3, 4] %}{ a }{ b }",
    "{% set a, b = 'xy' %}{ a }-{ b }",
    "{% set a, b = 1 %}",
    "{% set a, b = [1, 2, 3] %}",
    "{% set a, b, c = [1, 2] %}",
    "{% set x = 1 %}{% set x = x + 1 %}{ x }",
    "{% set x = 1, 2 %}{ x }",
    "{% set x %}block { n }{% endset %}[{ x }]",
    "{% set x | upper %}abc{% endset %}{ x }",
    "{% set x | replace('a', 'b') | upper %}aaa{% endset %}{ x }",
    "{% if n > 3 %}big{% elif n > 1 %}mid{% else %}small{% endif %}",
    "{% if n > 10 %}big{% elif n > 1 %}mid{% else %}small{% endif %}",
    "{% if n > 10 %}big{% elif n > 8 %}mid{% endif %}|",
    "{% if 1 %}a{% if 0 %}b{% else %}c{% endif %}d{% endif %}",
    "{% if true %}{% set z = 3 %}{% endif %}{ z }",
    "{% for i in range(3) %}{ i }{% endfor %}",
    "{% for i in [] %}x{% else %}empty{% endfor %}",
    "{% for i in [1] if false %}x{% else %}filtered{% endfor %}",
    "{% for a, b in [(1, 2), (3, 4)] %}{ a }{ b };{% endfor %}",
    "{% for k, v in d.items() %}{ k }={ v } {% endfor %}",
    "{% for k in d %}{ k }{% endfor %} {% for c in 'abé' %}[{ c }]{% endfor %}",
    "{% for x in l %}{ loop.index }/{ loop.index0 }/{ loop.revindex }/{ loop.revindex0 }/{ loop.first }/{ loop.last }/{ loop.length } {% endfor %}",
    "{% for x in l %}{ loop.previtem }|{ loop.nextitem } {% endfor %}",
    "{% for x in l %}{ loop.cycle('a', 'b') }{% endfor %}",
    "{% for x in [1, 1, 2] %}{ loop.changed(x) }{% endfor %}",
    "{% for x in l %}{ loop.depth }{ loop.depth0 }{% endfor %}",
    "{% for x in [1, 2] %}{ loop }{% endfor %}",
    "{% for x in [1, 2, 3, 4] if x is even %}{ loop.index }:{ x }/{ loop.length } {% endfor %}",
    "{% for a in [1, 2] %}{% for b in [3, 4] %}{ loop.index }{ a }{ b } {% endfor %}{ loop.index }|{% endfor %}",
    "{% set x = 1 %}{% for i in range(3) %}{% set x = x + 1 %}{ x }{% endfor %}{ x }",
    "{% for i in range(3) %}{% if i > 0 %}{ y }{% endif %}{% set y = i %}{% endfor %}|{ y }",
    "{% for i in range(2) %}{% set j = i %}{% endfor %}{ i }|{ j }|",
    "{ loop }|",
    "{% set ns = namespace(total=0) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% endfor %}{ ns.total }",
    "{% set ns = namespace(a=1, b='x') %}{ ns.a }{ ns.b }{ ns['a'] }{ ns.c }|{ ns }",
    "{% set ns = namespace({'k': 1}, j=2) %}{ ns.k }{ ns.j }",
    "{% set x = 5 %}{% set x.a = 1 %}",
    "{% set ns.a = 1 %}",
    "{% for i in 5 %}{% endfor %}",
    "{% for i in range(3) recursive %}{ i }{% endfor %}",
    "{% for i in [[1, [2]], [3]] recursive %}<{ i }{% if i is sequence %}{ loop(i) }{% endif %}>{% endfor %}",
    "{% macro m(a, b=2) %}{ a }-{ b }{% endmacro %}{ m(1) } { m(1, 3) } { m(b=4, a=0) } { m() }|",
    "{% macro m(a, b=a) %}{ a }{ b }{% endmacro %}{ m(7) }",
    "{% macro m(a) %}{ a }{ varargs }{ kwargs }{% endmacro %}{ m(1, 2, 3, x=4) }",
    "{% macro m(a) %}{ a }{% endmacro %}{ m(1, 2) }",
    "{% macro m(a) %}{ a }{% endmacro %}{ m(b=2) }",
    "{% macro m(a) %}{ a }{% endmacro %}{ m(1, a=2) }",
    "{% macro m(a) %}{ a }{% endmacro %}{ m }|{ m.name }|{ m.arguments }|{ m.catch_kwargs }",
    "{% set x = 1 %}{% macro m() %}{ x }{% endmacro %}{% set x = 2 %}{ m() }",
    "{% macro m() %}[{ i }]{% endmacro %}{% for i in range(2) %}{ m() }{% endfor %}",
    "{% macro m(n) %}{% if n > 0 %}{ n }{ m(n - 1) }{% endif %}{% endmacro %}{ m(5) }",
    "{% macro m(a, b) %}{% endmacro %}",
    "{% macro m(a=1, b) %}{% endmacro %}",
    "{% macro outer() %}<{ caller() }>{% endmacro %}{% call outer() %}inside { n }{% endcall %}",
    "{% macro outer(x) %}<{ caller(x * 2) }>{% endmacro %}{% call(v) outer(4) %}v={ v }{% endcall %}",
    "{% macro m() %}{ caller() }{% endmacro %}{ m() }",
    "{% filter upper %}abc { s }{% endfilter %}",
    "{% filter replace('a', 'x')|upper %}banana{% endfilter %}",
    "{% with a = 1, b = n %}{ a }{ b }{% endwith %}{ a }|",
    "{% with %}{% set q = 1 %}{ q }{% endwith %}{ q }|",
    "{% block body %}in block { n }{% endblock %}",
    "{% block body %}x{% endblock body %}",
    "{% print n, 'x' %}",
    "{% include 'other.cfg' %}",
    "{% import 'x' as y %}",
    "{% from 'x' import a, b as c %}",
    "{% extends 'base' %}",
    "{% autoescape false %}{ '<b>' }{% endautoescape %}",
    "{% do l.append(4) %}",
    "{% for i in range(3) %}{% break %}{% endfor %}",
    "{% for i in range(3) %}{% continue %}{% endfor %}",
)

# ---- attribute and item lookup, slicing, undefined -----------------------------------------
group(
    "lookup",
    "{ printer.extruder.temperature } { printer['extruder'].target } { printer.extruder['target'] }",
    "{ printer['gcode_macro FOO'].var } { printer['gcode_macro FOO'].list[1] }",
    "{ printer.toolhead.position[2] } { printer.toolhead.position.2 } { printer.toolhead.position[-1] }",
    "{ printer.configfile.settings.printer.max_velocity } { printer.configfile.settings['stepper_x'].position_max }",
    "{ printer.save_variables.variables.offset } { printer.save_variables.variables.get('nothing', 7) }",
    "{ d.a } { d['b'] } { d.items is defined } { d.get('a') } { d.get('z') } { d.get('z', 9) }",
    "{ l[0] } { l[-1] } { l[5] }|{ l[-5] }|{ l.0 }",
    "{ s[0] } { s[-1] } { u[1] } { s[10] }|",
    "{ l[1:] } { l[:2] } { l[::-1] } { l[::2] } { l[5:] } { l[-2:] } { l[1:2:1] } { l[:] }",
    "{ s[1:3] } { s[::-1] } { u[::-1] } { u[2:] } { s[-3:-1] }",
    "{ range(10)[2:5] } { range(10)[::3] } { range(10)[5] } { printer.toolhead.position[1:3] }",
    "{ l[::0] }",
    "{ l['a':] }",
    "{ n[0] }|{ n.x }|",
    "{ d.zzz }",
    "{ d.zzz + 1 }",
    "{ d.zzz.yyy }",
    "{ d['zzz'] }|{ d[1] }|",
    "{ d[1] + 1 }",
    "{ l[10] + 1 }",
    "{ printer.nothing }|",
    "{ printer.nothing.temperature }",
    "{ printer.extruder.nothing + 1 }",
    "{ params.MISSING }|{ params.MISSING|default('dflt') }",
    "{ params.MISSING|float }",
    "{ undefined_var.attr }",
    "{ undefined_var['x'] }",
    "{ undefined_var() }",
    "{ none.attr }|{ none['x'] }|",
    "{ none.attr.deeper }",
    "{ s.upper is callable }",
    "{ s.nope }|",
    "{ 5() }",
    "{ d() }",
    "{ undefined_var|length } { undefined_var|list } { undefined_var|string }|",
    "{% for x in undefined_var %}x{% else %}none{% endfor %}",
    "{ (1 if 0).x }",
    "{ [1, 2][true] }",
    "{ l[1.0] }|",
)

# ---- filters ----------------------------------------------------------------------------------
group(
    "filters",
    "{ '3.5'|float } { 'x'|float } { 'x'|float(1) } { 3|float } { true|float } { none|float } { ' 2.5 '|float } { '1_0.5'|float } { 'inf'|float }",
    "{ '3.5'|int } { '12'|int } { 3.9|int } { -3.9|int } { true|int } { none|int } { '1e3'|int } { ' 12 '|int } { 'x'|int(7) } { 'x'|int }",
    "{ '0x1A'|int(0, 16) } { '1A'|int(base=16) } { '0b101'|int(0, 0) } { '017'|int(0, 8) } { '10'|int(base=2) } { 'inf'|int(3) }",
    "{ 3|round } { 3.5|round } { 2.5|round } { 2.675|round(2) } { 2.1|round(0, 'ceil') } { -2.1|round(0, 'floor') } { 3|round(1) }",
    "{ 1.25|round(1) } { 1.35|round(1) } { 0.125|round(2) } { 1234.5678|round(-2) } { 1234|round(-2) } { 2.17|round(1, 'ceil') } { 2.17|round(1, 'floor') } { 15|round(-1) } { 25|round(-1) }",
    "{ 2.5|round(0, 'round') }",
    "{ 'x'|round }",
    "{ -5|abs } { -2.5|abs } { 3|abs } { true|abs }",
    "{ 'x'|abs }",
    "{ undefined_var|default('d') } { ''|default('d') } { ''|default('d', true) } { none|default('d') } { 0|d('d', true) } { undefined_var|d }|",
    "{ 'HeLLo wORLD'|lower } { 'hello'|upper } { 'hELLO world'|capitalize } { 'hello big-world (x) [y] {z} <w>'|title } { u|upper } { u|title }",
    "{ 5|string } { none|string } { [1, 'a']|string } { 1.0|string ~ 'x' }",
    "{ 'a,b,c'|replace(',', ';') } { 'aaa'|replace('a', 'b', 2) } { 5|replace('5', 'five') }",
    "{ '  x  '|trim }|{ 'xxhixx'|trim('x') }|{ ' \\t\\n x \\n'|trim }|",
    "{ [1, 2, 3]|join } { [1, 2, 3]|join(', ') } { people|join('/', attribute='name') } { 'abc'|join('-') }",
    "{ l|length } { 'héllo'|length } { d|length } { ''|count } { range(7)|length } { printer.toolhead.position|length }",
    "{ 5|length }",
    "{ l|list } { 'ab'|list } { d|list } { range(3)|list } { printer.extruder|list }",
    "{ l|first } { l|last } { 'abc'|first } { 'abc'|last } { d|first } { []|first }|{ []|last }|",
    "{ [3, 1, 2]|min } { [3, 1, 2]|max } { words|min } { words|max } { words|max(case_sensitive=true) } { []|max }| { people|max(attribute='age') } { people|min(attribute='name') }",
    "{ [1, 2, 3]|sum } { [1.5, 2]|sum } { people|sum(attribute='age') } { [[1], [2]]|sum(start=[]) } { []|sum }",
    "{ ['a']|sum }",
    "{ [3, 1, 2]|sort } { [3, 1, 2]|sort(reverse=true) } { words|sort } { words|sort(case_sensitive=true) } { people|sort(attribute='age')|map(attribute='name')|join }",
    "{ people|sort(attribute='age,name')|map(attribute='name')|join } { people|sort(attribute='name', reverse=true)|map(attribute='name')|join }",
    "{ [1, 'a']|sort }",
    "{ [1, 2, 1, 3, 2]|unique|list } { ['a', 'A', 'b']|unique|list } { ['a', 'A', 'b']|unique(case_sensitive=true)|list } { people|unique(attribute='age')|map(attribute='name')|list }",
    "{ l|map('string')|list } { people|map(attribute='name')|list } { people|map(attribute='missing', default='?')|list } { ['1', '2']|map('int')|sum } { [1.25, 2.5]|map('round', 1)|list }",
    "{ l|select('odd')|list } { l|reject('odd')|list } { [0, 1, '', 'a', none]|select|list } { l|select('>', 1)|list } { l|select('equalto', 2)|list } { l|select('in', [1, 3])|list }",
    "{ people|selectattr('age', '>', 25)|map(attribute='name')|list } { people|rejectattr('age', 'equalto', 30)|map(attribute='name')|list } { people|selectattr('name')|list|length }",
    "{ [1, 2, 3, 4, 5]|batch(2)|list } { [1, 2, 3]|batch(2, 'x')|list } { [1, 2, 3, 4, 5]|slice(2)|list } { [1, 2, 3, 4]|slice(3, 0)|list }",
    "{ [1, 2, 3]|reverse|list } { 'abc'|reverse } { u|reverse }",
    "{ {'b': 1, 'a': 2, 'C': 3}|dictsort } { {'b': 1, 'a': 2}|dictsort(by='value') } { {'b': 1, 'a': 2}|dictsort(reverse=true) } { {'b': 1, 'A': 2, 'a': 0}|dictsort(true) }",
    "{ d|items|list } { undefined_var|items|list }",
    "{ 5|items|list }",
    "{ 'one two  three'|wordcount } { 'a-b c_d'|wordcount }",
    "[{ 'ab'|center(6) }] [{ 'abc'|center(2) }] [{ 'x'|center }]",
    "{ 'a\\nb\\n\\nc'|indent } { 'a\\nb'|indent(2, true) } { 'a\\n\\nb'|indent('> ', blank=true) }",
    "{ 'hello world foo bar'|truncate(9) } { 'hello world'|truncate(9, true) } { 'hello'|truncate(3, end='') } { 'hello world foo'|truncate(11, leeway=0) }",
    "{ 100|filesizeformat } { 1|filesizeformat } { 1500|filesizeformat } { 1500000|filesizeformat } { 2048|filesizeformat(true) }",
    "{ '<a href=\"x\">&</a>'|e } { \"it's\"|escape } { '<b>'|safe } { '<p>a  <b>b</b>\\n c &amp; d</p>'|striptags }",
    "{ 'a b/c?d=é'|urlencode } { {'a': 1, 'b c': 'd&e'}|urlencode } { [('x', 1)]|urlencode }",
    "{ {'b': 1, 'a': [1, 2.5, none, true, 'x<y>&\\'']}|tojson } { 'é\\n'|tojson } { [1, {'a': 2}]|tojson(indent=2) }",
    "{ '%s-%s'|format('a', 'b') } { '%(x)s'|format(x=1) } { '%.1f'|format(2.25) }",
    "{ '%s'|format(1, x=2) }",
    "{ d|attr('a') }|{ d|attr('items') }|{ ns|attr('x') }|",
    "{ people|groupby('age')|list }",
    "{ people|groupby('age')|map(attribute='grouper')|list } {% for g, items in people|groupby('age') %}{ g }:{ items|map(attribute='name')|join }{% endfor %}",
    "{ [1, 2]|pprint } { 'x'|pprint }",
    "{ n|foo }",
    "{ n|default(1, 2, 3) }",
    "{ n|round(foo=1) }",
    "{ 'x'|map|list }",
    "{ l|map|list }",
    "{ l|selectattr|list }",
    "{ l|select('nosuchtest')|list }",
    "{ l|map('nosuchfilter')|list }",
    "{% if n %}{ n|nosuch }{% endif %}",
    "{% if n is nosuch %}x{% endif %}",
    "{ n|nosuch if false else 1 }",
    "{% for i in l %}{ i|nosuch }{% endfor %}",
)

# ---- tests ----------------------------------------------------------------------------------
group(
    "tests",
    "{ n is defined } { undefined_var is defined } { undefined_var is undefined } { d.zz is defined } { params.X is defined }",
    "{ none is none } { 0 is none } { 'a' is string } { 1 is string } { 1 is number } { true is number } { 1.5 is number } { 'a' is number }",
    "{ 1 is integer } { true is integer } { 1.0 is integer } { 1.0 is float } { 1 is float } { true is boolean } { 1 is boolean } { true is true } { 1 is true } { false is false }",
    "{ 3 is odd } { 4 is odd } { 4 is even } { 3.0 is odd } { -3 is odd } { 9 is divisibleby 3 } { 9 is divisibleby(2) } { 9.0 is divisibleby 3 }",
    "{ 'abc' is lower } { 'aBc' is lower } { 'ABC' is upper } { '1' is lower } { 5 is lower }",
    "{ d is mapping } { l is mapping } { printer.extruder is mapping } { printer is mapping } { l is sequence } { 'a' is sequence } { d is sequence } { 1 is sequence } { undefined_var is sequence }",
    "{ l is iterable } { 'a' is iterable } { 1 is iterable } { d is iterable } { range(2) is iterable } { undefined_var is iterable }",
    "{ range is callable } { 1 is callable } { s.upper is callable } { undefined_var is callable } { namespace is callable }",
    "{ 'upper' is filter } { 'nofilter' is filter } { 'odd' is test } { 'x' is test }",
    "{ 1 is sameas 1 } { none is sameas none } { l is sameas l } { [1] is sameas [1] } { 1000 is sameas 1000 }",
    "{ 1 is in l } { 5 is in l } { 'a' is in 'abc' } { 1 is eq 1 } { 1 is equalto 2 } { 1 is ne 2 } { 2 is gt 1 } { 2 is ge 2 } { 1 is lt 2 } { 1 is le 0 } { 2 is greaterthan 1 } { 1 is lessthan 2 }",
    "{ 1 is == 1 } { 1 is != 1 } { 1 is < 2 }",
    "{ n is not defined } { n is not none } { not n is none } { 3 is not odd }",
    "{ 'x' is odd }",
    "{ undefined_var is odd }",
    "{ 3 is divisibleby 0 }",
    "{ n is defined is defined }",
    "{ n is nosuchtest }",
    "{ n is defined(1) }",
    "{ [1, 2] is escaped }",
)

# ---- methods of the built-in types ----------------------------------------------------------
group(
    "methods",
    "{ s.upper() } { 'ABC'.lower() } { 'hello world'.title() } { '1st ab-cd'.title() } { 'hELLO'.capitalize() } { 'AbC'.swapcase() }",
    "{ '  x  '.strip() }|{ '  x  '.lstrip() }|{ '  x  '.rstrip() }|{ 'xxaxx'.strip('x') }|{ 'abcba'.lstrip('ab') }",
    "{ ' a  b '.split() } { 'a,,b'.split(',') } { 'a b c'.split(none, 1) } { 'a b c'.rsplit(none, 1) } { 'a,b,c'.split(',', 1) } { 'a,b,c'.rsplit(',', 1) } { ''.split() } { ''.split(',') }",
    "{ 'a\\nb\\r\\nc'.splitlines() } { 'a\\nb\\n'.splitlines(true) }",
    "{ ', '.join(['a', 'b']) } { ''.join('abc') } { '-'.join(d) }",
    "{ ','.join([1, 2]) }",
    "{ 'aaa'.replace('a', 'b') } { 'aaa'.replace('a', 'b', 1) } { 'abc'.replace('', '-') } { 'héé'.replace('é', 'e') }",
    "{ 'hello'.startswith('he') } { 'hello'.startswith(('x', 'h')) } { 'hello'.endswith('lo') } { 'hello'.endswith('he') } { 'hello'.startswith('l', 2) }",
    "{ 'hello'.find('l') } { 'hello'.rfind('l') } { 'hello'.find('z') } { 'héllo'.find('l') } { 'hello'.index('e') } { 'hello'.count('l') } { 'aaa'.count('') } { 'hello'.find('l', 3) }",
    "{ 'hello'.index('z') }",
    "{ '{} {}'.format(1, 'a') } { '{0}{1}{0}'.format('a', 'b') } { '{x}-{y}'.format(x=1, y=2) } { '{:.2f}'.format(3.14159) } { '{:5d}|{:<5}|{:>5}|{:^5}|'.format(42, 'a', 'b', 'c') }",
    "{ '{:05.1f} {:+d} {:x} {:#b} {:,} {:_} {:.1%} {:e}'.format(2.5, 5, 255, 5, 1234567, 1234567, 0.256, 12345.6789) }",
    "{ '{} {!r} {!s}'.format(1.0, 'a', 'b') } { '{0[0]} {0[1]} {1.a}'.format(l, namespace(a=3)) } { '{{literal}}'.format() } { '{:*^9}'.format('mid') }",
    "{ '{:.3}'.format(3.14159) } { '{:.3}'.format(1234.5) } { '{:g}'.format(1e20) } { '{}'.format(none) } { '{:>4}'.format(true) } { '{:d}'.format(true) } { '{:s}'.format('x') }",
    "{ '{}'.format() }",
    "{ '{0} {}'.format(1, 2) }",
    "{ '{x}'.format() }",
    "{ '{:d}'.format('a') }",
    "{ '{'.format() }",
    "{ '5'.isdigit() } { '5a'.isdigit() } { ''.isdigit() } { 'ab'.isalpha() } { 'a1'.isalnum() } { '  '.isspace() } { 'abc'.islower() } { 'ABC'.isupper() } { 'Ab Cd'.istitle() }",
    "{ '42'.zfill(5) } { '-42'.zfill(5) } { 'ab'.ljust(4, '*') } { 'ab'.rjust(4) } { 'ab'.center(5, '*') } { 'abc'.center(6, '*') }",
    "{ 'a=b=c'.partition('=') } { 'a=b=c'.rpartition('=') } { 'abc'.partition('x') } { 'prefix_x'.removeprefix('prefix_') } { 'x.cfg'.removesuffix('.cfg') }",
    "{% set x = [1] %}{% set _ = x.append(2) %}{% set _ = x.extend([3, 4]) %}{% set _ = x.insert(0, 0) %}{ x } { x.pop() } { x.pop(0) } { x } { x.index(2) } { x.count(2) }",
    "{% set x = [3, 1, 2] %}{% set _ = x.sort() %}{ x }{% set _ = x.sort(reverse=true) %}{ x }{% set _ = x.reverse() %}{ x }{% set _ = x.remove(2) %}{ x }{ x.copy() }{% set _ = x.clear() %}{ x }",
    "{ l.append(4) } { l }",
    "{% set x = [] %}{ x.pop() }",
    "{% set x = [1] %}{ x.remove(5) }",
    "{ l.index(9) }",
    "{% set x = {'a': 1} %}{% set _ = x.update({'b': 2}) %}{% set _ = x.update(c=3) %}{ x } { x.pop('a') } { x.pop('z', 0) } { x.setdefault('d', 4) } { x } { x.keys() } { x.values() } { x.items() } { x.copy() }",
    "{% set x = {'a': 1} %}{ x.pop('z') }",
    "{% set x = {} %}{% set _ = x.update([('a', 1), ('b', 2)]) %}{ x } { x.popitem() } { x }",
    "{ printer.extruder.keys()|list|sort } { printer.toolhead.position.index(3.0) } { printer.toolhead.position.count(0.0) } { printer.extruder.items()|length }",
    "{ printer.save_variables.variables.copy() }",
    "{% set v = printer.save_variables.variables.copy() %}{% set _ = v.update({'x': 1}) %}{ v.x }",
    "{ (1, 2, 1).count(1) } { (1, 2).index(2) } { range(5).index(3) } { 2.0.is_integer() } { 2.5.is_integer() } { 5.bit_length() }",
    "{ 2.5.real } { 3.imag } { range(2, 9, 3).step }",
    "{ s.nosuchmethod() }",
    "{ d.nosuch() }",
    "{ dict(a=1, b=2) } { dict([('x', 1)]) } { dict({'y': 2}, z=3) } { dict() }",
    "{ range(5)|list } { range(2, 5)|list } { range(10, 0, -3)|list } { range(0)|list } { range(1, 1)|list }",
    "{ range(1, 2, 0) }",
    "{ range(1.5) }",
    "{ range() }",
    "{% set c = cycler('a', 'b') %}{ c.next() }{ c.next() }{ c.next() }{ c.current }{% set _ = c.reset() %}{ c.next() }",
    "{% set j = joiner('|') %}{% for i in l %}{ j() }{ i }{% endfor %}",
)

# ---- whole macros as Klipper users write them ----------------------------------------------
group(
    "klipper",
    """{% set bed_temp = params.BED|default(60)|float %}
{% set extruder_temp = params.EXTRUDER|default(params.TEMP)|float %}
M140 S{bed_temp}
M104 S{extruder_temp * 0.75}
G28
{% if printer.toolhead.homed_axes != 'xyz' %}
  G28
{% endif %}
G1 Z{ 5 } F3000
M190 S{bed_temp}
M109 S{extruder_temp}
""",
    """{% set wipe_count = 3 %}
SAVE_GCODE_STATE NAME=clean_nozzle_state
G90
{% for wipe in range(wipe_count) %}
  {% for coordinate in [(275, 4),(235, 4)] %}
    G0 X{coordinate[0]} Y{coordinate[1] + 0.25 * wipe} Z9.7 F12000
  {% endfor %}
{% endfor %}
RESTORE_GCODE_STATE NAME=clean_nozzle_state""",
    """{% set max_x = printer.configfile.settings.stepper_x.position_max %}
{% set x_park = max_x - 5.0 %}
{% set z = params.Z|default(10)|int %}
{% if printer.toolhead.position.2 + z < 250 %}
  G1 Z{ printer.toolhead.position.2 + z } F900
{% else %}
  { action_respond_info("Pause zhop exceeds maximum Z height.") }
{% endif %}
G1 X{x_park} Y{printer.toolhead.axis_maximum[1] - 5.0} F6000""",
    """{ action_respond_info("Extruder Temp: %.1f" % (printer.extruder.temperature)) }
{ action_respond_info("Target %s, name=%s" % (printer.extruder.target, params.NAME)) }""",
    """{% set svv = printer.save_variables.variables %}
BED_MESH_PROFILE LOAD={svv.bed_mesh}
SET_GCODE_OFFSET Z={svv.offset|float}""",
    """{%- if 'X' in params -%}
  X={params.X}
{%- endif -%}
{%- for key in params|sort %}
 {key}={params[key]}
{%- endfor %}""",
    """M117 {params.NAME|upper} {'%03d' % (params.X|int)} {printer.heater_bed.temperature|round(1)}""",
    """{% set speed = params.SPEED|default(printer.configfile.settings.printer.max_velocity * 0.5)|int %}
G1 X10 F{speed * 60}""",
    "{% if printer.extruder.can_extrude|lower == 'true' %}ok{% else %}cold{% endif %}",
    "{% set pos = printer.toolhead.position %}G1 X{pos[0] + 1} Y{pos[1]|round(1)} Z{'%.3f' % pos[2]}",
    "M117 {params.X|int + params.TEMP|float}",
)

# ---- syntax errors (messages and lines) ---------------------------------------------------
group(
    "errors",
    "{% if 1 %}",
    "{% if 1 %}\n{% for x in l %}\n",
    "{% endif %}",
    "{% for x in l %}{% endif %}",
    "{% if x %}{% endfor %}",
    "{% foo %}",
    "{% %}",
    "{% 5 %}",
    "{% for %}",
    "{% for x in %}",
    "{% for x l %}{% endfor %}",
    "{% set %}",
    "{% set 1 = 2 %}",
    "{% set x.y.z = 2 %}",
    "{% set true = 1 %}",
    "{% set f() = 1 %}",
    "{% set x = %}",
    "{ a b }",
    "{ a. }",
    "{ a.'x' }",
    "{ foo(1, a=2, 3) }",
    "{ foo(**a, *b) }",
    "{ foo(x=1 }",
    "{ [1, 2 }",
    "{ {1: 2 }",
    "{ {1 2} }",
    "{ (1, }",
    "{ 1 + }",
    "{ not }",
    "{ n is }",
    "{ n is defined is defined }",
    "{ n | }",
    "{ n|5 }",
    "{% macro %}{% endmacro %}",
    "{% macro m %}{% endmacro %}",
    "{% macro m(1) %}{% endmacro %}",
    "{% call m %}{% endcall %}",
    "{% block a-b %}{% endblock %}",
    "{% with a %}{% endwith %}",
    "{% raw %}{% endraw",
    "{% if n %}\n\n{% else %}\n{% else %}\n{% endif %}",
    "{% if n %}{% elif %}{% endif %}",
    "{% for i in l %}\n{% endfor %}\n{% endfor %}",
    "{% filter %}{% endfilter %}",
    "{% filter nosuch %}{% endfilter %}",
    "{% set x | nosuch %}{% endset %}",
    "{ 'abc' }}",
    "{{ n }}",
    "{ n }\n{ n }\n{% if %}",
    "{ 0b }",
    "{ 1e }",
)


def describe_error(e):
    if isinstance(e, jinja2.exceptions.TemplateSyntaxError):
        return ("TemplateSyntaxError", e.message, e.lineno)
    cls = type(e)
    name = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"
    return (name, str(e), 0)


def render(env, source, context):
    try:
        tmpl = env.from_string(source)
    except jinja2.exceptions.TemplateSyntaxError as e:
        return None, describe_error(e)
    try:
        # nlohmann::json keeps object keys sorted, so JSON-derived dicts iterate in key order.
        ctx = json.loads(CONTEXT_JSON, object_pairs_hook=lambda pairs: dict(sorted(pairs)))
        ctx["action_respond_info"] = lambda msg: ""
        return tmpl.render(ctx), None
    except Exception as e:  # noqa: BLE001 - every failure is a recorded outcome
        return None, describe_error(e)


def cpp_string(s):
    for delim in ("kpp", "kpp1", "kpp2", "kpp3"):
        if f"){delim}\"" not in s:
            return f'R"{delim}({s}){delim}"'
    raise ValueError("no raw string delimiter fits " + repr(s))


def write_group(name, templates):
    env = jinja2.Environment("{%", "%}", "{", "}")
    lines = [
        f"// Generated by gen_cases.py from Jinja2 {jinja2.__version__} with Klipper's environment;",
        "// do not edit. Each case is a template and what Jinja2 rendered or raised for it.",
        '#include "template_test_util.h"',
        "",
        "namespace kpp::tmpl::testing {",
        "namespace {",
        "",
        f"const Case kCases[] = {{",
    ]
    for source in templates:
        out, err = render(env, source, None)
        if err is None:
            lines.append(f"    {{{cpp_string(source)},\n     {cpp_string(out)}, nullptr, nullptr, 0}},")
        else:
            lines.append(
                f"    {{{cpp_string(source)},\n     nullptr, {cpp_string(err[0])}, {cpp_string(err[1])}, {err[2]}}},"
            )
    title = "".join(part.capitalize() for part in name.split("_"))
    lines += [
        "};",
        "",
        "}  // namespace",
        "",
        f"class Jinja{title} : public ::testing::TestWithParam<Case> {{}};",
        "",
        f"TEST_P(Jinja{title}, MatchesJinja2) {{ check_case(GetParam()); }}",
        "",
        f"INSTANTIATE_TEST_SUITE_P(Cases, Jinja{title}, ::testing::ValuesIn(kCases));",
        "",
        "}  // namespace kpp::tmpl::testing",
        "",
    ]
    path = os.path.join(HERE, f"jinja_{name}_test.cpp")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    if shutil.which("clang-format"):
        subprocess.run(["clang-format", "-i", path], check=True)
    return path


def main():
    for name, templates in CASES.items():
        print(write_group(name, templates), len(templates), "cases")


if __name__ == "__main__":
    sys.exit(main())
