// SAVE_CONFIG: generating the "#*#" block, checking it against the file on disk and replacing
// the main config file with a backup of the old one.
#include "core/config_save.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/config_parser.h"
#include "core/config_text.h"
#include "core/logging.h"

namespace kpp {

std::string autosave_block_text(const ConfigFile& block) {
  if (block.sections().empty()) return {};
  std::string out = "\n" + std::string(cfgtext::rstrip(cfgparse::kAutosaveHeader));
  std::string body = block.to_string();
  for (auto line : cfgtext::split(cfgtext::strip(body), '\n')) {
    out += '\n';
    out += cfgtext::rstrip("#*# " + std::string(line));
  }
  out += '\n';
  return out;
}

namespace {

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool write_file(const std::string& path, std::string_view data, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return false;
  bool ok = write_all(fd, data) && fsync(fd) == 0;
  return close(fd) == 0 && ok;
}

// Keep the old file as `backup`: a hard link when the file system allows it (the main file then
// never goes missing), else a copy.
bool make_backup(const std::string& path, const std::string& backup, mode_t mode) {
  unlink(backup.c_str());
  if (link(path.c_str(), backup.c_str()) == 0) return true;
  try {
    return write_file(backup, cfgparse::read_config_file(path), mode);
  } catch (const ConfigError&) {
    return false;
  }
}

CommandError write_error(const std::string& what) {
  log::error("SAVE_CONFIG: {}: {}", what, std::strerror(errno));
  return CommandError("Unable to write config file during SAVE_CONFIG");
}

}  // namespace

std::string save_config(const std::string& main_path, const ConfigFile& block, std::time_t now) {
  // Read in and check the file as it is on disk now.
  cfgparse::MainFileParts parts;
  try {
    parts = cfgparse::find_autosave_data(cfgparse::read_config_file(main_path));
    cfgparse::parse_lines(parts.regular, main_path);
  } catch (const ConfigError& e) {
    log::error("Unable to parse existing config on SAVE_CONFIG: {}", e.what());
    throw CommandError("Unable to parse existing config on SAVE_CONFIG");
  }
  cfgparse::strip_duplicates(parts.regular, block);
  // What is left defined elsewhere comes from an include, which SAVE_CONFIG cannot change.
  std::shared_ptr<ConfigFile> upper;
  try {
    upper = cfgparse::parse_lines(parts.regular, main_path);
  } catch (const ConfigError& e) {
    log::error("Unable to parse existing config on SAVE_CONFIG: {}", e.what());
    throw CommandError("Unable to parse existing config on SAVE_CONFIG");
  }
  for (const auto& s : block.sections())
    for (const auto& [option, value] : s.options)
      if (upper->has_option(s.name, option))
        throw CommandError(fmt::format(
            "SAVE_CONFIG section '{}' option '{}' conflicts with included value", s.name, option));

  std::string text;
  for (size_t i = 0; i < parts.regular.size(); i++) {
    if (i) text += '\n';
    text += parts.regular[i].text;
  }
  std::string data = std::string(cfgtext::rstrip(text)) + autosave_block_text(block);
  if (block.sections().empty()) data += '\n';

  // File names as Klipper makes them.
  char date[32];
  struct tm tm {};
  localtime_r(&now, &tm);
  std::strftime(date, sizeof(date), "-%Y%m%d_%H%M%S", &tm);
  std::string stem = main_path, ext;
  if (main_path.ends_with(".cfg")) {
    stem = main_path.substr(0, main_path.size() - 4);
    ext = ".cfg";
  }
  std::string backup = stem + date + ext;
  std::string temp = stem + "_autosave" + ext;
  log::info("SAVE_CONFIG to '{}' (backup in '{}')", main_path, backup);

  struct stat st {};
  mode_t mode = stat(main_path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (!write_file(temp, data, mode)) throw write_error("writing " + temp);
  if (!make_backup(main_path, backup, mode)) {
    unlink(temp.c_str());
    throw write_error("keeping " + backup);
  }
  if (rename(temp.c_str(), main_path.c_str()) != 0) {
    unlink(temp.c_str());
    throw write_error("renaming " + temp);
  }
  return backup;
}

// ---------------------------------------------------------------------------------------------

ConfigAutosave::ConfigAutosave(const ConfigFile& block)
    : block_(std::make_shared<ConfigFile>(block)) {}

void ConfigAutosave::set(std::string_view section, std::string_view option, std::string value) {
  log::info("save_config: set [{}] {} = {}", section, option, value);
  block_->set(section, option, value);
  Json& sec = pending_items_[std::string(section)];
  if (!sec.is_object()) sec = Json::object();
  sec[std::string(option)] = std::move(value);
  pending_ = true;
}

void ConfigAutosave::set(std::string_view section, std::string_view option, double value) {
  set(section, option, format_py_float(value));
}

void ConfigAutosave::remove_section(std::string_view section) {
  block_->remove_section(section);
  pending_items_.erase(std::string(section));
  pending_ = true;
}

std::string ConfigAutosave::save(const std::string& main_path, std::time_t now) {
  if (block_->sections().empty() && !pending_) return {};
  std::string backup = save_config(main_path, *block_, now);
  pending_ = false;
  return backup;
}

}  // namespace kpp
