// API socket: accepting clients, 0x03 framing, non-blocking reads and buffered writes.
#include "core/api_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/logging.h"
#include "core/printer.h"
#include "core/webhooks.h"

namespace kpp {

namespace {

constexpr size_t kRequestLogSize = 20;
constexpr char kTerminator = '\x03';

std::string log_id(uint64_t uid) {
  return fmt::format("webhooks {}", uid);
}

}  // namespace

// ---- ApiClient -------------------------------------------------------------------------------

ApiClient::ApiClient(ApiServer& server, int fd, uint64_t uid)
    : server_(&server), reactor_(server.reactor()), fd_(fd), uid_(uid) {}

ApiClient::~ApiClient() {
  // Normally closed by close(); a client still open here belongs to a server being torn down
  // without close_all(), and only the descriptor is left to release.
  if (fd_ >= 0) ::close(fd_);
}

void ApiClient::start() {
  fd_handle_ = reactor_.register_fd(
      fd_, [this](double t) { process_received(t); }, [this](double t) { do_send(t); });
  log::info("webhooks client {}: New connection", uid_);
}

void ApiClient::set_client_info(const Json& client_info) {
  std::string text = client_info.dump(-1, ' ', false, Json::error_handler_t::replace);
  log::info("webhooks client {}: Client info {}", uid_, text);
  server_->printer().set_rollover_info(log_id(uid_),
                                       fmt::format("webhooks client {}: {}", uid_, text), false);
}

void ApiClient::close() {
  if (!fd_handle_) return;
  // Keep this object alive until the end of close(): the server drops its reference below.
  auto self = shared_from_this();
  log::info("webhooks client {}: Disconnected", uid_);
  reactor_.unregister_fd(fd_handle_);
  fd_handle_ = nullptr;
  ::close(fd_);
  fd_ = -1;
  ApiServer* server = server_;
  server_ = nullptr;
  server->printer().set_rollover_info(log_id(uid_), "", false);
  server->pop_client(uid_);
}

void ApiClient::dump_request_log() const {
  std::string out = fmt::format("Dumping {} requests for client {}", request_log_.size(), uid_);
  for (auto& [t, req] : request_log_) out += fmt::format("\nReceived {:f}: {}", t, req);
  log::info("{}", out);
}

void ApiClient::process_received(double eventtime) {
  auto self = shared_from_this();  // a request may close this client
  char buf[4096];
  ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
    n = 0;  // e.g. ECONNRESET: the peer is gone
  }
  if (n == 0) {
    close();
    return;
  }
  // Split on 0x03; the text after the last terminator waits for the rest of its request.
  size_t start = 0;
  std::string_view data(buf, static_cast<size_t>(n));
  for (;;) {
    size_t end = data.find(kTerminator, start);
    if (end == std::string_view::npos) break;
    std::string text = std::move(partial_data_);
    partial_data_.clear();
    text.append(data.substr(start, end - start));
    start = end + 1;
    request_log_.emplace_back(eventtime, text);
    if (request_log_.size() > kRequestLogSize) request_log_.pop_front();
    std::string why;
    auto request = WebRequest::decode(text, self, &why);
    if (!request) {
      log::error("webhooks: Error decoding Server Request {}: {}", text, why);
      continue;
    }
    // Each request runs in its own callback (and fiber), so one that waits (gcode/script behind
    // a long command) never holds up the ones after it.
    auto req = std::make_shared<WebRequest>(std::move(*request));
    WebHooks* webhooks = &server_->webhooks();
    reactor_.register_callback([webhooks, req](double) { webhooks->process_request(*req); });
  }
  partial_data_.append(data.substr(start));
}

void ApiClient::send(const Json& msg) {
  if (is_closed()) return;
  // Invalid UTF-8 in a status string must not take the printer down: replace it.
  send_buffer_ += msg.dump(-1, ' ', false, Json::error_handler_t::replace);
  send_buffer_ += kTerminator;
  if (!is_blocking_) do_send(reactor_.monotonic());
}

void ApiClient::do_send(double eventtime) {
  if (is_closed()) return;
  size_t pending = send_buffer_.size() - send_pos_;
  ssize_t sent = 0;
  if (pending) {
    sent = ::send(fd_, send_buffer_.data() + send_pos_, pending, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        log::info("webhooks: socket write error {}", uid_);
        close();
        return;
      }
      sent = 0;
    }
  }
  if (sent > 0) last_progress_ = eventtime;
  send_pos_ += static_cast<size_t>(sent);
  if (send_pos_ < send_buffer_.size()) {
    if (!is_blocking_) {
      // Wait for the socket to drain; stop reading meanwhile so that a client which does not
      // read its answers cannot make us buffer without bound.
      reactor_.set_fd_wake(fd_handle_, false, true);
      is_blocking_ = true;
      last_progress_ = eventtime;
      server_->note_blocking();
    }
  } else {
    send_buffer_.clear();
    send_pos_ = 0;
    if (is_blocking_) {
      reactor_.set_fd_wake(fd_handle_, true, false);
      is_blocking_ = false;
    }
  }
  // Drop written bytes now and then rather than on every partial write.
  if (send_pos_ > 65536 && send_pos_ * 2 > send_buffer_.size()) {
    send_buffer_.erase(0, send_pos_);
    send_pos_ = 0;
  }
}

double ApiClient::blocked_for(double eventtime) const {
  if (!is_blocking_) return 0.;
  return eventtime - last_progress_;
}

// ---- ApiServer -------------------------------------------------------------------------------

ApiServer::ApiServer(Printer& printer, WebHooks& webhooks, const std::string& path)
    : printer_(printer), webhooks_(webhooks), reactor_(printer.get_reactor()), path_(path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    throw std::runtime_error(fmt::format("webhooks: Invalid API socket path '{}'", path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // A socket file left by an earlier run (or the previous restart) is replaced.
  if (::unlink(path.c_str()) < 0 && errno != ENOENT)
    throw std::runtime_error(
        fmt::format("webhooks: Unable to delete socket file '{}': {}", path, std::strerror(errno)));
  sock_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock_ < 0)
    throw std::runtime_error(
        fmt::format("webhooks: Unable to create socket: {}", std::strerror(errno)));
  if (::bind(sock_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0 ||
      ::listen(sock_, 16) < 0) {
    int err = errno;
    ::close(sock_);
    sock_ = -1;
    throw std::runtime_error(
        fmt::format("webhooks: Unable to open API socket '{}': {}", path, std::strerror(err)));
  }
  fd_handle_ = reactor_.register_fd(sock_, [this](double t) { handle_accept(t); });
  blocked_timer_ = reactor_.register_timer([this](double t) { return check_blocked(t); });
}

ApiServer::~ApiServer() {
  close_all();
  if (blocked_timer_) reactor_.unregister_timer(blocked_timer_);
}

void ApiServer::close_all() {
  // close() removes the client from clients_: iterate over a copy.
  auto clients = clients_;
  for (auto& [uid, client] : clients) client->close();
  if (fd_handle_) {
    reactor_.unregister_fd(fd_handle_);
    fd_handle_ = nullptr;
  }
  if (sock_ >= 0) {
    ::close(sock_);
    sock_ = -1;
  }
}

void ApiServer::dump_request_logs() const {
  for (auto& [uid, client] : clients_) client->dump_request_log();
}

void ApiServer::handle_accept(double /*eventtime*/) {
  int fd = ::accept4(sock_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  auto client = std::make_shared<ApiClient>(*this, fd, next_uid_++);
  clients_[client->uid()] = client;
  client->start();
}

void ApiServer::pop_client(uint64_t uid) {
  clients_.erase(uid);
}

void ApiServer::note_blocking() {
  if (blocked_timer_armed_) return;
  blocked_timer_armed_ = true;
  reactor_.update_timer(blocked_timer_, reactor_.monotonic() + 1.);
}

double ApiServer::check_blocked(double eventtime) {
  bool any_blocked = false;
  auto clients = clients_;
  for (auto& [uid, client] : clients) {
    double stuck = client->blocked_for(eventtime);
    if (stuck > kBlockedTimeout) {
      log::info("Closing unresponsive client {}", uid);
      client->close();
    } else if (client->is_blocking_) {
      any_blocked = true;
    }
  }
  blocked_timer_armed_ = any_blocked;
  return any_blocked ? eventtime + 1. : Reactor::kNever;
}

}  // namespace kpp
