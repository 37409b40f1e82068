// [respond]: M118 and RESPOND send messages to the host with a prefix.
#pragma once

#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {

class HostResponder : public PrinterObject {
 public:
  explicit HostResponder(const ConfigWrapper& config);

 private:
  void cmd_m118(GCodeCommand& gcmd);
  void cmd_respond(GCodeCommand& gcmd);

  std::string default_prefix_;
};

}  // namespace kpp
