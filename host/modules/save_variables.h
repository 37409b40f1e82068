// [save_variables]: SAVE_VARIABLE stores Python literals in a file that survives restarts
// (written atomically); printer.save_variables.variables holds them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "template/value.h"

namespace kpp {

class SaveVariables : public PrinterObject {
 public:
  explicit SaveVariables(const ConfigWrapper& config);
  Json get_status(double eventtime) override;

  // The file's variables, sorted by name. Throws CommandError "Unable to parse existing
  // variable file" for a damaged file.
  static std::vector<std::pair<std::string, tmpl::Value>> read_file(const std::string& path);
  // Klipper's format (configparser): "[Variables]\nname = repr(value)\n...\n\n".
  static std::string format_file(const std::vector<std::pair<std::string, tmpl::Value>>& vars);

 private:
  void load();
  void cmd_save_variable(GCodeCommand& gcmd);

  std::string filename_;
  std::vector<std::pair<std::string, tmpl::Value>> variables_;
  Json status_;
};

}  // namespace kpp
