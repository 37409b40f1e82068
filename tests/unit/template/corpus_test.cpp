// Every template option in Klipper's example configs and regression configs must compile: the
// macros users copy from there have to work unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "template/template.h"

namespace kpp::tmpl {
namespace {

namespace fs = std::filesystem;

struct Option {
  std::string file;
  std::string section;
  std::string name;
  std::string value;
};

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n\f\v");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n\f\v");
  return s.substr(b, e - b + 1);
}

// A minimal reader with Klipper's rules: everything after '#' is dropped, then Python's
// RawConfigParser(inline_comment_prefixes=(';', '#')) splits sections and (multi-line) options.
std::vector<Option> read_cfg(const fs::path& path) {
  std::ifstream in(path);
  std::vector<Option> out;
  std::string section;
  Option* cur = nullptr;
  std::vector<std::string> value_lines;
  auto flush = [&]() {
    if (!cur) return;
    std::string v;
    for (size_t i = 0; i < value_lines.size(); ++i) {
      if (i) v += '\n';
      v += value_lines[i];
    }
    while (!v.empty() && (v.back() == '\n' || v.back() == ' ' || v.back() == '\t')) v.pop_back();
    cur->value = v;
    cur = nullptr;
    value_lines.clear();
  };
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    // Inline ';' comments start at the line's beginning or after whitespace; a line that had
    // one adds no empty line to a value (a line emptied by '#' does: the parser never saw it).
    bool semicolon = false;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == ';' && (i == 0 || std::isspace(static_cast<unsigned char>(line[i - 1])))) {
        line.resize(i);
        semicolon = true;
        break;
      }
    }
    std::string stripped = trim(line);
    bool indented = !line.empty() && std::isspace(static_cast<unsigned char>(line[0]));
    if (stripped.empty()) {
      if (cur && !semicolon) value_lines.emplace_back();
      continue;
    }
    if (indented && cur) {
      value_lines.push_back(stripped);
      continue;
    }
    flush();
    if (stripped.front() == '[' && stripped.back() == ']') {
      section = trim(stripped.substr(1, stripped.size() - 2));
      continue;
    }
    size_t sep = stripped.find_first_of(":=");
    if (sep == std::string::npos) continue;
    std::string name = trim(stripped.substr(0, sep));
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    out.push_back({path.filename().string(), section, name, ""});
    cur = &out.back();
    value_lines.push_back(trim(stripped.substr(sep + 1)));
  }
  flush();
  return out;
}

// Klipper's options that are templates (gcode_macro.load_template callers), by section type.
bool is_template_option(const std::string& section, const std::string& option) {
  static const std::map<std::string, std::vector<std::string>> kTemplates = {
      {"gcode_macro", {"gcode"}},
      {"delayed_gcode", {"gcode"}},
      {"homing_override", {"gcode"}},
      {"idle_timeout", {"gcode"}},
      {"gcode_button", {"press_gcode", "release_gcode"}},
      {"filament_switch_sensor", {"runout_gcode", "insert_gcode"}},
      {"filament_motion_sensor", {"runout_gcode", "insert_gcode"}},
      {"probe", {"activate_gcode", "deactivate_gcode"}},
      {"bltouch", {"activate_gcode", "deactivate_gcode"}},
      {"smart_effector", {"activate_gcode", "deactivate_gcode"}},
      {"display_template", {"text"}},
      {"display_data", {"text"}},
      {"menu", {"name", "enable", "gcode", "input"}},
      {"virtual_sdcard", {"on_error_gcode"}},
  };
  std::string type = section.substr(0, section.find(' '));
  auto it = kTemplates.find(type);
  if (it == kTemplates.end()) return false;
  return std::find(it->second.begin(), it->second.end(), option) != it->second.end();
}

TEST(TemplateCorpus, ReaderFollowsKlipperRules) {
  fs::path tmp = fs::temp_directory_path() / "kpp_template_corpus_reader.cfg";
  {
    std::ofstream f(tmp);
    f << "[gcode_macro T]  ; comment\n"
         "description: x # comment\n"
         "gcode:\n"
         "  G1 X{1}  ; inline\n"
         "  # full comment\n"
         "\n"
         "    {% if 1 %}\n"
         "  M117 a;b\n"
         "\n";
  }
  std::vector<Option> opts = read_cfg(tmp);
  fs::remove(tmp);
  ASSERT_EQ(opts.size(), 2u);
  EXPECT_EQ(opts[0].section, "gcode_macro T");
  EXPECT_EQ(opts[0].value, "x");
  EXPECT_EQ(opts[1].name, "gcode");
  // What Klipper's configfile + Python's RawConfigParser give for the same text.
  EXPECT_EQ(opts[1].value, "\nG1 X{1}\n\n\n{% if 1 %}\nM117 a;b");
}

TEST(TemplateCorpus, EveryKlipperTemplateCompiles) {
  // The shared folder sits next to the checkout (/work/main) or two levels up (a worktree).
  fs::path shared(KPP_SHARED_DIR);
  if (!fs::is_directory(shared / "klipper"))
    shared = fs::path(KPP_SOURCE_DIR) / ".." / ".." / "shared";
  std::vector<fs::path> dirs = {shared / "klipper" / "config",
                                shared / "klipper" / "test" / "klippy"};
  std::vector<fs::path> files;
  for (const auto& dir : dirs) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".cfg") files.push_back(entry.path());
    }
  }
  if (files.empty()) GTEST_SKIP() << "no Klipper configs under " << shared;
  std::sort(files.begin(), files.end());
  int total = 0;
  int compiled = 0;
  int macros = 0;
  std::ostringstream failures;
  for (const auto& file : files) {
    for (const Option& opt : read_cfg(file)) {
      if (!is_template_option(opt.section, opt.name)) continue;
      ++total;
      if (opt.section.rfind("gcode_macro", 0) == 0 || opt.section.rfind("delayed_gcode", 0) == 0) {
        ++macros;
      }
      try {
        Template t = Template::compile(opt.section + ":" + opt.name, opt.value);
        ++compiled;
      } catch (const TemplateSyntaxError& e) {
        failures << opt.file << " [" << opt.section << "] " << opt.name << " line " << e.line()
                 << ": " << e.message() << "\n";
      }
    }
  }
  std::cout << compiled << " of " << total << " macros compiled (" << macros
            << " gcode_macro/delayed_gcode, the rest other template options; " << files.size()
            << " files)\n";
  EXPECT_EQ(compiled, total) << failures.str();
  EXPECT_GT(total, 100);
}

}  // namespace
}  // namespace kpp::tmpl
