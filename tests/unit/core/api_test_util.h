// Test harness for the API server: a Printer with a minimal config (one MCU written to a file,
// so it reaches "ready" without hardware) running its reactor on a thread, and a blocking
// socket client speaking the 0x03-framed JSON protocol.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "core/json.h"
#include "core/printer.h"
#include "core/reactor.h"

namespace kpp::testing {

namespace fs = std::filesystem;

inline double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

class ApiTestClient {
 public:
  explicit ApiTestClient(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~ApiTestClient() { close(); }
  bool connected() const { return fd_ >= 0; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send_raw(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  void send(const Json& msg) { send_raw(msg.dump() + "\x03"); }

  // The next message, or nullopt after `timeout` seconds without one (or on hang-up).
  std::optional<Json> recv(double timeout = 5.) {
    double deadline = now_seconds() + timeout;
    for (;;) {
      auto end = buffer_.find('\x03');
      if (end != std::string::npos) {
        Json msg = Json::parse(buffer_.substr(0, end));
        buffer_.erase(0, end + 1);
        return msg;
      }
      double left = deadline - now_seconds();
      if (left <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left * 1000) + 1) <= 0) return std::nullopt;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(buf, static_cast<size_t>(n));
    }
  }

  // Send a request with a fresh id and wait for its answer; other messages that arrive in the
  // meantime are kept for next_async().
  Json call(const std::string& method, Json params = Json::object(), double timeout = 5.) {
    int64_t id = next_id_++;
    send(Json{{"id", id}, {"method", method}, {"params", params}});
    return wait_answer(id, timeout);
  }
  Json wait_answer(const Json& id, double timeout = 5.) {
    double deadline = now_seconds() + timeout;
    for (;;) {
      auto msg = recv(deadline - now_seconds());
      if (!msg) return Json{{"timeout", true}};
      if (msg->contains("id") && (*msg)["id"] == id) return *msg;
      async_.push_back(*msg);
    }
  }
  std::optional<Json> next_async(double timeout = 2.) {
    if (!async_.empty()) {
      Json m = async_.front();
      async_.pop_front();
      return m;
    }
    return recv(timeout);
  }
  int64_t next_id() { return next_id_++; }

 private:
  int fd_ = -1;
  std::string buffer_;
  std::deque<Json> async_;
  int64_t next_id_ = 1;
};

// A Printer running on its own thread with the API socket at `socket_path()`. Tests add
// commands, objects and endpoints in a `setup` callback before the reactor starts.
class ApiPrinter {
 public:
  explicit ApiPrinter(const std::string& config_text, bool batch_input = false) {
    dir_ = fs::temp_directory_path() /
           ("kpp_api_" + std::to_string(getpid()) + "_" + std::to_string(counter()++));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "printer.cfg") << config_text;
    args_.config_file = (dir_ / "printer.cfg").string();
    args_.api_socket = (dir_ / "klippy_uds").string();
    args_.debug_output = (dir_ / "out.bin").string();
    args_.dictionaries["mcu"] =
        std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/atmega2560.dict";
    if (batch_input) {
      std::ofstream(dir_ / "in.gcode") << "\n";
      args_.debug_input = (dir_ / "in.gcode").string();
    }
    reactor_ = std::make_unique<Reactor>();
    printer_ = std::make_unique<Printer>(*reactor_, args_);
  }
  ~ApiPrinter() {
    stop();
    printer_.reset();
    reactor_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  Printer& printer() { return *printer_; }
  const std::string& socket_path() const { return args_.api_socket; }
  void start() {
    thread_ = std::thread([this] {
      result_ = printer_->run();
      done_ = true;
    });
  }
  // Ask the printer to exit (if still running) and wait for run() to return.
  std::string stop() {
    if (thread_.joinable()) {
      reactor_->register_async_callback([this](double) { printer_->request_exit("exit"); });
      thread_.join();
    }
    return result_;
  }
  // Wait until run() has returned by itself (e.g. after gcode/restart).
  bool wait_exit(double timeout) {
    double deadline = now_seconds() + timeout;
    while (now_seconds() < deadline) {
      if (finished()) {
        thread_.join();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  bool finished() const { return done_; }

  fs::path dir_;
  StartArgs args_;
  std::unique_ptr<Reactor> reactor_;
  std::unique_ptr<Printer> printer_;
  std::thread thread_;
  std::string result_;
  std::atomic<bool> done_{false};
};

}  // namespace kpp::testing
