// The built-in endpoint sets every printer has: G-code (gcode/*) and printer object status
// (objects/*). WebHooks owns one of each.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/reactor.h"

namespace kpp {

class ApiClient;
class GCodeDispatch;
class Printer;
class WebHooks;
class WebRequest;

// gcode/help, gcode/script, gcode/restart, gcode/firmware_restart, gcode/subscribe_output.
class GCodeEndpoints {
 public:
  GCodeEndpoints(Printer& printer, WebHooks& webhooks);

 private:
  struct Subscriber {
    std::weak_ptr<ApiClient> client;
    Json response_template;
  };
  using Subscribers = std::map<uint64_t, Subscriber>;

  static void send_output(Subscribers& subs, const std::string& msg);

  GCodeDispatch& gcode_;
  // Shared with the G-code output handler, which may outlive this object (the G-code
  // dispatcher is destroyed after webhooks).
  std::shared_ptr<Subscribers> subscribers_ = std::make_shared<Subscribers>();
};

// objects/list, objects/query, objects/subscribe. Queries are answered from a timer that
// gathers every object's get_status() once per round; subscribers get, every 250 ms, only the
// fields that changed since the previous round.
class StatusEndpoints {
 public:
  static constexpr double kRefreshTime = .25;

  StatusEndpoints(Printer& printer, WebHooks& webhooks);
  ~StatusEndpoints();

 private:
  // A one-off query (complete set) or a subscription (client set).
  struct Query {
    std::shared_ptr<ApiClient> client;  // null for a one-off query
    Json objects;                       // name -> null (all fields) or [field, ...]
    Json response_template;
    std::shared_ptr<Completion<Json>> complete;
  };

  void handle_list(WebRequest& req);
  void handle_query(WebRequest& req, bool is_subscribe);
  double do_query(double eventtime);

  Printer& printer_;
  Reactor& reactor_;
  Reactor::Timer* query_timer_ = nullptr;
  std::vector<Query> pending_queries_;
  std::map<uint64_t, Query> clients_;  // subscriptions by client uid
  Json last_query_ = Json::object();   // object name -> its status in the previous round
};

}  // namespace kpp
