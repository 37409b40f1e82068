// SAVE_CONFIG: the block at the end of printer.cfg that calibration commands change at run time,
// and writing it back into the main config file.
#pragma once

#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/json.h"

namespace kpp {

// The text of a SAVE_CONFIG block for `block` (the "#*#" header and one "#*# " line per line of
// the configparser form), starting with a blank line and ending with a newline; empty when the
// block has no sections.
std::string autosave_block_text(const ConfigFile& block);

// Rewrite the main config file `main_path` with `block` as its SAVE_CONFIG block. The text above
// the block is kept, except that options the block sets are commented out there (with "#", as
// Klipper does). The previous file stays as "<name>-YYYYMMDD_HHMMSS.cfg" (local time `now`)
// beside it; the new file is written to "<name>_autosave.cfg" and renamed over the old one.
// Returns the backup's path. Throws CommandError with Klipper's texts: "Unable to parse existing
// config on SAVE_CONFIG", "SAVE_CONFIG section '%s' option '%s' conflicts with included value",
// "Unable to write config file during SAVE_CONFIG".
std::string save_config(const std::string& main_path, const ConfigFile& block,
                        std::time_t now = std::time(nullptr));

// The SAVE_CONFIG block being changed at run time: Klipper's configfile set/remove_section and
// the save_config_pending / save_config_pending_items status.
class ConfigAutosave {
 public:
  // `block` is the loaded file's autosave() (copied, so the loaded config stays as read).
  explicit ConfigAutosave(const ConfigFile& block);

  void set(std::string_view section, std::string_view option, std::string value);
  // A number, written as Python's str() would.
  void set(std::string_view section, std::string_view option, double value);
  void remove_section(std::string_view section);

  bool pending() const { return pending_; }
  // {section: {option: value}} of the set() calls since start-up.
  const Json& pending_items() const { return pending_items_; }
  const ConfigFile& block() const { return *block_; }

  // Write `main_path` (see save_config) when there is anything to write; returns the backup's
  // path, or "" when nothing was written.
  std::string save(const std::string& main_path, std::time_t now = std::time(nullptr));

 private:
  std::shared_ptr<ConfigFile> block_;
  bool pending_ = false;
  Json pending_items_ = Json::object();
};

}  // namespace kpp
