// [firmware_retraction]: G10 retracts and G11 unretracts the filament with the configured
// lengths and speeds (slicers' "firmware retraction"); SET_RETRACTION/GET_RETRACTION change and
// show them. The moves are relative E moves run inside a saved/restored G-code state, so the
// coordinate modes and speed of the print are untouched.
#include <cmath>
#include <fmt/format.h>
#include <memory>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"

namespace kpp {

namespace {

class FirmwareRetraction : public PrinterObject {
 public:
  explicit FirmwareRetraction(const ConfigWrapper& config)
      : gcode_(config.get_printer().lookup<GCodeDispatch>("gcode")),
        retract_length_(config.getfloat("retract_length", 0., {.minval = 0.})),
        retract_speed_(config.getfloat("retract_speed", 20., {.minval = 1.})),
        unretract_extra_length_(config.getfloat("unretract_extra_length", 0., {.minval = 0.})),
        unretract_speed_(config.getfloat("unretract_speed", 10., {.minval = 1.})) {
    gcode_.register_command(
        "SET_RETRACTION", [this](GCodeCommand& g) { cmd_set_retraction(g); }, false,
        "Set firmware retraction parameters");
    gcode_.register_command(
        "GET_RETRACTION", [this](GCodeCommand& g) { cmd_get_retraction(g); }, false,
        "Report firmware retraction paramters");
    gcode_.register_command("G10", [this](GCodeCommand&) { cmd_G10(); });
    gcode_.register_command("G11", [this](GCodeCommand&) { cmd_G11(); });
  }

  Json get_status(double) override {
    return Json{{"retract_length", retract_length_},
                {"retract_speed", retract_speed_},
                {"unretract_extra_length", unretract_extra_length_},
                {"unretract_speed", unretract_speed_}};
  }

 private:
  void cmd_set_retraction(GCodeCommand& gcmd) {
    retract_length_ = gcmd.get_float("RETRACT_LENGTH", retract_length_, {.minval = 0.});
    retract_speed_ = gcmd.get_float("RETRACT_SPEED", retract_speed_, {.minval = 1.});
    unretract_extra_length_ =
        gcmd.get_float("UNRETRACT_EXTRA_LENGTH", unretract_extra_length_, {.minval = 0.});
    unretract_speed_ = gcmd.get_float("UNRETRACT_SPEED", unretract_speed_, {.minval = 1.});
    // New settings: the next G10 retracts again (as Klipper does).
    is_retracted_ = false;
  }

  void cmd_get_retraction(GCodeCommand& gcmd) {
    gcmd.respond_info(fmt::format(
        "RETRACT_LENGTH={:.5f} RETRACT_SPEED={:.5f} UNRETRACT_EXTRA_LENGTH={:.5f} "
        "UNRETRACT_SPEED={:.5f}",
        retract_length_, retract_speed_, unretract_extra_length_, unretract_speed_));
  }

  // Relative E move inside a saved state; F in mm/min truncated to an integer, as Klipper's.
  void extrude(double length, double speed) {
    gcode_.run_script_from_command(fmt::format(
        "SAVE_GCODE_STATE NAME=_retract_state\nG91\nG1 E{:.5f} F{}\n"
        "RESTORE_GCODE_STATE NAME=_retract_state",
        length, static_cast<long long>(std::trunc(speed * 60.))));
  }

  void cmd_G10() {
    if (is_retracted_) return;
    extrude(-retract_length_, retract_speed_);
    is_retracted_ = true;
  }

  void cmd_G11() {
    if (!is_retracted_) return;
    extrude(retract_length_ + unretract_extra_length_, unretract_speed_);
    is_retracted_ = false;
  }

  GCodeDispatch& gcode_;
  double retract_length_, retract_speed_, unretract_extra_length_, unretract_speed_;
  bool is_retracted_ = false;
};

std::shared_ptr<PrinterObject> load(ConfigWrapper& config) {
  return std::make_shared<FirmwareRetraction>(config);
}

}  // namespace

}  // namespace kpp

KPP_REGISTER_MODULE(firmware_retraction, kpp::load, nullptr)
