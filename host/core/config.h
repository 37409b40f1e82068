// printer.cfg: parsing (sections, options, includes, the SAVE_CONFIG block) and the typed access
// every module uses to read its section, with Klipper's checks and error texts.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/json.h"

namespace kpp {

class Printer;

// Bounds for getfloat / GCodeCommand::get_float.
struct FloatLimits {
  std::optional<double> minval{}, maxval{}, above{}, below{};
};
// Bounds for getint / GCodeCommand::get_int.
struct IntLimits {
  std::optional<int64_t> minval{}, maxval{};
};

// One option as written in a file: its raw value and where it was set.
struct ConfigOption {
  std::string value;
  std::string file;  // path as given (relative paths relative to the working directory)
  int line = 0;      // 1-based line of the option name
};

// One [section]: options in file order (a later definition of the same option replaces the
// value but keeps the original position, as Python's configparser does).
struct ConfigSectionData {
  std::string name;
  std::string file;
  int line = 0;
  std::vector<std::pair<std::string, ConfigOption>> options;  // lower-cased option names

  // `option` is compared case-insensitively (names are stored lower-cased).
  const ConfigOption* find(std::string_view option) const;
  ConfigOption* find(std::string_view option);
};

// The parsed contents of printer.cfg and everything it includes, sections in first-seen order,
// with the SAVE_CONFIG block (if any) merged on top.
class ConfigFile {
 public:
  // Parse `path` and its includes. Throws ConfigError on syntax errors, missing include files
  // and include loops.
  static std::shared_ptr<ConfigFile> load(const std::string& path);
  // Parse text as if it were the file `name` (includes resolve relative to `name`).
  static std::shared_ptr<ConfigFile> parse(std::string_view text, const std::string& name);

  // Parse text as a plain config (no SAVE_CONFIG handling), includes relative to `name`.
  static std::shared_ptr<ConfigFile> parse_plain(std::string_view text, const std::string& name);

  const std::vector<ConfigSectionData>& sections() const { return sections_; }
  // Section names are case-sensitive (as in Klipper).
  const ConfigSectionData* find_section(std::string_view name) const;
  ConfigSectionData* find_section(std::string_view name);
  bool has_option(std::string_view section, std::string_view option) const;
  // Set an option (created at the end of its section, the section at the end of the file).
  void set(std::string_view section, std::string_view option, std::string value);
  bool remove_section(std::string_view section);

  // The text of the main file, without its SAVE_CONFIG block; and that block's sections.
  const std::string& main_path() const { return main_path_; }
  const std::string& main_text() const { return main_text_; }
  const std::string& autosave_text() const { return autosave_text_; }
  // The SAVE_CONFIG block as its own config (its options are already part of sections()).
  // Never null for files from load()/parse(); options that the upper part of the file also
  // defines are dropped from it, as Klipper does (the upper part wins).
  const std::shared_ptr<ConfigFile>& autosave() const { return autosave_; }

  // "file:line" for messages, the file shown relative to the main file's folder when inside it.
  std::string describe_location(const std::string& file, int line) const;
  // Klipper's configparser output ("[section]\nkey = value\n\n..."), the form of the
  // SAVE_CONFIG block and of the config dump in the log; multi-line values indented by a tab.
  std::string to_string() const;

 private:
  friend class ConfigParser;
  std::vector<ConfigSectionData> sections_;
  std::string main_path_;
  std::string main_text_;
  std::string autosave_text_;
  std::shared_ptr<ConfigFile> autosave_;
};

// Python's str(float) ("0.0", "5.0", "1e-05", "inf"), the form numbers take in config errors.
std::string format_py_float(double v);
// Python int() / float() / configparser's boolean rules on a whole value (surrounding
// whitespace allowed). float: no "nan" (it would pass every limit check; see docs/config.md).
std::optional<int64_t> parse_config_int(std::string_view s);
std::optional<double> parse_config_float(std::string_view s);
std::optional<bool> parse_config_bool(std::string_view s);

// Records which options each module read (for the "not valid" check and the "settings" status).
// Section and option names are lower-cased here (Klipper's access_tracking keys).
class ConfigAccessTracker {
 public:
  void note(std::string_view section, std::string_view option, Json parsed_value);
  bool was_accessed(std::string_view section, std::string_view option) const;
  bool section_accessed(std::string_view section) const;
  const std::map<std::string, Json>& settings() const { return settings_; }

  // Deprecation warnings (one per section/option/value), in the order first reported, as the
  // entries of configfile's "warnings" status: {type, message, section, option[, value]}.
  void deprecate(std::string_view section, std::string_view option,
                 std::optional<std::string_view> value, const std::string& msg);
  const std::vector<Json>& warnings() const { return warnings_; }

 private:
  std::map<std::string, Json> settings_;  // section -> {option: parsed value}
  std::set<std::string> sections_;
  std::vector<Json> warnings_;
  std::set<std::string> warning_keys_;
};

// Klipper's check after all modules loaded: every section must have been read by a module (or
// be a loaded object's name) and every option must have been read. Options of the SAVE_CONFIG
// block are always accepted. Throws ConfigError "Section 'x' is not a valid config section" or
// "Option 'y' is not valid in section 'x'", followed by " (file:line)".
void check_unused_options(const ConfigFile& file, const ConfigAccessTracker& tracker,
                          const std::set<std::string>& object_names);
// configfile's "config" status: every section and option as raw strings.
Json config_raw_status(const ConfigFile& file);

// A view of one section, handed to a module's constructor.
class ConfigWrapper {
 public:
  ConfigWrapper(Printer& printer, std::shared_ptr<ConfigFile> file,
                std::shared_ptr<ConfigAccessTracker> tracker, std::string section);

  Printer& get_printer() const { return *printer_; }
  const std::string& get_name() const { return section_; }
  bool has_option(std::string_view option) const;
  // Where an option (or, with an empty option, the section) was set, e.g. "printer.cfg:12".
  std::string location(std::string_view option = {}) const;

  // Required when no default is given; the _opt forms default to "not set" (Klipper's None).
  std::string get(std::string_view option) const;
  std::string get(std::string_view option, std::string_view def) const;
  std::optional<std::string> get_opt(std::string_view option) const;
  // The raw value without recording an access (Klipper's get(..., note_valid=False)).
  std::optional<std::string> peek(std::string_view option) const;

  int64_t getint(std::string_view option, IntLimits lim = {}) const;
  int64_t getint(std::string_view option, int64_t def, IntLimits lim = {}) const;
  std::optional<int64_t> getint_opt(std::string_view option, IntLimits lim = {}) const;

  double getfloat(std::string_view option, FloatLimits lim = {}) const;
  double getfloat(std::string_view option, double def, FloatLimits lim = {}) const;
  std::optional<double> getfloat_opt(std::string_view option, FloatLimits lim = {}) const;

  bool getboolean(std::string_view option) const;
  bool getboolean(std::string_view option, bool def) const;
  std::optional<bool> getboolean_opt(std::string_view option) const;

  // The value must be one of `choices` (compared as written); returns it.
  std::string getchoice(std::string_view option, const std::vector<std::string>& choices) const;
  std::string getchoice(std::string_view option, const std::vector<std::string>& choices,
                        std::string_view def) const;

  // Lists: `seps` from outermost to innermost, e.g. "\n," for lines of comma separated items
  // (getlists takes exactly two separators). Items are stripped and empty items dropped;
  // `count` demands an exact number of items in each innermost list.
  std::vector<std::string> getlist(std::string_view option, char sep = ',',
                                   std::optional<size_t> count = {}) const;
  std::optional<std::vector<std::string>> getlist_opt(std::string_view option, char sep = ',',
                                                      std::optional<size_t> count = {}) const;
  std::vector<std::vector<std::string>> getlists(std::string_view option, std::string_view seps,
                                                 std::optional<size_t> count = {}) const;
  std::vector<int64_t> getintlist(std::string_view option, char sep = ',',
                                  std::optional<size_t> count = {}) const;
  std::optional<std::vector<int64_t>> getintlist_opt(std::string_view option, char sep = ',',
                                                     std::optional<size_t> count = {}) const;
  std::vector<double> getfloatlist(std::string_view option, char sep = ',',
                                   std::optional<size_t> count = {}) const;
  std::optional<std::vector<double>> getfloatlist_opt(std::string_view option, char sep = ',',
                                                      std::optional<size_t> count = {}) const;

  // Other sections of the same file.
  ConfigWrapper getsection(std::string_view section) const;
  bool has_section(std::string_view section) const;
  std::vector<ConfigWrapper> get_prefix_sections(std::string_view prefix) const;
  std::vector<std::string> get_prefix_options(std::string_view prefix) const;

  // Record that an option (or its value) is deprecated: a warning in the log and the status.
  // Does nothing when the option is not set.
  void deprecate(std::string_view option, std::optional<std::string_view> value = {}) const;
  // Mark an option as read without parsing it: it counts as valid and its raw value (if set)
  // appears in the "settings" status.
  void note_valid(std::string_view option) const;

  // A ConfigError whose text is `msg` (modules throw config.error("...")).
  ConfigError error(const std::string& msg) const { return ConfigError(msg); }

  const std::shared_ptr<ConfigFile>& file() const { return file_; }
  const std::shared_ptr<ConfigAccessTracker>& tracker() const { return tracker_; }

 private:
  const ConfigOption* lookup(std::string_view option) const;
  [[noreturn]] void fail(std::string_view option, const std::string& msg) const;
  std::string required_msg(std::string_view option) const;
  double check_float(std::string_view option, double v, const FloatLimits& lim) const;
  int64_t check_int(std::string_view option, int64_t v, const IntLimits& lim) const;
  std::vector<std::vector<std::string>> split_lists(std::string_view option,
                                                    const std::string& value, std::string_view seps,
                                                    std::optional<size_t> count) const;

  Printer* printer_;
  std::shared_ptr<ConfigFile> file_;
  std::shared_ptr<ConfigAccessTracker> tracker_;
  std::string section_;
};

}  // namespace kpp
