// [query_endstops] (loaded by the rails): QUERY_ENDSTOPS / M119 report every endstop's state;
// the last answer is in the status (printer.query_endstops.last_query).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/gcode.h"
#include "core/printer.h"
#include "mcu/pin_types.h"

namespace kpp {

class WebRequest;

class QueryEndstops : public PrinterObject {
 public:
  explicit QueryEndstops(const ConfigWrapper& config);
  void register_endstop(std::shared_ptr<McuEndstop> endstop, const std::string& name);
  Json get_status(double eventtime) override;

 private:
  void cmd_query_endstops(GCodeCommand& gcmd);
  // Read every endstop at `print_time` into last_state_.
  void query(double print_time);
  // query_endstops/status: {"x": "open", "z": "TRIGGERED", ...}
  void handle_status(WebRequest& req);

  Printer& printer_;
  std::vector<std::pair<std::shared_ptr<McuEndstop>, std::string>> endstops_;
  std::vector<std::pair<std::string, int>> last_state_;
};

}  // namespace kpp
