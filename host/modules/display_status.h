// [display_status]: M117 / SET_DISPLAY_TEXT messages and M73 progress for displays and
// front-ends ("display_status" status: progress, message).
#pragma once

#include <optional>
#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {

class DisplayStatus : public PrinterObject {
 public:
  explicit DisplayStatus(const ConfigWrapper& config);
  Json get_status(double eventtime) override;

 private:
  Printer& printer_;
  double expire_progress_ = 0.;
  std::optional<double> progress_;
  std::optional<std::string> message_;
};

}  // namespace kpp
