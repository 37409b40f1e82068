// [display_status] (see display_status.h). An M73 progress holds for 5 s, and longer while the
// printer is printing (idle_timeout state "Printing"); otherwise the virtual SD card's file
// progress is reported.
#include "modules/display_status.h"

#include <algorithm>

namespace kpp {

namespace {
constexpr double kM73Timeout = 5.;
}

DisplayStatus::DisplayStatus(const ConfigWrapper& config) : printer_(config.get_printer()) {
  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  gcode.register_command("M73", [this](GCodeCommand& g) {
    if (auto p = g.get_float_opt("P")) {
      progress_ = std::clamp(*p / 100., 0., 1.);
      expire_progress_ = printer_.get_reactor().monotonic() + kM73Timeout;
    }
  });
  gcode.register_command("M117", [this](GCodeCommand& g) {
    std::string msg = g.get_raw_command_parameters();
    message_ = msg.empty() ? std::nullopt : std::optional<std::string>(msg);
  });
  gcode.register_command(
      "SET_DISPLAY_TEXT", [this](GCodeCommand& g) { message_ = g.get_opt("MSG"); }, false,
      "Set or clear the display message");
}

Json DisplayStatus::get_status(double eventtime) {
  if (progress_ && eventtime > expire_progress_) {
    PrinterObject* idle = printer_.lookup_object("idle_timeout");
    Json st = idle ? idle->get_status(eventtime) : Json();
    if (!st.is_object() || st.value("state", "") != "Printing") progress_.reset();
  }
  double progress = 0.;
  if (progress_) {
    progress = *progress_;
  } else if (PrinterObject* sd = printer_.lookup_object("virtual_sdcard")) {
    progress = sd->get_status(eventtime).value("progress", 0.);
  }
  return Json{{"progress", progress},
              {"message", message_ ? Json(*message_) : Json(nullptr)}};
}

namespace {
std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<DisplayStatus>(config);
}
}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(display_status, kpp::load, nullptr)
