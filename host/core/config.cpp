// Typed access to printer.cfg options (ConfigWrapper) with Klipper's checks and error texts,
// Python's number rules, and the record of which options modules read (ConfigAccessTracker).
#include "core/config.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "core/config_text.h"
#include "core/logging.h"

namespace kpp {

// ---------------------------------------------------------------------------------------------
// Python number rules

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// digit ("_"? digit)*, appended to `out` without the underscores; false if no digit at `i`.
bool read_digits(std::string_view s, size_t& i, std::string& out) {
  if (i >= s.size() || !is_digit(s[i])) return false;
  out += s[i++];
  while (i < s.size()) {
    if (is_digit(s[i])) {
      out += s[i++];
    } else if (s[i] == '_' && i + 1 < s.size() && is_digit(s[i + 1])) {
      i++;
    } else {
      break;
    }
  }
  return true;
}

}  // namespace

std::optional<int64_t> parse_config_int(std::string_view s) {
  s = cfgtext::strip(s);
  size_t i = 0;
  std::string digits;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) digits += s[i++];
  if (!read_digits(s, i, digits) || i != s.size()) return std::nullopt;
  const char* begin = digits.data() + (digits[0] == '+' ? 1 : 0);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(begin, digits.data() + digits.size(), v);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_config_float(std::string_view s) {
  s = cfgtext::strip(s);
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  std::string word = cfgtext::lower(s.substr(i));
  if (word == "inf" || word == "infinity")
    return neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  std::string num;
  bool int_part = read_digits(s, i, num);
  bool frac_part = false;
  if (i < s.size() && s[i] == '.') {
    num += s[i++];
    frac_part = read_digits(s, i, num);
  }
  if (!int_part && !frac_part) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    num += 'e';
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) num += s[i++];
    if (!read_digits(s, i, num)) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  double v = 0;
  auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (ec == std::errc::result_out_of_range) {
    v = std::strtod(num.c_str(), nullptr);  // Python: overflow gives inf, underflow 0.0
  } else if (ec != std::errc() || ptr != num.data() + num.size()) {
    return std::nullopt;
  }
  return neg ? -v : v;
}

std::optional<bool> parse_config_bool(std::string_view s) {
  std::string v = cfgtext::lower(s);
  if (v == "1" || v == "yes" || v == "true" || v == "on") return true;
  if (v == "0" || v == "no" || v == "false" || v == "off") return false;
  return std::nullopt;
}

std::string format_py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

// ---------------------------------------------------------------------------------------------
// ConfigAccessTracker

void ConfigAccessTracker::note(std::string_view section, std::string_view option,
                               Json parsed_value) {
  std::string s = cfgtext::lower(section);
  Json& sec = settings_[s];
  if (!sec.is_object()) sec = Json::object();
  sec[cfgtext::lower(option)] = std::move(parsed_value);
  sections_.insert(s);
}

bool ConfigAccessTracker::was_accessed(std::string_view section, std::string_view option) const {
  auto it = settings_.find(cfgtext::lower(section));
  return it != settings_.end() && it->second.contains(cfgtext::lower(option));
}

bool ConfigAccessTracker::section_accessed(std::string_view section) const {
  return sections_.count(cfgtext::lower(section)) > 0;
}

void ConfigAccessTracker::deprecate(std::string_view section, std::string_view option,
                                    std::optional<std::string_view> value, const std::string& msg) {
  std::string key = fmt::format("{}\n{}\n{}{}", section, option, value ? "=" : "",
                                value ? *value : std::string_view());
  if (!warning_keys_.insert(key).second) return;
  Json w = Json::object();
  if (value) {
    w["type"] = "deprecated_value";
    w["value"] = std::string(*value);
  } else {
    w["type"] = "deprecated_option";
  }
  w["message"] = msg;
  w["section"] = std::string(section);
  w["option"] = std::string(option);
  warnings_.push_back(std::move(w));
}

// ---------------------------------------------------------------------------------------------
// ConfigWrapper

ConfigWrapper::ConfigWrapper(Printer& printer, std::shared_ptr<ConfigFile> file,
                             std::shared_ptr<ConfigAccessTracker> tracker, std::string section)
    : printer_(&printer),
      file_(std::move(file)),
      tracker_(std::move(tracker)),
      section_(std::move(section)) {}

const ConfigOption* ConfigWrapper::lookup(std::string_view option) const {
  const ConfigSectionData* s = file_->find_section(section_);
  return s ? s->find(option) : nullptr;
}

bool ConfigWrapper::has_option(std::string_view option) const {
  return lookup(option) != nullptr;
}

std::string ConfigWrapper::location(std::string_view option) const {
  const ConfigSectionData* s = file_->find_section(section_);
  if (!s) return {};
  if (option.empty()) return file_->describe_location(s->file, s->line);
  const ConfigOption* o = s->find(option);
  return o ? file_->describe_location(o->file, o->line) : std::string();
}

void ConfigWrapper::fail(std::string_view option, const std::string& msg) const {
  std::string loc = location(option);
  throw ConfigError(loc.empty() ? msg : msg + " (" + loc + ")");
}

std::string ConfigWrapper::required_msg(std::string_view option) const {
  std::string msg = fmt::format("Option '{}' in section '{}' must be specified", option, section_);
  std::string loc = location();
  return loc.empty() ? msg : msg + " (" + loc + ")";
}

std::string ConfigWrapper::get(std::string_view option) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  tracker_->note(section_, option, o->value);
  return o->value;
}

std::string ConfigWrapper::get(std::string_view option, std::string_view def) const {
  if (!lookup(option)) {
    tracker_->note(section_, option, std::string(def));
    return std::string(def);
  }
  return get(option);
}

std::optional<std::string> ConfigWrapper::get_opt(std::string_view option) const {
  if (!lookup(option)) return std::nullopt;
  return get(option);
}

std::optional<std::string> ConfigWrapper::peek(std::string_view option) const {
  const ConfigOption* o = lookup(option);
  if (!o) return std::nullopt;
  return o->value;
}

int64_t ConfigWrapper::check_int(std::string_view option, int64_t v, const IntLimits& lim) const {
  if (lim.minval && v < *lim.minval)
    fail(option, fmt::format("Option '{}' in section '{}' must have minimum of {}", option,
                             section_, *lim.minval));
  if (lim.maxval && v > *lim.maxval)
    fail(option, fmt::format("Option '{}' in section '{}' must have maximum of {}", option,
                             section_, *lim.maxval));
  return v;
}

double ConfigWrapper::check_float(std::string_view option, double v, const FloatLimits& lim) const {
  auto text = [](double x) { return format_py_float(x); };
  if (lim.minval && v < *lim.minval)
    fail(option, fmt::format("Option '{}' in section '{}' must have minimum of {}", option,
                             section_, text(*lim.minval)));
  if (lim.maxval && v > *lim.maxval)
    fail(option, fmt::format("Option '{}' in section '{}' must have maximum of {}", option,
                             section_, text(*lim.maxval)));
  if (lim.above && v <= *lim.above)
    fail(option, fmt::format("Option '{}' in section '{}' must be above {}", option, section_,
                             text(*lim.above)));
  if (lim.below && v >= *lim.below)
    fail(option, fmt::format("Option '{}' in section '{}' must be below {}", option, section_,
                             text(*lim.below)));
  return v;
}

namespace {
std::string unable_msg(std::string_view option, const std::string& section) {
  return fmt::format("Unable to parse option '{}' in section '{}'", option, section);
}
std::string count_msg(std::string_view option, const std::string& section, size_t count) {
  return fmt::format("Option '{}' in section '{}' must have {} elements", option, section, count);
}
}  // namespace

int64_t ConfigWrapper::getint(std::string_view option, IntLimits lim) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  auto v = parse_config_int(o->value);
  if (!v) fail(option, unable_msg(option, section_));
  tracker_->note(section_, option, *v);
  return check_int(option, *v, lim);
}

int64_t ConfigWrapper::getint(std::string_view option, int64_t def, IntLimits lim) const {
  if (!lookup(option)) {
    tracker_->note(section_, option, def);
    return def;
  }
  return getint(option, lim);
}

std::optional<int64_t> ConfigWrapper::getint_opt(std::string_view option, IntLimits lim) const {
  if (!lookup(option)) return std::nullopt;
  return getint(option, lim);
}

double ConfigWrapper::getfloat(std::string_view option, FloatLimits lim) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  auto v = parse_config_float(o->value);
  if (!v) fail(option, unable_msg(option, section_));
  tracker_->note(section_, option, *v);
  return check_float(option, *v, lim);
}

double ConfigWrapper::getfloat(std::string_view option, double def, FloatLimits lim) const {
  if (!lookup(option)) {
    tracker_->note(section_, option, def);
    return def;
  }
  return getfloat(option, lim);
}

std::optional<double> ConfigWrapper::getfloat_opt(std::string_view option, FloatLimits lim) const {
  if (!lookup(option)) return std::nullopt;
  return getfloat(option, lim);
}

bool ConfigWrapper::getboolean(std::string_view option) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  auto v = parse_config_bool(o->value);
  if (!v) fail(option, unable_msg(option, section_));
  tracker_->note(section_, option, *v);
  return *v;
}

bool ConfigWrapper::getboolean(std::string_view option, bool def) const {
  if (!lookup(option)) {
    tracker_->note(section_, option, def);
    return def;
  }
  return getboolean(option);
}

std::optional<bool> ConfigWrapper::getboolean_opt(std::string_view option) const {
  if (!lookup(option)) return std::nullopt;
  return getboolean(option);
}

namespace {
std::string choice_msg(const std::string& c, std::string_view option, const std::string& section) {
  return fmt::format("Choice '{}' for option '{}' in section '{}' is not a valid choice", c, option,
                     section);
}
bool contains(const std::vector<std::string>& v, const std::string& x) {
  for (const auto& c : v)
    if (c == x) return true;
  return false;
}
}  // namespace

std::string ConfigWrapper::getchoice(std::string_view option,
                                     const std::vector<std::string>& choices) const {
  std::string c = get(option);
  if (!contains(choices, c)) fail(option, choice_msg(c, option, section_));
  return c;
}

std::string ConfigWrapper::getchoice(std::string_view option,
                                     const std::vector<std::string>& choices,
                                     std::string_view def) const {
  std::string c = get(option, def);
  if (!contains(choices, c)) fail(option, choice_msg(c, option, section_));
  return c;
}

// ---- lists ----

std::vector<std::vector<std::string>> ConfigWrapper::split_lists(
    std::string_view option, const std::string& value, std::string_view seps,
    std::optional<size_t> count) const {
  if (seps.empty() || seps.size() > 2)
    throw std::invalid_argument("ConfigWrapper::getlists: one or two separators");
  auto items = [](std::string_view text, char sep) {
    std::vector<std::string> out;
    for (auto part : cfgtext::split(text, sep)) {
      auto p = cfgtext::strip(part);
      if (!p.empty()) out.emplace_back(p);
    }
    return out;
  };
  std::vector<std::vector<std::string>> out;
  if (seps.size() == 1) {
    out.push_back(items(value, seps[0]));
  } else {
    for (const auto& group : items(value, seps[0])) out.push_back(items(group, seps[1]));
  }
  if (count)
    for (const auto& list : out)
      if (list.size() != *count) fail(option, count_msg(option, section_, *count));
  return out;
}

namespace {
template <class T>
Json to_json(const std::vector<T>& v) {
  Json a = Json::array();
  for (const auto& x : v) a.push_back(x);
  return a;
}
}  // namespace

std::vector<std::vector<std::string>> ConfigWrapper::getlists(std::string_view option,
                                                              std::string_view seps,
                                                              std::optional<size_t> count) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  auto lists = split_lists(option, o->value, seps, count);
  Json a = Json::array();
  for (const auto& l : lists) a.push_back(to_json(l));
  tracker_->note(section_, option, seps.size() == 1 ? a[0] : a);
  return lists;
}

std::vector<std::string> ConfigWrapper::getlist(std::string_view option, char sep,
                                                std::optional<size_t> count) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  auto list = split_lists(option, o->value, std::string_view(&sep, 1), count)[0];
  tracker_->note(section_, option, to_json(list));
  return list;
}

std::optional<std::vector<std::string>> ConfigWrapper::getlist_opt(
    std::string_view option, char sep, std::optional<size_t> count) const {
  if (!lookup(option)) return std::nullopt;
  return getlist(option, sep, count);
}

std::vector<int64_t> ConfigWrapper::getintlist(std::string_view option, char sep,
                                               std::optional<size_t> count) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  // Every item is parsed before the count is checked (the order of Klipper's checks).
  std::vector<int64_t> out;
  auto items = split_lists(option, o->value, std::string_view(&sep, 1), {});
  for (const auto& item : items[0]) {
    auto v = parse_config_int(item);
    if (!v) fail(option, unable_msg(option, section_));
    out.push_back(*v);
  }
  if (count && out.size() != *count) fail(option, count_msg(option, section_, *count));
  tracker_->note(section_, option, to_json(out));
  return out;
}

std::optional<std::vector<int64_t>> ConfigWrapper::getintlist_opt(
    std::string_view option, char sep, std::optional<size_t> count) const {
  if (!lookup(option)) return std::nullopt;
  return getintlist(option, sep, count);
}

std::vector<double> ConfigWrapper::getfloatlist(std::string_view option, char sep,
                                                std::optional<size_t> count) const {
  const ConfigOption* o = lookup(option);
  if (!o) throw ConfigError(required_msg(option));
  // Every item is parsed before the count is checked (the order of Klipper's checks).
  std::vector<double> out;
  auto items = split_lists(option, o->value, std::string_view(&sep, 1), {});
  for (const auto& item : items[0]) {
    auto v = parse_config_float(item);
    if (!v) fail(option, unable_msg(option, section_));
    out.push_back(*v);
  }
  if (count && out.size() != *count) fail(option, count_msg(option, section_, *count));
  tracker_->note(section_, option, to_json(out));
  return out;
}

std::optional<std::vector<double>> ConfigWrapper::getfloatlist_opt(
    std::string_view option, char sep, std::optional<size_t> count) const {
  if (!lookup(option)) return std::nullopt;
  return getfloatlist(option, sep, count);
}

// ---- other sections ----

ConfigWrapper ConfigWrapper::getsection(std::string_view section) const {
  return ConfigWrapper(*printer_, file_, tracker_, std::string(section));
}

bool ConfigWrapper::has_section(std::string_view section) const {
  return file_->find_section(section) != nullptr;
}

std::vector<ConfigWrapper> ConfigWrapper::get_prefix_sections(std::string_view prefix) const {
  std::vector<ConfigWrapper> out;
  for (const auto& s : file_->sections())
    if (std::string_view(s.name).starts_with(prefix)) out.push_back(getsection(s.name));
  return out;
}

std::vector<std::string> ConfigWrapper::get_prefix_options(std::string_view prefix) const {
  std::vector<std::string> out;
  if (const ConfigSectionData* s = file_->find_section(section_))
    for (const auto& [name, opt] : s->options)
      if (std::string_view(name).starts_with(prefix)) out.push_back(name);
  return out;
}

void ConfigWrapper::deprecate(std::string_view option,
                              std::optional<std::string_view> value) const {
  if (!lookup(option)) return;
  std::string msg =
      value ? fmt::format("Value '{}' in option '{}' in section '{}' is deprecated.", *value,
                          option, section_)
            : fmt::format("Option '{}' in section '{}' is deprecated.", option, section_);
  log::info("{}", msg);
  tracker_->deprecate(section_, option, value, msg);
}

void ConfigWrapper::note_valid(std::string_view option) const {
  if (const ConfigOption* o = lookup(option)) tracker_->note(section_, option, o->value);
}

}  // namespace kpp
