// [idle_timeout] (always loaded by the toolhead): tracks whether the printer is "Printing",
// "Ready" or "Idle" and runs a G-code template (by default: heaters and motors off) after the
// toolhead has been idle for `timeout` seconds. Other modules follow the state through the
// idle_timeout:printing / idle_timeout:ready / idle_timeout:idle events (argument: print time).
#pragma once

#include <string>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "core/reactor.h"
#include "modules/gcode_macro.h"

namespace kpp {

class ToolHead;

class IdleTimeout : public PrinterObject {
 public:
  // Margin added to print times sent with the events (time for pins to follow).
  static constexpr double kPinMinTime = 0.100;
  // How long the toolhead must have nothing queued before "Printing" becomes "Ready".
  static constexpr double kReadyTimeout = 0.500;

  explicit IdleTimeout(const ConfigWrapper& config);
  Json get_status(double eventtime) override;
  [[nodiscard]] const std::string& state() const { return state_; }
  [[nodiscard]] double timeout() const { return idle_timeout_; }

 private:
  void handle_ready();
  void handle_sync_print_time(double curtime, double est_print_time, double print_time);
  double timeout_handler(double eventtime);
  double check_idle_timeout(double eventtime);
  double transition_idle_state(double eventtime);
  void cmd_set_idle_timeout(GCodeCommand& gcmd);

  Printer& printer_;
  Reactor& reactor_;
  GCodeDispatch& gcode_;
  ToolHead* toolhead_ = nullptr;
  Reactor::Timer* timer_ = nullptr;
  double idle_timeout_;
  MacroTemplate idle_gcode_;
  std::string state_ = "Idle";
  double last_print_start_systime_ = 0.;
};

}  // namespace kpp
