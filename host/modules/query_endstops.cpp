// QUERY_ENDSTOPS (see query_endstops.h).
#include "modules/query_endstops.h"

#include "core/toolhead_base.h"

namespace kpp {

QueryEndstops::QueryEndstops(const ConfigWrapper& config) : printer_(config.get_printer()) {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "QUERY_ENDSTOPS", [this](GCodeCommand& g) { cmd_query_endstops(g); }, false,
      "Report on the status of each endstop");
  gcode.register_command("M119", [this](GCodeCommand& g) { cmd_query_endstops(g); });
}

void QueryEndstops::register_endstop(std::shared_ptr<McuEndstop> endstop,
                                     const std::string& name) {
  endstops_.emplace_back(std::move(endstop), name);
}

Json QueryEndstops::get_status(double) {
  Json last = Json::object();
  for (auto& [name, value] : last_state_) last[name] = value;
  return Json{{"last_query", last}};
}

void QueryEndstops::cmd_query_endstops(GCodeCommand& gcmd) {
  double print_time = printer_.lookup<ToolHeadBase>("toolhead").get_last_move_time();
  last_state_.clear();
  for (auto& [es, name] : endstops_) last_state_.emplace_back(name, es->query_endstop(print_time));
  std::string msg;
  for (auto& [name, t] : last_state_) {
    if (!msg.empty()) msg += ' ';
    msg += name + ":" + (t ? "TRIGGERED" : "open");
  }
  gcmd.respond_raw(msg);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<QueryEndstops>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(query_endstops, kpp::load, nullptr)
