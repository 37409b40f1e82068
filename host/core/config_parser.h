// The pieces of the printer.cfg reader that SAVE_CONFIG reuses: reading a file, splitting off
// the SAVE_CONFIG block, parsing numbered lines (with includes) and Klipper's duplicate removal.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"

namespace kpp::cfgparse {

// One line of a file and its 1-based number there.
struct Line {
  std::string text;
  int number = 0;
};

// The three lines that open the SAVE_CONFIG block, with the newline before them.
extern const std::string_view kAutosaveHeader;

// The file's text with "\r\n" and "\r" turned into "\n". ConfigError "Unable to open config
// file <path>" when it cannot be read.
std::string read_config_file(const std::string& path);
std::vector<Line> split_lines(std::string_view text, int first_number = 1);

// A main file split at the SAVE_CONFIG header. `autosave` holds the block's lines with their
// "#*# " prefix removed; a damaged block (text after the header that lacks the prefix, or a
// "#*# " line above it) is ignored with a warning in the log, as Klipper does.
struct MainFileParts {
  std::string regular_text;
  std::vector<Line> regular;
  std::vector<Line> autosave;
  bool has_block = false;
};
MainFileParts find_autosave_data(std::string_view data);

// Comment out (prefix "#") the option lines, and their continuation lines, of `lines` whose
// option `config` also defines.
void strip_duplicates(std::vector<Line>& lines, const ConfigFile& config);

// Parse lines of the file `filename` (includes relative to it) into a new ConfigFile.
std::shared_ptr<ConfigFile> parse_lines(const std::vector<Line>& lines,
                                        const std::string& filename);

}  // namespace kpp::cfgparse
