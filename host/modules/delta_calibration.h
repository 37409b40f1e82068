// The geometry of a linear delta printer as delta_calibrate fits it (Klipper's
// DeltaCalibration in kinematics/delta.py): tower radius and angles, arm lengths, endstop
// positions and step distances, and "stable positions" (steps from each tower's endstop),
// which describe a toolhead position independently of those parameters.
#pragma once

#include <array>
#include <vector>

#include "modules/leveling_math.h"
#include "motion/kinematics/kinematics.h"

namespace kpp {

using StablePos = std::array<double, 3>;

class DeltaCalibration {
 public:
  DeltaCalibration(double radius, std::array<double, 3> angles, std::array<double, 3> arms,
                   std::array<double, 3> endstops, std::array<double, 3> stepdists);

  // The parameters as coordinate descent sees them ("radius", "angle_a", "arm_a",
  // "endstop_a", "stepdist_a", ...) and the ones it adjusts: radius, angle_a, angle_b and the
  // three endstops; with `extended` also the three arm lengths.
  FitParams params() const;
  static std::vector<std::string> adjusted_params(bool extended);
  static DeltaCalibration from_params(const FitParams& p);

  Pos3 get_position_from_stable(const StablePos& spos) const;
  StablePos calc_stable_position(const Pos3& coord) const;

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

// The geometry that best explains the measurements (coordinate descent from `orig`; the arm
// lengths are only fitted when there are distance measurements, which are weighted so that
// all distances together count twice as much as all heights).
DeltaCalibration fit_delta_calibration(const DeltaCalibration& orig,
                                       const std::vector<DeltaHeight>& heights,
                                       size_t probe_count,
                                       const std::vector<DeltaDistance>& distances);

// DELTA_ANALYZE measurements of Klipper's calibrate_size.stl object turned into distances
// between stable positions. `center_dists`, `outer_dists`, `outer_pillar_widths`: 6 values;
// `center_pillar_widths`: 3.
std::vector<DeltaDistance> delta_measurements_to_distances(
    const std::vector<double>& center_dists, const std::vector<double>& center_pillar_widths,
    const std::vector<double>& outer_dists, const std::vector<double>& outer_pillar_widths,
    double scale, const DeltaCalibration& calib);

}  // namespace kpp
