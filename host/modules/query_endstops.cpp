// QUERY_ENDSTOPS (see query_endstops.h).
#include "modules/query_endstops.h"

#include "core/toolhead_base.h"
#include "core/webhooks.h"

namespace kpp {

QueryEndstops::QueryEndstops(const ConfigWrapper& config) : printer_(config.get_printer()) {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command(
      "QUERY_ENDSTOPS", [this](GCodeCommand& g) { cmd_query_endstops(g); }, false,
      "Report on the status of each endstop");
  gcode.register_command("M119", [this](GCodeCommand& g) { cmd_query_endstops(g); });
  printer_.lookup<WebHooks>("webhooks")
      .register_endpoint("query_endstops/status", [this](WebRequest& req) { handle_status(req); });
}

void QueryEndstops::query(double print_time) {
  last_state_.clear();
  for (auto& [es, name] : endstops_) last_state_.emplace_back(name, es->query_endstop(print_time));
}

void QueryEndstops::handle_status(WebRequest& req) {
  // Like QUERY_ENDSTOPS, under the G-code mutex: the endstops are read after queued moves.
  {
    ReactorLock lock(printer_.lookup<GCodeDispatch>("gcode").get_mutex());
    query(printer_.lookup<ToolHeadBase>("toolhead").get_last_move_time());
  }
  Json out = Json::object();
  for (auto& [name, t] : last_state_) out[name] = t ? "TRIGGERED" : "open";
  req.send(std::move(out));
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
  query(printer_.lookup<ToolHeadBase>("toolhead").get_last_move_time());
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
