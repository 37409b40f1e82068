// [bed_tilt] (Klipper's extras/bed_tilt.py): a move transform that adds
// x*x_adjust + y*y_adjust + z_adjust to every move's Z, and (with `points`) BED_TILT_CALIBRATE,
// which probes the points and fits those three values.
#include <fmt/format.h>

#include "core/configfile.h"
#include "core/logging.h"
#include "modules/gcode_move.h"
#include "modules/leveling_math.h"
#include "modules/probe_points.h"

namespace kpp {

namespace {

class BedTilt : public PrinterObject, public MoveTransform {
 public:
  explicit BedTilt(const ConfigWrapper& config)
      : printer_(config.get_printer()),
        x_adjust_(config.getfloat("x_adjust", 0.)),
        y_adjust_(config.getfloat("y_adjust", 0.)),
        z_adjust_(config.getfloat("z_adjust", 0.)) {
    if (config.has_option("points")) {
      probe_helper_ = std::make_unique<ProbePointsHelper>(
          config, [this](const Pos3& off, const std::vector<Pos3>& pos) {
            return calibrate_finalize(off, pos);
          });
      probe_helper_->minimum_points(3);
      printer_.lookup<GCodeDispatch>("gcode").register_command(
          "BED_TILT_CALIBRATE", [this](GCodeCommand& g) { probe_helper_->start_probe(g); }, false,
          "Bed tilt calibration script");
    }
    // The chain's next stage (the toolhead) exists once all sections are loaded.
    printer_.register_event_handler<>("klippy:connect", [this] {
      next_ = printer_.lookup<GCodeMove>("gcode_move").set_move_transform(this);
    });
  }

  Coord get_position() override {
    Coord pos = next_->get_position();
    pos[2] -= pos[0] * x_adjust_ + pos[1] * y_adjust_ + z_adjust_;
    return pos;
  }

  void move(const Coord& newpos, double speed) override {
    Coord pos = newpos;
    pos[2] += pos[0] * x_adjust_ + pos[1] * y_adjust_ + z_adjust_;
    next_->move(pos, speed);
  }

 private:
  ProbePointsHelper::Outcome calibrate_finalize(const Pos3& offsets,
                                                const std::vector<Pos3>& positions) {
    // Start from the current tilt (Klipper does): the fit converges to the same plane.
    FitParams fit = fit_bed_plane(offsets, positions, x_adjust_, y_adjust_);
    x_adjust_ = fit["x_adjust"];
    y_adjust_ = fit["y_adjust"];
    z_adjust_ = fit["z_adjust"];
    printer_.lookup<GCodeMove>("gcode_move").reset_last_position();
    auto& configfile = printer_.lookup<PrinterConfig>("configfile");
    configfile.set("bed_tilt", "x_adjust", fmt::format("{:.6f}", x_adjust_));
    configfile.set("bed_tilt", "y_adjust", fmt::format("{:.6f}", y_adjust_));
    configfile.set("bed_tilt", "z_adjust", fmt::format("{:.6f}", z_adjust_));
    std::string msg = fmt::format("x_adjust: {:.6f} y_adjust: {:.6f} z_adjust: {:.6f}", x_adjust_,
                                  y_adjust_, z_adjust_);
    log::info("Calculated bed_tilt parameters: {}", msg);
    printer_.set_rollover_info("bed_tilt", "bed_tilt: " + msg);
    printer_.lookup<GCodeDispatch>("gcode").respond_info(
        msg +
        "\nThe above parameters have been applied to the current\n"
        "session. The SAVE_CONFIG command will update the printer\n"
        "config file and restart the printer.");
    return ProbePointsHelper::Outcome::kDone;
  }

  Printer& printer_;
  double x_adjust_, y_adjust_, z_adjust_;
  std::unique_ptr<ProbePointsHelper> probe_helper_;
  MoveTransform* next_ = nullptr;
};

std::shared_ptr<PrinterObject> load_bed_tilt(ConfigWrapper& config) {
  return std::make_shared<BedTilt>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(bed_tilt, kpp::load_bed_tilt, nullptr)
