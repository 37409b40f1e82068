// ConfigFile as data: lookup and change of sections and options, the configparser text form,
// the raw-config status and the check for sections and options no module read.
#include <algorithm>

#include <fmt/format.h>

#include "core/config.h"
#include "core/config_text.h"

namespace kpp {

namespace {
template <class Options>
auto find_option(Options& options, std::string_view option) {
  std::string key = cfgtext::lower(option);
  auto it =
      std::find_if(options.begin(), options.end(), [&](const auto& o) { return o.first == key; });
  return it == options.end() ? nullptr : &it->second;
}
}  // namespace

const ConfigOption* ConfigSectionData::find(std::string_view option) const {
  return find_option(options, option);
}

ConfigOption* ConfigSectionData::find(std::string_view option) {
  return find_option(options, option);
}

const ConfigSectionData* ConfigFile::find_section(std::string_view name) const {
  for (const auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

ConfigSectionData* ConfigFile::find_section(std::string_view name) {
  for (auto& s : sections_)
    if (s.name == name) return &s;
  return nullptr;
}

bool ConfigFile::has_option(std::string_view section, std::string_view option) const {
  const ConfigSectionData* s = find_section(section);
  return s && s->find(option);
}

void ConfigFile::set(std::string_view section, std::string_view option, std::string value) {
  ConfigSectionData* s = find_section(section);
  if (!s) {
    sections_.push_back(ConfigSectionData{std::string(section), {}, 0, {}});
    s = &sections_.back();
  }
  if (ConfigOption* o = s->find(option)) {
    o->value = std::move(value);
    o->file.clear();
    o->line = 0;
    return;
  }
  s->options.emplace_back(cfgtext::lower(option), ConfigOption{std::move(value), {}, 0});
}

bool ConfigFile::remove_section(std::string_view section) {
  auto it = std::find_if(sections_.begin(), sections_.end(),
                         [&](const ConfigSectionData& s) { return s.name == section; });
  if (it == sections_.end()) return false;
  sections_.erase(it);
  return true;
}

std::string ConfigFile::describe_location(const std::string& file, int line) const {
  if (file.empty() || line <= 0) return {};
  std::string shown = file;
  std::string dir = cfgtext::dirname(main_path_);
  if (file == main_path_) {
    size_t slash = file.rfind('/');
    shown = slash == std::string::npos ? file : file.substr(slash + 1);
  } else if (!dir.empty()) {
    std::string prefix = dir.back() == '/' ? dir : dir + "/";
    if (file.starts_with(prefix)) shown = file.substr(prefix.size());
  }
  return fmt::format("{}:{}", shown, line);
}

std::string ConfigFile::to_string() const {
  std::string out;
  for (const auto& s : sections_) {
    out += "[" + s.name + "]\n";
    for (const auto& [name, opt] : s.options) {
      out += name + " = ";
      for (char c : opt.value) {
        out += c;
        if (c == '\n') out += '\t';
      }
      out += '\n';
    }
    out += '\n';
  }
  return out;
}

Json config_raw_status(const ConfigFile& file) {
  Json out = Json::object();
  for (const auto& s : file.sections()) {
    Json& sec = out[s.name] = Json::object();
    for (const auto& [name, opt] : s.options) sec[name] = opt.value;
  }
  return out;
}

void check_unused_options(const ConfigFile& file, const ConfigAccessTracker& tracker,
                          const std::set<std::string>& object_names) {
  const ConfigFile* autosave = file.autosave().get();
  auto in_autosave = [&](const std::string& section, const std::string& option) {
    if (!autosave) return false;
    for (const auto& s : autosave->sections())
      if (cfgtext::lower(s.name) == section && s.find(option)) return true;
    return false;
  };
  auto where = [&](const std::string& f, int line) {
    std::string loc = file.describe_location(f, line);
    return loc.empty() ? loc : " (" + loc + ")";
  };
  for (const auto& s : file.sections()) {
    std::string section = cfgtext::lower(s.name);
    bool autosave_section = false;
    if (autosave)
      for (const auto& a : autosave->sections())
        if (cfgtext::lower(a.name) == section && !a.options.empty()) autosave_section = true;
    if (!tracker.section_accessed(section) && !object_names.count(section) && !autosave_section)
      throw ConfigError(fmt::format("Section '{}' is not a valid config section{}", section,
                                    where(s.file, s.line)));
    for (const auto& [option, opt] : s.options) {
      if (tracker.was_accessed(section, option) || in_autosave(section, option)) continue;
      throw ConfigError(fmt::format("Option '{}' is not valid in section '{}'{}", option, section,
                                    where(opt.file, opt.line)));
    }
  }
}

}  // namespace kpp
