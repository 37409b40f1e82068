// The API socket (klippy -a <path>): a Unix domain stream socket on the reactor. Each client
// sends JSON requests terminated by 0x03 and receives answers and subscription messages framed
// the same way. Reads and writes never block the reactor: partial input waits for its 0x03,
// output a client cannot take yet is buffered until its socket is writable again.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "core/json.h"
#include "core/reactor.h"

namespace kpp {

class ApiServer;
class Printer;
class WebHooks;

// One connected client. Endpoints keep it (shared) while they run; after the peer hangs up it
// stays valid but closed, and send() does nothing.
class ApiClient : public std::enable_shared_from_this<ApiClient> {
 public:
  ApiClient(ApiServer& server, int fd, uint64_t uid);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  uint64_t uid() const { return uid_; }
  bool is_closed() const { return fd_handle_ == nullptr; }
  // Queue one message (encoded compactly, 0x03 appended) and write what the socket takes.
  void send(const Json& msg);
  void close();
  // Record what the client said about itself ("info" with "client_info") in the log.
  void set_client_info(const Json& client_info);
  // Seconds the output has been stuck (no byte written although some are pending), or 0.
  double blocked_for(double eventtime) const;

 private:
  friend class ApiServer;
  void start();
  void process_received(double eventtime);
  void do_send(double eventtime);
  void dump_request_log() const;

  ApiServer* server_;
  Reactor& reactor_;
  int fd_;
  uint64_t uid_;
  Reactor::Fd* fd_handle_ = nullptr;
  std::string partial_data_;
  std::string send_buffer_;
  size_t send_pos_ = 0;  // bytes of send_buffer_ already written
  bool is_blocking_ = false;
  double last_progress_ = 0.;
  std::deque<std::pair<double, std::string>> request_log_;
};

class ApiServer {
 public:
  // Seconds a client may leave its output unread before it is dropped (Klipper: ~5 s).
  static constexpr double kBlockedTimeout = 5.;

  // Remove a stale socket file at `path`, bind and listen. Throws std::runtime_error when the
  // socket cannot be created.
  ApiServer(Printer& printer, WebHooks& webhooks, const std::string& path);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  const std::string& path() const { return path_; }
  size_t client_count() const { return clients_.size(); }
  // Disconnect every client and stop listening (klippy:disconnect).
  void close_all();
  // Log each client's last requests (after a shutdown, to help find its cause).
  void dump_request_logs() const;

  Printer& printer() { return printer_; }
  WebHooks& webhooks() { return webhooks_; }
  Reactor& reactor() { return reactor_; }

 private:
  friend class ApiClient;
  void handle_accept(double eventtime);
  void pop_client(uint64_t uid);
  void note_blocking();
  double check_blocked(double eventtime);

  Printer& printer_;
  WebHooks& webhooks_;
  Reactor& reactor_;
  std::string path_;
  int sock_ = -1;
  Reactor::Fd* fd_handle_ = nullptr;
  Reactor::Timer* blocked_timer_ = nullptr;
  bool blocked_timer_armed_ = false;
  uint64_t next_uid_ = 1;
  std::map<uint64_t, std::shared_ptr<ApiClient>> clients_;
};

}  // namespace kpp
