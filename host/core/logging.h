// klippy.log: messages are formatted on the caller's thread and written by a background thread,
// so the reactor never waits on the disk. Without a log file, messages go to stderr.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace kpp::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void set_level(Level level);
bool enabled(Level level);
// Send the log to `path`; an existing file is rotated to path.1 (up to path.5) first.
void open_file(const std::string& path);
// Flush everything queued so far and stop the writer (called at exit).
void close();
void write(Level level, std::string_view message);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::kWarning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace kpp::log
