// [virtual_sdcard]: print G-code files from a folder on the host with the SD card commands
// (M20-M27, SDCARD_PRINT_FILE, SDCARD_RESET_FILE), feeding the file line by line to the G-code
// dispatcher from a reactor fiber; progress in the "virtual_sdcard" and "print_stats" status.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "modules/gcode_macro.h"
#include "modules/print_stats.h"

namespace kpp {

class VirtualSD : public PrinterObject {
 public:
  explicit VirtualSD(const ConfigWrapper& config);
  ~VirtualSD() override;

  // A print from a file is running (the work fiber exists).
  bool is_active() const { return active_; }
  // Stop feeding lines after the current one; waits until the fiber stopped unless called from
  // a line of the file itself (PAUSE inside the file).
  void do_pause();
  // Stop the print and unload the file (CANCEL_PRINT).
  void do_cancel();
  // Continue (or start) from the current file position. CommandError "SD busy" when active.
  void do_resume();
  // (file name relative to the folder, size) of the printable files, sorted by name.
  std::vector<std::pair<std::string, int64_t>> get_file_list(bool check_subdirs = false) const;
  // The line being run came from the file (commands like SDCARD_LOOP_* need that).
  bool is_cmd_from_sd() const { return cmd_from_sd_; }
  // Where the next line will be read from: just after the running line, unless moved.
  int64_t get_file_position() const { return next_file_position_; }
  // Read the next line from `pos` (takes effect when the running line is done).
  void set_file_position(int64_t pos) { next_file_position_ = pos; }
  // "sd_pos=N" while printing (the Stats line), empty otherwise.
  std::string stats() const;
  Json get_status(double eventtime) override;

 private:
  void reset_file();
  void load_file(GCodeCommand& gcmd, std::string filename, bool check_subdirs);
  void work(double eventtime);
  void handle_shutdown();

  void cmd_m20(GCodeCommand& gcmd);
  void cmd_m23(GCodeCommand& gcmd);
  void cmd_m26(GCodeCommand& gcmd);
  void cmd_m27(GCodeCommand& gcmd);
  void cmd_sdcard_reset_file(GCodeCommand& gcmd);
  void cmd_sdcard_print_file(GCodeCommand& gcmd);

  Printer& printer_;
  Reactor& reactor_;
  GCodeDispatch& gcode_;
  PrintStats& print_stats_;
  std::string dirname_;
  MacroTemplate on_error_gcode_;
  FILE* file_ = nullptr;
  std::string file_path_;
  int64_t file_position_ = 0, file_size_ = 0;
  int64_t next_file_position_ = 0;
  bool active_ = false, must_pause_ = false, cmd_from_sd_ = false;
};

}  // namespace kpp
