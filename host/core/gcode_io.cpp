// G-code input: line assembly, back-pressure, out-of-order M112, batch-mode end of file.
#include "core/gcode_io.h"

#include <unistd.h>

#include <cctype>

#include "core/logging.h"

namespace kpp {

namespace {

constexpr size_t kInputLogBlocks = 50;
constexpr size_t kMaxPendingLines = 20;

// "M112" alone or with a line number: acted on even while other commands are queued.
bool is_m112(const std::string& line) {
  size_t i = 0, n = line.size();
  if (i < n && (line[i] == 'N' || line[i] == 'n')) {
    size_t j = i + 1;
    while (j < n && std::isdigit(static_cast<unsigned char>(line[j]))) j++;
    if (j > i + 1) i = j;
  }
  while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) i++;
  if (i + 4 > n || (line[i] != 'M' && line[i] != 'm') || line.compare(i + 1, 3, "112") != 0)
    return false;
  return i + 4 == n || std::isspace(static_cast<unsigned char>(line[i + 4]));
}

}  // namespace

GCodeIO::GCodeIO(Printer& printer, int fd, bool is_fileinput)
    : printer_(printer),
      gcode_(printer.lookup<GCodeDispatch>("gcode")),
      reactor_(printer.get_reactor()),
      fd_(fd),
      is_fileinput_(is_fileinput) {
  printer.register_event_handler("klippy:ready", std::function<void()>([this] { handle_ready(); }));
  printer.register_event_handler("klippy:shutdown",
                                 std::function<void()>([this] { handle_shutdown(); }));
  if (!is_fileinput_ && fd_ >= 0) {
    gcode_.register_output_handler([this](const std::string& msg) { respond_raw(msg); });
    watch_fd();
  }
}

GCodeIO::~GCodeIO() { unwatch_fd(); }

void GCodeIO::watch_fd() {
  if (!fd_handle_ && fd_ >= 0)
    fd_handle_ = reactor_.register_fd(fd_, [this](double t) { process_data(t); });
}

void GCodeIO::unwatch_fd() {
  if (fd_handle_) reactor_.unregister_fd(fd_handle_);
  fd_handle_ = nullptr;
}

void GCodeIO::handle_ready() {
  is_printer_ready_ = true;
  if (is_fileinput_) watch_fd();  // batch input starts once the printer is ready
}

void GCodeIO::dump_debug() {
  std::string out = fmt::format("Dumping gcode input {} blocks", input_log_.size());
  for (auto& [t, data] : input_log_) out += fmt::format("\nRead {:f}: {:?}", t, data);
  log::info("{}", out);
}

void GCodeIO::handle_shutdown() {
  if (!is_printer_ready_) return;
  is_printer_ready_ = false;
  dump_debug();
  if (is_fileinput_) printer_.request_exit("error_exit");
}

void GCodeIO::process_data(double eventtime) {
  char buf[4096];
  ssize_t n = read(fd_, buf, sizeof(buf));
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    if (!is_fileinput_) return;  // e.g. EIO on a pty without a client
    n = 0;
  }
  std::string data(buf, static_cast<size_t>(n));
  input_log_.emplace_back(eventtime, data);
  if (input_log_.size() > kInputLogBlocks) input_log_.pop_front();
  bytes_read_ += static_cast<uint64_t>(n);
  std::vector<std::string> lines;
  size_t start = 0;
  for (;;) {
    auto nl = data.find('\n', start);
    if (nl == std::string::npos) break;
    lines.push_back(data.substr(start, nl - start));
    start = nl + 1;
  }
  if (!lines.empty()) {
    lines[0] = partial_input_ + lines[0];
    partial_input_ = data.substr(start);
  } else {
    partial_input_ += data.substr(start);
  }
  for (auto& l : lines) pending_commands_.push_back(l);
  pipe_is_active_ = true;
  if (n == 0 && is_fileinput_) {
    // End of the batch input: finish the moves and exit.
    if (!is_processing_data_) {
      unwatch_fd();
      if (!partial_input_.empty()) {
        pending_commands_.push_back(partial_input_);
        partial_input_.clear();
      }
      if (!pending_commands_.empty()) {
        is_processing_data_ = true;
        auto cmds = std::move(pending_commands_);
        pending_commands_.clear();
        {
          ReactorLock lock(gcode_.get_mutex());
          gcode_.process_commands(cmds);
        }
        is_processing_data_ = false;
      }
      // Work the input started goes on before the exit (a virtual_sdcard print: real Klipper's
      // batch mode prints the whole file); handlers pause this fiber until they are done.
      printer_.send_event("gcode_io:batch_input_end");
      gcode_.request_restart("exit");
      return;
    }
    pending_commands_.push_back("");
  }
  if (is_processing_data_ || pending_commands_.size() > 1) {
    if (pending_commands_.size() < kMaxPendingLines)
      for (auto& l : lines)
        if (is_m112(l)) printer_.invoke_shutdown("Shutdown due to M112 command");
    if (is_processing_data_) {
      if (pending_commands_.size() >= kMaxPendingLines) unwatch_fd();  // back-pressure
      return;
    }
  }
  is_processing_data_ = true;
  while (!pending_commands_.empty()) {
    auto cmds = std::move(pending_commands_);
    pending_commands_.clear();
    ReactorLock lock(gcode_.get_mutex());
    gcode_.process_commands(cmds);
  }
  is_processing_data_ = false;
  if (!fd_handle_ && !(is_fileinput_ && printer_.get_state_message().second != "ready")) watch_fd();
}

void GCodeIO::respond_raw(const std::string& msg) {
  if (!pipe_is_active_) return;
  std::string out = msg + "\n";
  if (write(fd_, out.data(), out.size()) < 0) pipe_is_active_ = false;
}

}  // namespace kpp

namespace kpp {
namespace {
// The G-code dispatcher and its input exist before the config is read (commands like RESTART
// must work even when the config is broken).
void add_gcode_objects(Printer& printer, const ConfigWrapper*) {
  printer.add_object("gcode", std::make_shared<GCodeDispatch>(printer));
  const StartArgs& args = printer.get_start_args();
  printer.add_object("gcode_io",
                     std::make_shared<GCodeIO>(printer, args.gcode_fd, !args.debug_input.empty()));
}
}  // namespace
}  // namespace kpp

KPP_REGISTER_STARTUP_HOOK(gcode, kpp::StartupPhase::kEarly, 0, kpp::add_gcode_objects)
