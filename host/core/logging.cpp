// Background-thread log writer with rotation at start-up.
#include "core/logging.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

namespace kpp::log {
namespace {

constexpr int kRotateKeep = 5;

class Writer {
 public:
  ~Writer() { stop(); }

  void open(const std::string& path) {
    stop();
    rotate(path);
    std::lock_guard<std::mutex> g(lock_);
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) return;
    running_ = true;
    thread_ = std::thread([this] { run(); });
  }

  void write(std::string_view msg) {
    std::unique_lock<std::mutex> g(lock_);
    if (!running_) {
      std::fwrite(msg.data(), 1, msg.size(), stderr);
      std::fputc('\n', stderr);
      return;
    }
    queue_.emplace_back(msg);
    cond_.notify_one();
  }

  void stop() {
    {
      std::lock_guard<std::mutex> g(lock_);
      if (!running_) return;
      running_ = false;
      cond_.notify_one();
    }
    thread_.join();
    std::lock_guard<std::mutex> g(lock_);
    flush_locked();
    std::fclose(file_);
    file_ = nullptr;
  }

 private:
  static void rotate(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) return;
    for (int i = kRotateKeep - 1; i >= 1; i--) {
      auto from = path + "." + std::to_string(i);
      if (fs::exists(from, ec)) fs::rename(from, path + "." + std::to_string(i + 1), ec);
    }
    fs::rename(path, path + ".1", ec);
  }

  void flush_locked() {
    for (auto& m : queue_) {
      std::fwrite(m.data(), 1, m.size(), file_);
      std::fputc('\n', file_);
    }
    queue_.clear();
    std::fflush(file_);
  }

  void run() {
    std::unique_lock<std::mutex> g(lock_);
    while (running_) {
      cond_.wait(g, [this] { return !running_ || !queue_.empty(); });
      std::deque<std::string> batch;
      batch.swap(queue_);
      g.unlock();
      for (auto& m : batch) {
        std::fwrite(m.data(), 1, m.size(), file_);
        std::fputc('\n', file_);
      }
      std::fflush(file_);
      g.lock();
    }
  }

  std::mutex lock_;
  std::condition_variable cond_;
  std::deque<std::string> queue_;
  std::thread thread_;
  std::FILE* file_ = nullptr;
  bool running_ = false;
};

Writer& writer() {
  static Writer w;
  return w;
}

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

}  // namespace

void set_level(Level level) { g_level = static_cast<int>(level); }
bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }
void open_file(const std::string& path) { writer().open(path); }
void close() { writer().stop(); }
void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  writer().write(message);
}

}  // namespace kpp::log
