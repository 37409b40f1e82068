// [delayed_gcode NAME]: a template run by a timer, started at ready (initial_duration) or by
// UPDATE_DELAYED_GCODE.
#pragma once

#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "core/reactor.h"
#include "modules/gcode_macro.h"

namespace kpp {

class DelayedGCode : public PrinterObject {
 public:
  explicit DelayedGCode(const ConfigWrapper& config);

 private:
  void handle_ready();
  double timer_event(double eventtime);
  void cmd_update(GCodeCommand& gcmd);

  Printer& printer_;
  Reactor& reactor_;
  GCodeDispatch& gcode_;
  std::string name_;
  MacroTemplate template_;
  double duration_;
  Reactor::Timer* timer_ = nullptr;
  bool inside_timer_ = false;
  bool repeat_ = false;
};

}  // namespace kpp
