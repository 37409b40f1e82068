// The API server's request model and endpoint registry (Klipper's webhooks): requests decoded
// from the socket are dispatched to endpoints by "method"; modules add their own endpoints, and
// call methods that clients registered ("remote methods"). docs/api.md describes the protocol.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/json.h"
#include "core/printer.h"

namespace kpp {

class ApiClient;
class ApiServer;
class GCodeEndpoints;
class StatusEndpoints;

// An endpoint's failure: answered as {"error": {"error": "WebRequestError", "message": ...}}.
// A CommandError thrown by a G-code run from an endpoint is answered the same way.
class WebRequestError : public CommandError {
 public:
  using CommandError::CommandError;
};

// One decoded request: {"id": any, "method": "<endpoint>", "params": {...}}.
class WebRequest {
 public:
  // Decode `text`; nullopt (and `why`) when it is not JSON, not an object, or "method" is not
  // a string or "params" not an object (Klipper drops such requests without an answer).
  static std::optional<WebRequest> decode(std::string_view text, std::shared_ptr<ApiClient> client,
                                          std::string* why = nullptr);
  WebRequest(std::shared_ptr<ApiClient> client, Json id, std::string method, Json params);

  const std::string& get_method() const { return method_; }
  const Json& get_params() const { return params_; }
  // The connection the request came on (subscriptions are tied to it).
  const std::shared_ptr<ApiClient>& get_client_connection() const { return client_; }

  // Typed parameters. A missing required parameter fails with "Missing Argument [name]", a
  // present one of the wrong JSON type with "Invalid Argument Type [name]" (also with a default).
  Json get(std::string_view item) const;
  std::string get_str(std::string_view item) const;
  std::string get_str(std::string_view item, std::string_view def) const;
  int64_t get_int(std::string_view item) const;
  int64_t get_int(std::string_view item, int64_t def) const;
  double get_float(std::string_view item) const;
  double get_float(std::string_view item, double def) const;
  // An object parameter; with a default (which may be null), the default when absent.
  Json get_dict(std::string_view item) const;
  Json get_dict(std::string_view item, Json def) const;

  WebRequestError error(const std::string& msg) const { return WebRequestError(msg); }
  // The "result" of the request (at most once; an endpoint that never sends answers {}).
  void send(Json data);
  void set_error(const std::string& message);
  // The answer to send, or null when the request had no id.
  Json finish();

 private:
  const Json* find(std::string_view item) const;
  [[noreturn]] void bad_type(std::string_view item) const;

  std::shared_ptr<ApiClient> client_;
  Json id_;
  std::string method_;
  Json params_;
  std::optional<Json> response_;
  bool is_error_ = false;
};

// The "webhooks" printer object: endpoint registry, remote methods, and the socket server.
class WebHooks : public PrinterObject {
 public:
  using Endpoint = std::function<void(WebRequest&)>;

  explicit WebHooks(Printer& printer);
  ~WebHooks() override;

  // Add an endpoint. A path registered twice is a config error.
  void register_endpoint(const std::string& path, Endpoint callback);
  // An endpoint routed by the value of parameter `key` (e.g. "name"); the value "" is the
  // route used when the parameter is absent.
  void register_mux_endpoint(const std::string& path, const std::string& key,
                             const std::string& value, Endpoint callback);
  std::vector<std::string> endpoints() const;

  // Send {"params": kwargs, ...template} to every client that registered `method` through
  // register_remote_method (gcode_macro's action_call_remote_method). Throws CommandError
  // "Remote method '<m>' not registered" / "No active connections for method '<m>'".
  void call_remote_method(const std::string& method, const Json& kwargs);

  // Run a decoded request and answer it on its connection (the server calls this in a
  // reactor callback, so an endpoint may pause, e.g. waiting for the G-code mutex).
  void process_request(WebRequest& request);

  // {state, state_message} as Status_Reference.md describes.
  Json get_status(double eventtime) override;
  Printer& get_printer() { return printer_; }
  // The socket server, or null without -a (or in batch mode).
  ApiServer* server() { return server_.get(); }

 private:
  const Endpoint& get_callback(const std::string& path) const;
  void handle_info(WebRequest& req);
  void handle_mux(WebRequest& req);
  void handle_register_remote_method(WebRequest& req);

  Printer& printer_;
  std::map<std::string, Endpoint> endpoints_;
  std::vector<std::string> endpoint_order_;
  std::map<std::string, std::pair<std::string, std::map<std::string, Endpoint>>> mux_endpoints_;
  // method -> (client uid -> (client, response template))
  std::map<std::string, std::map<uint64_t, std::pair<std::weak_ptr<ApiClient>, Json>>>
      remote_methods_;
  std::unique_ptr<GCodeEndpoints> gcode_endpoints_;
  std::unique_ptr<StatusEndpoints> status_endpoints_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace kpp
