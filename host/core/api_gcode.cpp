// gcode/* endpoints: run scripts through the G-code dispatcher (waiting for the G-code mutex, so
// a script queues behind a running command) and stream terminal output to subscribers.
#include "core/api_endpoints.h"
#include "core/api_server.h"
#include "core/gcode.h"
#include "core/webhooks.h"

namespace kpp {

GCodeEndpoints::GCodeEndpoints(Printer& printer, WebHooks& webhooks)
    : gcode_(printer.lookup<GCodeDispatch>("gcode")) {
  webhooks.register_endpoint("gcode/help", [this](WebRequest& req) {
    Json help = Json::object();
    for (auto& [name, cmd] : gcode_.commands())
      if (!cmd.desc.empty()) help[name] = cmd.desc;
    req.send(std::move(help));
  });
  // A failing command throws CommandError, which becomes the request's error answer.
  webhooks.register_endpoint("gcode/script",
                             [this](WebRequest& req) { gcode_.run_script(req.get_str("script")); });
  webhooks.register_endpoint("gcode/restart",
                             [this](WebRequest&) { gcode_.run_script("restart"); });
  webhooks.register_endpoint("gcode/firmware_restart",
                             [this](WebRequest&) { gcode_.run_script("firmware_restart"); });
  webhooks.register_endpoint("gcode/subscribe_output", [this](WebRequest& req) {
    auto client = req.get_client_connection();
    if (!client) throw req.error("No connection to subscribe");
    Json tmpl = req.get_dict("response_template", Json::object());
    (*subscribers_)[client->uid()] = Subscriber{client, std::move(tmpl)};
  });
  gcode_.register_output_handler(
      [subs = subscribers_](const std::string& msg) { send_output(*subs, msg); });
}

void GCodeEndpoints::send_output(Subscribers& subs, const std::string& msg) {
  if (subs.empty()) return;
  for (auto it = subs.begin(); it != subs.end();) {
    auto client = it->second.client.lock();
    if (!client || client->is_closed()) {
      it = subs.erase(it);
      continue;
    }
    Json out = it->second.response_template;
    out["params"] = Json{{"response", msg}};
    client->send(out);
    ++it;
  }
}

}  // namespace kpp
