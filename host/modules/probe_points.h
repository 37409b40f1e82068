// Probing a list of XY points (Klipper's ProbePointsHelper in extras/probe.py), shared by
// bed_mesh, z_tilt, quad_gantry_level, bed_tilt, screws_tilt_adjust and delta_calibrate.
// For each point: raise to horizontal_move_z, travel to the point, then probe it with the
// [probe] or, without one (or with METHOD=manual), run a manual TESTZ/ACCEPT session. When all
// points are done the owner's finalize callback gets the probe offsets and the positions; it
// may answer kRetry to probe every point again (z_tilt and quad_gantry_level retries).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "motion/kinematics/kinematics.h"

namespace kpp {

class Printer;
class PrinterProbe;

using Point2 = std::array<double, 2>;

// Parse a "points" style option: one "x, y" pair per line. Throws ConfigError naming the
// section and option when a line is not two numbers.
std::vector<Point2> parse_point_list(const ConfigWrapper& config, std::string_view option);

class ProbePointsHelper {
 public:
  enum class Outcome { kDone, kRetry };
  // `offsets` are the probe's x/y/z offsets (all zero for manual probing); `positions` are
  // the toolhead positions where the probe triggered (the nozzle positions for manual
  // probing), one per point in point order.
  using Finalize = std::function<Outcome(const Pos3& offsets, const std::vector<Pos3>& positions)>;

  // Reads "points" (required unless `default_points` is given, which a set "points" option
  // overrides), "horizontal_move_z" (default 5) and "speed" (default 50) from `config`.
  ProbePointsHelper(const ConfigWrapper& config, Finalize finalize,
                    std::optional<std::vector<Point2>> default_points = std::nullopt);

  // ConfigError "Need at least N probe points for <section>" when fewer points are set.
  void minimum_points(size_t n) const;
  // Replace the point list (bed_mesh computes its own), then check minimum_points(min_points).
  void update_probe_points(std::vector<Point2> points, size_t min_points);
  // With offsets used, each point is where the probe (not the nozzle) should be: the toolhead
  // moves to point - (x_offset, y_offset).
  void use_xy_offsets(bool use_offsets) { use_offsets_ = use_offsets; }
  // The lift speed of the last start_probe() (probe's lift_speed, or `speed` when manual).
  double get_lift_speed() const { return lift_speed_; }
  double get_speed() const { return speed_; }
  double get_default_horizontal_move_z() const { return default_horizontal_move_z_; }
  const std::vector<Point2>& get_points() const { return points_; }
  const std::string& get_name() const { return name_; }

  // Runs the probing for `gcmd` (METHOD=, HORIZONTAL_MOVE_Z= and the probe's own parameters
  // such as SAMPLES=, LIFT_SPEED=). Automatic probing finishes inside this call; manual
  // probing returns after the first point is reached and continues with each ACCEPT.
  void start_probe(GCodeCommand& gcmd);

 private:
  void move_z(double speed);
  void move_to_point(size_t index);
  bool invoke_finalize(const std::vector<Pos3>& positions);
  void manual_probe_next();

  Printer& printer_;
  std::string name_;
  Finalize finalize_;
  std::vector<Point2> points_;
  double default_horizontal_move_z_, horizontal_move_z_;
  double speed_, lift_speed_;
  bool use_offsets_ = false;
  Pos3 offsets_{0., 0., 0.};
  std::vector<Pos3> manual_results_;
};

}  // namespace kpp
