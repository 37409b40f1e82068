// Webhooks: request decoding, typed parameters, endpoint dispatch, the built-in endpoints info,
// emergency_stop, register_remote_method and list_endpoints, and remote method calls.
#include "core/webhooks.h"

#include <unistd.h>

#include <filesystem>

#include "core/api_endpoints.h"
#include "core/api_server.h"
#include "core/logging.h"

namespace kpp {

// ---- WebRequest ------------------------------------------------------------------------------

WebRequest::WebRequest(std::shared_ptr<ApiClient> client, Json id, std::string method, Json params)
    : client_(std::move(client)),
      id_(std::move(id)),
      method_(std::move(method)),
      params_(std::move(params)) {}

std::optional<WebRequest> WebRequest::decode(std::string_view text,
                                             std::shared_ptr<ApiClient> client, std::string* why) {
  auto fail = [why](const char* msg) -> std::optional<WebRequest> {
    if (why) *why = msg;
    return std::nullopt;
  };
  Json base = Json::parse(text, nullptr, false);
  if (base.is_discarded()) return fail("Invalid JSON");
  if (!base.is_object()) return fail("Not a top-level dictionary");
  Json id = base.contains("id") ? base["id"] : Json(nullptr);
  auto method = base.find("method");
  if (method == base.end() || !method->is_string()) return fail("Invalid request type");
  Json params = Json::object();
  if (auto p = base.find("params"); p != base.end()) {
    if (!p->is_object()) return fail("Invalid request type");
    params = *p;
  }
  return WebRequest(std::move(client), std::move(id), method->get<std::string>(),
                    std::move(params));
}

const Json* WebRequest::find(std::string_view item) const {
  auto it = params_.find(item);
  return it == params_.end() ? nullptr : &*it;
}

void WebRequest::bad_type(std::string_view item) const {
  throw WebRequestError(fmt::format("Invalid Argument Type [{}]", item));
}

Json WebRequest::get(std::string_view item) const {
  const Json* v = find(item);
  if (!v) throw WebRequestError(fmt::format("Missing Argument [{}]", item));
  return *v;
}

std::string WebRequest::get_str(std::string_view item) const {
  Json v = get(item);
  if (!v.is_string()) bad_type(item);
  return v.get<std::string>();
}

std::string WebRequest::get_str(std::string_view item, std::string_view def) const {
  return find(item) ? get_str(item) : std::string(def);
}

int64_t WebRequest::get_int(std::string_view item) const {
  Json v = get(item);
  // JSON true/false are not integers here (Python's type() check does not accept bool).
  if (!v.is_number_integer()) bad_type(item);
  return v.get<int64_t>();
}

int64_t WebRequest::get_int(std::string_view item, int64_t def) const {
  return find(item) ? get_int(item) : def;
}

double WebRequest::get_float(std::string_view item) const {
  Json v = get(item);
  if (!v.is_number()) bad_type(item);
  return v.get<double>();
}

double WebRequest::get_float(std::string_view item, double def) const {
  return find(item) ? get_float(item) : def;
}

Json WebRequest::get_dict(std::string_view item) const {
  Json v = get(item);
  if (!v.is_object()) bad_type(item);
  return v;
}

Json WebRequest::get_dict(std::string_view item, Json def) const {
  return find(item) ? get_dict(item) : def;
}

void WebRequest::send(Json data) {
  if (response_) throw WebRequestError("Multiple calls to send not allowed");
  response_ = std::move(data);
}

void WebRequest::set_error(const std::string& message) {
  is_error_ = true;
  response_ = Json{{"error", "WebRequestError"}, {"message", message}};
}

Json WebRequest::finish() {
  if (id_.is_null()) return nullptr;
  Json out = Json::object();
  out["id"] = id_;
  out[is_error_ ? "error" : "result"] = response_ ? *response_ : Json::object();
  return out;
}

// ---- WebHooks --------------------------------------------------------------------------------

namespace {

// Where the running program lives, for "klipper_path": the first folder above the executable
// that holds our source tree (an in-tree build/bin/klippy), else the executable's folder.
std::string program_path() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.string();
}

std::string source_path(const std::string& exe) {
  if (exe.empty()) return {};
  std::filesystem::path dir = std::filesystem::path(exe).parent_path();
  for (auto p = dir; !p.empty() && p != p.root_path(); p = p.parent_path()) {
    std::error_code ec;
    if (std::filesystem::exists(p / "host" / "core" / "webhooks.h", ec)) return p.string();
  }
  return dir.string();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) < 0) return {};
  return buf;
}

Json optional_text(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

}  // namespace

WebHooks::WebHooks(Printer& printer) : printer_(printer) {
  register_endpoint("list_endpoints", [this](WebRequest& req) {
    req.send(Json{{"endpoints", endpoints()}});
  });
  register_endpoint("info", [this](WebRequest& req) { handle_info(req); });
  register_endpoint("emergency_stop", [this](WebRequest&) {
    printer_.invoke_shutdown("Shutdown due to webhooks request");
  });
  register_endpoint("register_remote_method",
                    [this](WebRequest& req) { handle_register_remote_method(req); });
  gcode_endpoints_ = std::make_unique<GCodeEndpoints>(printer, *this);
  status_endpoints_ = std::make_unique<StatusEndpoints>(printer, *this);

  const StartArgs& args = printer.get_start_args();
  // As in Klipper, batch mode (-i) never opens the socket.
  if (args.api_socket.empty() || !args.debug_input.empty()) return;
  server_ = std::make_unique<ApiServer>(printer, *this, args.api_socket);
  printer.register_event_handler("klippy:disconnect", std::function<void()>([this] {
                                   if (server_) server_->close_all();
                                 }));
  printer.register_event_handler("klippy:shutdown", std::function<void()>([this] {
                                   if (server_) server_->dump_request_logs();
                                 }));
}

// Members are destroyed in reverse order: the server (and its clients) first, then the
// endpoint sets whose subscriptions point at clients.
WebHooks::~WebHooks() = default;

void WebHooks::register_endpoint(const std::string& path, Endpoint callback) {
  if (endpoints_.count(path)) throw ConfigError("Path already registered to an endpoint");
  endpoints_[path] = std::move(callback);
  endpoint_order_.push_back(path);
}

void WebHooks::register_mux_endpoint(const std::string& path, const std::string& key,
                                     const std::string& value, Endpoint callback) {
  auto it = mux_endpoints_.find(path);
  if (it == mux_endpoints_.end()) {
    register_endpoint(path, [this](WebRequest& req) { handle_mux(req); });
    it = mux_endpoints_.emplace(path, std::make_pair(key, std::map<std::string, Endpoint>{})).first;
  }
  auto& [prev_key, values] = it->second;
  if (prev_key != key)
    throw ConfigError(fmt::format("mux endpoint {} {} {} may have only one key ({})", path, key,
                                  value, prev_key));
  if (values.count(value)) {
    std::string names;
    for (auto& [v, cb] : values) names += (names.empty() ? "" : ", ") + v;
    throw ConfigError(
        fmt::format("mux endpoint {} {} {} already registered ({})", path, key, value, names));
  }
  values[value] = std::move(callback);
}

void WebHooks::handle_mux(WebRequest& req) {
  auto& [key, values] = mux_endpoints_.at(req.get_method());
  Json param =
      values.count("") ? (req.get_params().contains(key) ? req.get(key) : Json("")) : req.get(key);
  std::string text = param.is_string() ? param.get<std::string>() : param.dump();
  auto h = param.is_string() ? values.find(text) : values.end();
  if (h == values.end())
    throw req.error(fmt::format("The value '{}' is not valid for {}", text, key));
  Endpoint cb = h->second;
  cb(req);
}

std::vector<std::string> WebHooks::endpoints() const {
  return endpoint_order_;
}

const WebHooks::Endpoint& WebHooks::get_callback(const std::string& path) const {
  auto it = endpoints_.find(path);
  if (it == endpoints_.end()) {
    std::string msg = fmt::format("webhooks: No registered callback for path '{}'", path);
    log::info("{}", msg);
    throw WebRequestError(msg);
  }
  return it->second;
}

void WebHooks::process_request(WebRequest& request) {
  try {
    Endpoint cb = get_callback(request.get_method());  // copy: an endpoint may add endpoints
    cb(request);
  } catch (const CommandError& e) {
    request.set_error(e.what());
  } catch (const std::exception& e) {
    // Only std::exception: a fiber being unwound (boost's forced_unwind) must pass through.
    std::string msg = fmt::format("Internal Error on WebRequest: {}", request.get_method());
    log::error("{}: {}", msg, e.what());
    request.set_error(e.what());
    printer_.invoke_shutdown(msg);
  }
  Json result = request.finish();
  if (result.is_null() || !request.get_client_connection()) return;
  request.get_client_connection()->send(result);
}

void WebHooks::handle_info(WebRequest& req) {
  Json client_info = req.get_dict("client_info", nullptr);
  if (!client_info.is_null() && req.get_client_connection())
    req.get_client_connection()->set_client_info(client_info);
  auto [state_message, state] = printer_.get_state_message();
  const StartArgs& args = printer_.get_start_args();
  std::string exe = program_path();
  req.send(Json{
      {"state", state},
      {"state_message", state_message},
      {"hostname", host_name()},
      {"klipper_path", source_path(exe)},
      // Front-ends use this to restart or update the host program; ours is the executable.
      {"python_path", exe},
      {"process_id", static_cast<int64_t>(getpid())},
      {"user_id", static_cast<int64_t>(getuid())},
      {"group_id", static_cast<int64_t>(getgid())},
      {"log_file", optional_text(args.log_file)},
      {"config_file", optional_text(args.config_file)},
      {"software_version", args.software_version},
      {"cpu_info", optional_text(args.cpu_info)},
      // Moonraker tells Klipper from its forks by this; we answer as Klipper does.
      {"app", "Klipper"},
  });
}

void WebHooks::handle_register_remote_method(WebRequest& req) {
  Json tmpl = req.get_dict("response_template");
  std::string method = req.get_str("remote_method");
  auto client = req.get_client_connection();
  if (!client) throw req.error("No connection to register the method for");
  log::info("webhooks: registering remote method '{}' for connection id: {}", method,
            client->uid());
  remote_methods_[method][client->uid()] = {client, std::move(tmpl)};
}

void WebHooks::call_remote_method(const std::string& method, const Json& kwargs) {
  auto it = remote_methods_.find(method);
  if (it == remote_methods_.end())
    throw CommandError(fmt::format("Remote method '{}' not registered", method));
  auto& conns = it->second;
  for (auto c = conns.begin(); c != conns.end();) {
    auto client = c->second.first.lock();
    if (!client || client->is_closed()) {
      c = conns.erase(c);
      continue;
    }
    // The template's keys win over "params", as in Klipper.
    Json out = Json{{"params", kwargs}};
    for (auto& [k, v] : c->second.second.items()) out[k] = v;
    client->send(out);
    ++c;
  }
  if (conns.empty()) {
    remote_methods_.erase(it);
    throw CommandError(fmt::format("No active connections for method '{}'", method));
  }
}

Json WebHooks::get_status(double /*eventtime*/) {
  auto [state_message, state] = printer_.get_state_message();
  return Json{{"state", state}, {"state_message", state_message}};
}

}  // namespace kpp

namespace kpp {
namespace {
// Created right after the G-code objects (Klipper's add_early_printer_objects): the API must
// answer "info" even when the config cannot be read.
void add_webhooks(Printer& printer, const ConfigWrapper*) {
  printer.add_object("webhooks", std::make_shared<WebHooks>(printer));
}
}  // namespace
}  // namespace kpp

KPP_REGISTER_STARTUP_HOOK(webhooks, kpp::StartupPhase::kEarly, 10, kpp::add_webhooks)
