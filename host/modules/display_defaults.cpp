// The built-in screens of [display]: the display_template helpers, the display_data groups
// _default_16x4 (graphics displays and 16-column character displays), _multiextruder_16x4 and
// _default_20x4 (20-column character displays), and the glyphs they use. The screen contents
// and the glyph pictures are those of Klipper's default screens (users and their macros rely on
// these names and pictures); the template text is our own. Sections of the same name in the
// printer's config replace these.
#include "modules/display_layout.h"

namespace kpp::display {

const char* const kDefaultDisplayConfig = R"CFG(
#### Templates shared by the screens ####

# Heater icon (animated bed icon while the bed heats), temperature, target while far from it.
[display_template _heater_temperature]
param_heater_name: "extruder"
text:
  {% set name = param_heater_name %}
  {% if name in printer %}
  {% set h = printer[name] %}
  {% if name != "heater_bed" %}~extruder~
  {% elif h.target %}~bed_heat{ 1 + printer.toolhead.estimated_print_time|int % 2 }~
  {% else %}~bed~{% endif %}
  { "%3.0f" % h.temperature }
  {% if h.target and (h.temperature - h.target)|abs > 2 %}~right_arrow~{ "%0.0f" % h.target }{% endif %}
  ~degrees~
  {% endif %}

# Fan icon (turning while the fan runs) and speed.
[display_template _fan_speed]
text:
  {% if 'fan' in printer %}
  {% set speed = printer.fan.speed %}
  ~fan{ 1 + (printer.toolhead.estimated_print_time|int % 2 if speed else 0) }~
  { "{:>4.0%}".format(speed) }
  {% endif %}

# Hours and minutes since the print started.
[display_template _printing_time]
text:
  {% set t = printer.idle_timeout.printing_time %}
  { "%02d:%02d" % (t // 3600, t // 60 % 60) }

# The M117 message, else the position while printing, else "Ready".
[display_template _print_status]
text:
  {% set msg = printer.display_status.message %}
  {% if msg %}{ msg }
  {% elif printer.idle_timeout.printing_time %}
  {% set p = printer.toolhead.position %}{ "X%-4.0fY%-4.0fZ%-5.2f" % (p.x, p.y, p.z) }
  {% else %}Ready{% endif %}

#### 16x4: graphics displays and 16-column character displays ####

[display_data _default_16x4 extruder]
position: 0, 0
text: { render("_heater_temperature", param_heater_name=printer.toolhead.extruder) }

[display_data _default_16x4 fan]
position: 0, 10
text: { render("_fan_speed") }

[display_data _default_16x4 heater_bed]
position: 1, 0
text: { render("_heater_temperature", param_heater_name="heater_bed") }

[display_data _default_16x4 speed_factor]
position: 1, 10
text: ~feedrate~{ "{:>4.0%}".format(printer.gcode_move.speed_factor) }

[display_data _default_16x4 print_progress]
position: 2, 0
text: { "{:^10.0%}".format(printer.display_status.progress) }

# After the text above (same row, later column): the bar is XORed over it.
[display_data _default_16x4 progress_bar]
position: 2, 1
text: { draw_progress_bar(2, 0, 10, printer.display_status.progress) }

[display_data _default_16x4 printing_time]
position: 2, 10
text: { render("_printing_time").strip().rjust(6) }

[display_data _default_16x4 print_status]
position: 3, 0
text: { render("_print_status") }

#### 16x4 for two extruders ####

[display_data _multiextruder_16x4 extruder]
position: 0, 0
text: { render("_heater_temperature", param_heater_name="extruder") }

[display_data _multiextruder_16x4 fan]
position: 0, 10
text: { render("_fan_speed") }

[display_data _multiextruder_16x4 extruder1]
position: 1, 0
text: { render("_heater_temperature", param_heater_name="extruder1") }

[display_data _multiextruder_16x4 print_progress]
position: 1, 10
text: { "{:^6.0%}".format(printer.display_status.progress) }

[display_data _multiextruder_16x4 progress_bar]
position: 1, 11
text: { draw_progress_bar(1, 10, 6, printer.display_status.progress) }

[display_data _multiextruder_16x4 heater_bed]
position: 2, 0
text: { render("_heater_temperature", param_heater_name="heater_bed") }

[display_data _multiextruder_16x4 printing_time]
position: 2, 10
text: { render("_printing_time").strip().rjust(6) }

[display_data _multiextruder_16x4 print_status]
position: 3, 0
text: { render("_print_status") }

#### 20x4: 20-column character displays ####

[display_data _default_20x4 extruder]
position: 0, 0
text: { render("_heater_temperature", param_heater_name="extruder") }

[display_data _default_20x4 heater_bed]
position: 0, 10
text: { render("_heater_temperature", param_heater_name="heater_bed") }

[display_data _default_20x4 extruder1]
position: 1, 0
text: { render("_heater_temperature", param_heater_name="extruder1") }

[display_data _default_20x4 fan]
position: 1, 10
text: {% if 'fan' in printer %}Fan { "{:^4.0%}".format(printer.fan.speed) }{% endif %}

[display_data _default_20x4 speed_factor]
position: 2, 0
text: ~feedrate~{ "{:^4.0%}".format(printer.gcode_move.speed_factor) }

[display_data _default_20x4 print_progress]
position: 2, 8
text:
  {% set sd = printer.virtual_sdcard if 'virtual_sdcard' in printer else {} %}
  ~{ 'sd' if sd.progress else 'usb' }~
  { "{:^4.0%}".format(printer.display_status.progress) }

[display_data _default_20x4 printing_time]
position: 2, 14
text: ~clock~{ render("_printing_time") }

[display_data _default_20x4 print_status]
position: 3, 0
text: { render("_print_status") }

#### Glyphs: 16x16 icons (data) and 5x8 characters with their slot (hd44780_data) ####

[display_glyph extruder]
data:
  ................
  ................
  ..************..
  .....******.....
  ..************..
  .....******.....
  ..************..
  ................
  ....********....
  ....******.*....
  ....********....
  ................
  ......****......
  .......**.......
  ................
  ................
hd44780_slot: 0
hd44780_data:
  ..*..
  .*.*.
  .*.*.
  .*.*.
  .*.*.
  *...*
  *...*
  .***.

[display_glyph bed]
data:
  ................
  ................
  ................
  ................
  ................
  ................
  ................
  ................
  ................
  ................
  ................
  ...*********....
  ..*.........*...
  .*************..
  ................
  ................
hd44780_slot: 1
hd44780_data:
  .....
  *****
  *.*.*
  *...*
  *.*.*
  *****
  .....
  .....

[display_glyph bed_heat1]
data:
  ................
  ................
  ..*....*....*...
  .*....*....*....
  ..*....*....*...
  ...*....*....*..
  ..*....*....*...
  .*....*....*....
  ..*....*....*...
  ................
  ................
  ...*********....
  ..*.........*...
  .*************..
  ................
  ................
hd44780_slot: 1
hd44780_data:
  .*..*
  *..*.
  .*..*
  *..*.
  .....
  *****
  .....
  .....

[display_glyph bed_heat2]
data:
  ................
  ................
  ..*....*....*...
  ...*....*....*..
  ..*....*....*...
  .*....*....*....
  ..*....*....*...
  ...*....*....*..
  ..*....*....*...
  ................
  ................
  ...*********....
  ..*.........*...
  .*************..
  ................
  ................
hd44780_slot: 1
hd44780_data:
  *..*.
  .*..*
  *..*.
  .*..*
  .....
  *****
  .....
  .....

[display_glyph fan1]
data:
  ................
  ................
  ....***.........
  ...****....**...
  ...****...****..
  ....***..*****..
  .....*....****..
  .......**.......
  .......**.......
  ..****....*.....
  ..*****..***....
  ..****...****...
  ...**....****...
  .........***....
  ................
  ................

[display_glyph fan2]
data:
  ................
  ................
  .......****.....
  .......****.....
  .......***......
  ..**...**.......
  ..***...........
  ..****.**.****..
  ..****.**.****..
  ...........***..
  .......**...**..
  ......***.......
  .....****.......
  .....****.......
  ................
  ................

[display_glyph fan]
hd44780_slot: 2
hd44780_data:
  .....
  *..**
  **.*.
  ..*..
  .*.**
  **..*
  .....
  .....

[display_glyph feedrate]
data:
  ................
  ................
  ***.***.***.**..
  *...*...*...*.*.
  **..**..**..*.*.
  *...*...*...*.*.
  *...***.***.**..
  ................
  **...*..***.***.
  *.*.*.*..*..*...
  **..***..*..**..
  *.*.*.*..*..*...
  *.*.*.*..*..***.
  ................
  ................
  ................
hd44780_slot: 3
hd44780_data:
  ***..
  *....
  **...
  *.***
  ..*.*
  ..**.
  ..*.*
  .....

[display_glyph clock]
hd44780_slot: 4
hd44780_data:
  .....
  .***.
  *..**
  *.*.*
  *...*
  .***.
  .....
  .....

[display_glyph degrees]
hd44780_slot: 5
hd44780_data:
  .**..
  *..*.
  *..*.
  .**..
  .....
  .....
  .....
  .....

[display_glyph usb]
hd44780_slot: 6
hd44780_data:
  .***.
  .***.
  .***.
  *****
  *****
  *****
  ..*..
  ..*..

[display_glyph sd]
hd44780_slot: 6
hd44780_data:
  .....
  ..***
  .****
  *****
  *****
  *****
  *****
  .....
)CFG";

}  // namespace kpp::display
