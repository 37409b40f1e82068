// The geometry of a delta printer as delta_calibrate fits it (Klipper's DeltaCalibration in
// kinematics/delta.py and RotaryDeltaCalibration in kinematics/rotary_delta.py). Each
// geometry describes a toolhead position by its "stable position" (steps from each tower's
// endstop), which stays valid while the parameters are being fitted, and exposes its
// parameters by name for coordinate descent.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "modules/leveling_math.h"
#include "motion/kinematics/kinematics.h"
#include "motion/kinematics/rotary_delta.h"

namespace kpp {

using StablePos = std::array<double, 3>;

// One SAVE_CONFIG entry: section, option, value.
struct DeltaConfigSetting {
  std::string section, option, value;
};

class DeltaGeometry {
 public:
  virtual ~DeltaGeometry() = default;
  // Every parameter by name ("endstop_a", "stepdist_a", ...).
  virtual FitParams params() const = 0;
  // The parameters the fit adjusts, in order; `extended` (distance measurements present)
  // adds the ones only the calibration object can determine.
  virtual std::vector<std::string> adjusted_params(bool extended) const = 0;
  // The same kind of geometry with the given parameters.
  virtual std::unique_ptr<DeltaGeometry> with_params(const FitParams& p) const = 0;
  // NaN coordinates when the position is unreachable under this geometry.
  virtual Pos3 get_position_from_stable(const StablePos& spos) const = 0;
  virtual StablePos calc_stable_position(const Pos3& coord) const = 0;
  // What SAVE_CONFIG stores and the summary DELTA_CALIBRATE reports.
  virtual std::vector<DeltaConfigSetting> config_settings() const = 0;
  virtual std::string report() const = 0;
};

// Linear delta: carriages on vertical towers at `radius` and `angles` (degrees), arms of
// `arms` length, endstop heights and step distances (mm).
class DeltaCalibration : public DeltaGeometry {
 public:
  DeltaCalibration(double radius, std::array<double, 3> angles, std::array<double, 3> arms,
                   std::array<double, 3> endstops, std::array<double, 3> stepdists);

  // Adjusted: radius, angle_a, angle_b and the three endstops; extended: the arm lengths too.
  FitParams params() const override;
  std::vector<std::string> adjusted_params(bool extended) const override;
  std::unique_ptr<DeltaGeometry> with_params(const FitParams& p) const override;
  Pos3 get_position_from_stable(const StablePos& spos) const override;
  StablePos calc_stable_position(const Pos3& coord) const override;
  std::vector<DeltaConfigSetting> config_settings() const override;
  std::string report() const override;

  double radius() const { return radius_; }
  const std::array<double, 3>& angles() const { return angles_; }
  const std::array<double, 3>& arms() const { return arms_; }
  const std::array<double, 3>& endstops() const { return endstops_; }
  const std::array<double, 3>& stepdists() const { return stepdists_; }

 private:
  double radius_;
  std::array<double, 3> angles_, arms_, endstops_, stepdists_;
  std::array<std::array<double, 2>, 3> towers_;
  std::array<double, 3> abs_endstops_;
};

// Rotary delta: upper arms turned about shoulders at `shoulder_radius`/`shoulder_height` and
// `angles` (degrees); `endstops` are the effector heights (mm) at which the arms reach their
// endstops with the effector centred; step distances in radians.
class RotaryDeltaCalibration : public DeltaGeometry {
 public:
  RotaryDeltaCalibration(double shoulder_radius, double shoulder_height,
                         std::array<double, 3> angles, std::array<double, 3> upper_arms,
                         std::array<double, 3> lower_arms, std::array<double, 3> endstops,
                         std::array<double, 3> stepdists);

  // Adjusted: shoulder_height and the three endstops; extended: shoulder_radius, angle_a and
  // angle_b too.
  FitParams params() const override;
  std::vector<std::string> adjusted_params(bool extended) const override;
  std::unique_ptr<DeltaGeometry> with_params(const FitParams& p) const override;
  Pos3 get_position_from_stable(const StablePos& spos) const override;
  StablePos calc_stable_position(const Pos3& coord) const override;
  std::vector<DeltaConfigSetting> config_settings() const override;
  std::string report() const override;

  // The effector position from the three upper arm angles (radians).
  Pos3 actuator_to_cartesian(const std::array<double, 3>& angles) const;
  const std::array<motion::RotaryDeltaArm, 3>& arms() const { return arms_; }
  const std::array<double, 3>& endstops() const { return endstops_; }
  double shoulder_radius() const { return shoulder_radius_; }
  double shoulder_height() const { return shoulder_height_; }
  const std::array<double, 3>& angles() const { return angles_; }

 private:
  double shoulder_radius_, shoulder_height_;
  std::array<double, 3> angles_, endstops_, stepdists_;
  std::array<motion::RotaryDeltaArm, 3> arms_;
  std::array<double, 3> abs_endstops_;  // arm angle at each endstop
};

// A height measurement: the toolhead at `pos` was really at z = `z`.
struct DeltaHeight {
  double z;
  StablePos pos;
};
// A distance measurement: the two positions were really `dist` apart.
struct DeltaDistance {
  double dist;
  StablePos pos1, pos2;
};

// The geometry that best explains the measurements (coordinate descent from `orig`; the
// extended parameters are only fitted when there are distance measurements, which are
// weighted so that all distances together count twice as much as all heights). Parameter sets
// under which a measured position is unreachable count as a huge error.
std::unique_ptr<DeltaGeometry> fit_delta_geometry(const DeltaGeometry& orig,
                                                  const std::vector<DeltaHeight>& heights,
                                                  size_t probe_count,
                                                  const std::vector<DeltaDistance>& distances);

// DELTA_ANALYZE measurements of Klipper's calibrate_size.stl object turned into distances
// between stable positions. `center_dists`, `outer_dists`, `outer_pillar_widths`: 6 values;
// `center_pillar_widths`: 3.
std::vector<DeltaDistance> delta_measurements_to_distances(
    const std::vector<double>& center_dists, const std::vector<double>& center_pillar_widths,
    const std::vector<double>& outer_dists, const std::vector<double>& outer_pillar_widths,
    double scale, const DeltaGeometry& calib);

}  // namespace kpp
