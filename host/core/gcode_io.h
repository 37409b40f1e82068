// Reads G-code lines from the input fd (the /tmp/printer pty, or the batch-mode input file),
// runs them under the G-code mutex and writes replies back to the pty.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "core/gcode.h"
#include "core/printer.h"
#include "core/stats.h"

namespace kpp {

class GCodeIO : public PrinterObject, public StatsProvider {
 public:
  // `fd` is the pty master or the batch input file; `is_fileinput` selects batch behaviour.
  GCodeIO(Printer& printer, int fd, bool is_fileinput);
  ~GCodeIO() override;

  uint64_t bytes_read() const { return bytes_read_; }
  // "gcodein=<bytes read>" for the Stats line.
  StatsEntry stats(double /*eventtime*/) override {
    return {false, "gcodein=" + std::to_string(bytes_read_)};
  }

 private:
  void handle_ready();
  void handle_shutdown();
  void process_data(double eventtime);
  void respond_raw(const std::string& msg);
  void dump_debug();
  void watch_fd();
  void unwatch_fd();

  Printer& printer_;
  GCodeDispatch& gcode_;
  Reactor& reactor_;
  int fd_;
  bool is_fileinput_;
  bool is_printer_ready_ = false;
  bool is_processing_data_ = false;
  bool pipe_is_active_ = true;
  Reactor::Fd* fd_handle_ = nullptr;
  std::string partial_input_;
  std::vector<std::string> pending_commands_;
  uint64_t bytes_read_ = 0;
  std::deque<std::pair<double, std::string>> input_log_;
};

}  // namespace kpp
