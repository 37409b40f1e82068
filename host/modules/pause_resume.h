// [pause_resume]: PAUSE / RESUME / CLEAR_PAUSE / CANCEL_PRINT. A print from the virtual SD card
// is paused and resumed directly; any other print (a front-end streaming G-code) is told with
// "action:paused" / "action:resumed" / "action:cancel" lines. The position is kept with
// SAVE_GCODE_STATE and restored with RESTORE_GCODE_STATE ... MOVE=1.
#pragma once

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {

class VirtualSD;

class PauseResume : public PrinterObject {
 public:
  explicit PauseResume(const ConfigWrapper& config);
  bool is_paused() const { return is_paused_; }
  // Pause the running print once (from PAUSE, or from an event such as a runout sensor).
  void send_pause_command();
  Json get_status(double eventtime) override;

 private:
  bool is_sd_active() const;
  void send_resume_command();
  void cmd_pause(GCodeCommand& gcmd);
  void cmd_resume(GCodeCommand& gcmd);
  void cmd_clear_pause(GCodeCommand& gcmd);
  void cmd_cancel_print(GCodeCommand& gcmd);

  Printer& printer_;
  GCodeDispatch& gcode_;
  double recover_velocity_;
  VirtualSD* v_sd_ = nullptr;
  bool is_paused_ = false, sd_paused_ = false, pause_command_sent_ = false;
};

}  // namespace kpp
