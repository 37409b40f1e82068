// [pause_resume] (see pause_resume.h), with Klipper's commands, replies and status.
#include "modules/pause_resume.h"

#include <fmt/format.h>

#include "core/webhooks.h"
#include "modules/virtual_sdcard.h"

namespace kpp {

PauseResume::PauseResume(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      gcode_(printer_.lookup<GCodeDispatch>("gcode")),
      recover_velocity_(config.getfloat("recover_velocity", 50.)) {
  printer_.register_event_handler<>("klippy:connect", [this] {
    v_sd_ = printer_.try_lookup<VirtualSD>("virtual_sdcard");
  });
  gcode_.register_command("PAUSE", [this](GCodeCommand& g) { cmd_pause(g); }, false,
                          "Pauses the current print");
  gcode_.register_command("RESUME", [this](GCodeCommand& g) { cmd_resume(g); }, false,
                          "Resumes the print from a pause");
  gcode_.register_command("CLEAR_PAUSE", [this](GCodeCommand& g) { cmd_clear_pause(g); }, false,
                          "Clears the current paused state without resuming the print");
  gcode_.register_command("CANCEL_PRINT", [this](GCodeCommand& g) { cmd_cancel_print(g); },
                          false, "Cancel the current print");
  // Front-ends pause, resume and cancel through the API as if the command had been typed.
  if (auto* webhooks = printer_.try_lookup<WebHooks>("webhooks")) {
    for (auto [path, script] : {std::pair{"pause_resume/cancel", "CANCEL_PRINT"},
                                std::pair{"pause_resume/pause", "PAUSE"},
                                std::pair{"pause_resume/resume", "RESUME"}})
      webhooks->register_endpoint(path, [this, script = std::string(script)](WebRequest&) {
        gcode_.run_script(script);
      });
  }
}

Json PauseResume::get_status(double) { return Json{{"is_paused", is_paused_}}; }

bool PauseResume::is_sd_active() const { return v_sd_ && v_sd_->is_active(); }

void PauseResume::send_pause_command() {
  // PAUSE may run several times (macro plus event); the print is paused once.
  if (pause_command_sent_) return;
  if (is_sd_active()) {
    sd_paused_ = true;
    v_sd_->do_pause();
  } else {
    sd_paused_ = false;
    gcode_.respond_info("action:paused");
  }
  pause_command_sent_ = true;
}

void PauseResume::send_resume_command() {
  if (sd_paused_) {
    v_sd_->do_resume();
    sd_paused_ = false;
  } else {
    gcode_.respond_info("action:resumed");
  }
  pause_command_sent_ = false;
}

void PauseResume::cmd_pause(GCodeCommand& gcmd) {
  if (is_paused_) {
    gcmd.respond_info("Print already paused");
    return;
  }
  send_pause_command();
  gcode_.run_script_from_command("SAVE_GCODE_STATE NAME=PAUSE_STATE");
  is_paused_ = true;
}

void PauseResume::cmd_resume(GCodeCommand& gcmd) {
  if (!is_paused_) {
    gcmd.respond_info("Print is not paused, resume aborted");
    return;
  }
  double velocity = gcmd.get_float("VELOCITY", recover_velocity_);
  gcode_.run_script_from_command(
      fmt::format("RESTORE_GCODE_STATE NAME=PAUSE_STATE MOVE=1 MOVE_SPEED={:.4f}", velocity));
  send_resume_command();
  is_paused_ = false;
}

void PauseResume::cmd_clear_pause(GCodeCommand&) { is_paused_ = pause_command_sent_ = false; }

void PauseResume::cmd_cancel_print(GCodeCommand& gcmd) {
  if (is_sd_active() || sd_paused_)
    v_sd_->do_cancel();
  else
    gcmd.respond_info("action:cancel");
  sd_paused_ = false;
  cmd_clear_pause(gcmd);
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<PauseResume>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(pause_resume, kpp::load, nullptr)
