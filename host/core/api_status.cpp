// objects/* endpoints: status queries and subscriptions over the printer objects' get_status().
#include "core/api_endpoints.h"
#include "core/api_server.h"
#include "core/printer.h"
#include "core/webhooks.h"

namespace kpp {

StatusEndpoints::StatusEndpoints(Printer& printer, WebHooks& webhooks)
    : printer_(printer), reactor_(printer.get_reactor()) {
  webhooks.register_endpoint("objects/list", [this](WebRequest& req) { handle_list(req); });
  webhooks.register_endpoint("objects/query",
                             [this](WebRequest& req) { handle_query(req, false); });
  webhooks.register_endpoint("objects/subscribe",
                             [this](WebRequest& req) { handle_query(req, true); });
}

StatusEndpoints::~StatusEndpoints() {
  if (query_timer_) reactor_.unregister_timer(query_timer_);
}

void StatusEndpoints::handle_list(WebRequest& req) {
  // An object has a status when its get_status() answers something other than null.
  double now = reactor_.monotonic();
  Json names = Json::array();
  for (auto& [name, obj] : printer_.lookup_objects())
    if (!obj->get_status(now).is_null()) names.push_back(name);
  req.send(Json{{"objects", std::move(names)}});
}

void StatusEndpoints::handle_query(WebRequest& req, bool is_subscribe) {
  Json objects = req.get_dict("objects");
  for (auto& [name, fields] : objects.items()) {
    if (fields.is_null()) continue;
    if (!fields.is_array()) throw req.error("Invalid argument");
    for (auto& f : fields)
      if (!f.is_string()) throw req.error("Invalid argument");
  }
  auto client = req.get_client_connection();
  if (is_subscribe && !client) throw req.error("No connection to subscribe");
  Json tmpl = req.get_dict("response_template", Json::object());
  // A new subscription replaces the client's previous one.
  if (is_subscribe) clients_.erase(client->uid());
  auto complete = std::make_shared<Completion<Json>>(reactor_);
  pending_queries_.push_back(Query{nullptr, objects, Json::object(), complete});
  if (!query_timer_)
    query_timer_ = reactor_.register_timer([this](double t) { return do_query(t); }, Reactor::kNow);
  else
    reactor_.update_timer(query_timer_, Reactor::kNow);
  auto msg = complete->wait();
  if (!msg) throw req.error("Status query did not complete");
  req.send((*msg)["params"]);
  if (is_subscribe && !client->is_closed())
    clients_[client->uid()] = Query{client, std::move(objects), std::move(tmpl), nullptr};
}

double StatusEndpoints::do_query(double eventtime) {
  Json last_query = std::move(last_query_);
  Json query = Json::object();
  std::vector<Query*> work;
  std::vector<Query> pending = std::move(pending_queries_);
  pending_queries_.clear();
  for (auto& q : pending) work.push_back(&q);
  std::vector<uint64_t> closed;
  for (auto& [uid, q] : clients_) {
    if (q.client->is_closed())
      closed.push_back(uid);
    else
      work.push_back(&q);
  }
  // Nothing below may pause: the subscriptions and the cache must stay consistent.
  for (Query* q : work) {
    bool is_query = q->client == nullptr;
    Json cquery = Json::object();
    for (auto& [name, req_items] : q->objects.items()) {
      // Each object's status is taken once per round, shared by every query and subscriber.
      if (!query.contains(name)) {
        PrinterObject* obj = printer_.lookup_object(name);
        Json status = obj ? obj->get_status(eventtime) : Json(nullptr);
        query[name] = status.is_object() ? std::move(status) : Json::object();
      }
      const Json& res = query[name];
      if (req_items.is_null()) {
        // "All fields" means the fields the object has now; later rounds compare those.
        Json keys = Json::array();
        for (auto& [k, v] : res.items()) keys.push_back(k);
        if (keys.empty()) {
          if (is_query) cquery[name] = Json::object();
          continue;
        }
        req_items = std::move(keys);
      }
      const Json& lres = last_query.contains(name) ? last_query[name] : Json::object();
      Json cres = Json::object();
      for (auto& item : req_items) {
        const std::string& ri = item.get_ref<const std::string&>();
        Json rd = res.contains(ri) ? res[ri] : Json(nullptr);
        Json prev = lres.contains(ri) ? lres[ri] : Json(nullptr);
        if (is_query || rd != prev) cres[ri] = std::move(rd);
      }
      if (!cres.empty() || is_query) cquery[name] = std::move(cres);
    }
    if (cquery.empty() && !is_query) continue;
    Json msg = q->response_template;
    msg["params"] = Json{{"eventtime", eventtime}, {"status", std::move(cquery)}};
    if (is_query)
      q->complete->complete(std::move(msg));
    else
      q->client->send(msg);
  }
  for (uint64_t uid : closed) clients_.erase(uid);
  last_query_ = std::move(query);
  if (last_query_.empty()) {
    // No queries and no subscriptions left: stop until the next request.
    reactor_.unregister_timer(query_timer_);
    query_timer_ = nullptr;
    return Reactor::kNever;
  }
  return eventtime + kRefreshTime;
}

}  // namespace kpp
