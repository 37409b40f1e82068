// [z_tilt] (Klipper's extras/z_tilt.py): Z_TILT_ADJUST probes the bed, fits a plane to the
// probed heights and moves each Z stepper (at its z_positions pivot) so the bed follows the
// gantry, optionally repeating until the probed range is within retry_tolerance.
#include <fmt/format.h>

#include "core/logging.h"
#include "modules/leveling_math.h"
#include "modules/probe_points.h"
#include "modules/z_adjust.h"

namespace kpp {

namespace {

class ZTilt : public PrinterObject {
 public:
  explicit ZTilt(const ConfigWrapper& config)
      : z_positions_(parse_point_list(config, "z_positions")),
        retry_helper_(config),
        probe_helper_(config, [this](const Pos3& off, const std::vector<Pos3>& pos) {
          return finalize(off, pos);
        }),
        z_status_(config.get_printer()),
        z_helper_(config, z_positions_.size()) {
    probe_helper_.minimum_points(2);
    config.get_printer().lookup<GCodeDispatch>("gcode").register_command(
        "Z_TILT_ADJUST",
        [this](GCodeCommand& g) {
          z_status_.reset();
          retry_helper_.start(g);
          probe_helper_.start_probe(g);
        },
        false, "Adjust the Z tilt");
  }

  Json get_status(double) override { return z_status_.get_status(); }

 private:
  ProbePointsHelper::Outcome finalize(const Pos3& offsets, const std::vector<Pos3>& positions) {
    FitParams fit = fit_bed_plane(offsets, positions, 0., 0.);
    log::info("Calculated bed tilt parameters: x_adjust={} y_adjust={} z_adjust={}",
              fit["x_adjust"], fit["y_adjust"], fit["z_adjust"]);
    std::vector<double> adjustments;
    for (const Point2& zp : z_positions_)
      adjustments.push_back(zp[0] * fit["x_adjust"] + zp[1] * fit["y_adjust"] + fit["z_adjust"]);
    z_helper_.adjust_steppers(adjustments, probe_helper_.get_lift_speed());
    std::vector<double> zs;
    for (const Pos3& p : positions) zs.push_back(p[2]);
    return z_status_.check_retry_result(retry_helper_.check_retry(zs));
  }

  std::vector<Point2> z_positions_;
  RetryHelper retry_helper_;
  ProbePointsHelper probe_helper_;
  ZAdjustStatus z_status_;
  ZAdjustHelper z_helper_;
};

std::shared_ptr<PrinterObject> load_z_tilt(ConfigWrapper& config) {
  return std::make_shared<ZTilt>(config);
}

}  // namespace
}  // namespace kpp

KPP_REGISTER_MODULE(z_tilt, kpp::load_z_tilt, nullptr)
