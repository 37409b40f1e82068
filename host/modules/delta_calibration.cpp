// Linear delta geometry for delta_calibrate (see delta_calibration.h).
#include "modules/delta_calibration.h"

#include <cmath>
#include <string>

#include "motion/kinematics/trilateration.h"

namespace kpp {

namespace {
constexpr const char* kAxes[3] = {"a", "b", "c"};
double rad(double deg) { return deg * M_PI / 180.; }
}  // namespace

DeltaCalibration::DeltaCalibration(double radius, std::array<double, 3> angles,
                                   std::array<double, 3> arms, std::array<double, 3> endstops,
                                   std::array<double, 3> stepdists)
    : radius_(radius), angles_(angles), arms_(arms), endstops_(endstops), stepdists_(stepdists) {
  for (int i = 0; i < 3; i++) {
    towers_[i] = {std::cos(rad(angles[i])) * radius, std::sin(rad(angles[i])) * radius};
    // The carriage height at the endstop when the effector is centred at z=0 level.
    abs_endstops_[i] = endstops[i] + std::sqrt(arms[i] * arms[i] - radius * radius);
  }
}

FitParams DeltaCalibration::params() const {
  FitParams p{{"radius", radius_}};
  for (int i = 0; i < 3; i++) {
    std::string a = kAxes[i];
    p["angle_" + a] = angles_[i];
    p["arm_" + a] = arms_[i];
    p["endstop_" + a] = endstops_[i];
    p["stepdist_" + a] = stepdists_[i];
  }
  return p;
}

std::vector<std::string> DeltaCalibration::adjusted_params(bool extended) {
  std::vector<std::string> adj = {"radius",    "angle_a",   "angle_b",
                                  "endstop_a", "endstop_b", "endstop_c"};
  if (extended) adj.insert(adj.end(), {"arm_a", "arm_b", "arm_c"});
  return adj;
}

DeltaCalibration DeltaCalibration::from_params(const FitParams& p) {
  std::array<double, 3> angles, arms, endstops, stepdists;
  for (int i = 0; i < 3; i++) {
    std::string a = kAxes[i];
    angles[i] = p.at("angle_" + a);
    arms[i] = p.at("arm_" + a);
    endstops[i] = p.at("endstop_" + a);
    stepdists[i] = p.at("stepdist_" + a);
  }
  return DeltaCalibration(p.at("radius"), angles, arms, endstops, stepdists);
}

Pos3 DeltaCalibration::get_position_from_stable(const StablePos& spos) const {
  std::array<motion::Vec3, 3> spheres;
  std::array<double, 3> arm2;
  for (int i = 0; i < 3; i++) {
    spheres[i] = {towers_[i][0], towers_[i][1], abs_endstops_[i] - spos[i] * stepdists_[i]};
    arm2[i] = arms_[i] * arms_[i];
  }
  motion::Vec3 p = motion::trilateration(spheres, arm2);
  return {p.x, p.y, p.z};
}

StablePos DeltaCalibration::calc_stable_position(const Pos3& coord) const {
  StablePos out;
  for (int i = 0; i < 3; i++) {
    double dx = towers_[i][0] - coord[0], dy = towers_[i][1] - coord[1];
    double carriage = std::sqrt(arms_[i] * arms_[i] - dx * dx - dy * dy) + coord[2];
    out[i] = (abs_endstops_[i] - carriage) / stepdists_[i];
  }
  return out;
}

DeltaCalibration fit_delta_calibration(const DeltaCalibration& orig,
                                       const std::vector<DeltaHeight>& heights,
                                       size_t probe_count,
                                       const std::vector<DeltaDistance>& distances) {
  // Distances count MEASURE_WEIGHT (0.5) relative to heights, per measurement.
  double z_weight = 1.;
  if (!distances.empty() && probe_count)
    z_weight = static_cast<double>(distances.size()) / (0.5 * static_cast<double>(probe_count));
  auto error = [&](const FitParams& p) {
    DeltaCalibration c = DeltaCalibration::from_params(p);
    double total = 0.;
    for (const DeltaHeight& h : heights) {
      double dz = c.get_position_from_stable(h.pos)[2] - h.z;
      total += dz * dz;
    }
    total *= z_weight;
    for (const DeltaDistance& d : distances) {
      Pos3 a = c.get_position_from_stable(d.pos1), b = c.get_position_from_stable(d.pos2);
      double dist = std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                              (a[2] - b[2]) * (a[2] - b[2]));
      total += (dist - d.dist) * (dist - d.dist);
    }
    return total;
  };
  FitParams fit = coordinate_descent(DeltaCalibration::adjusted_params(!distances.empty()),
                                     orig.params(), error);
  return DeltaCalibration::from_params(fit);
}

std::vector<DeltaDistance> delta_measurements_to_distances(
    const std::vector<double>& center_dists, const std::vector<double>& center_pillar_widths,
    const std::vector<double>& outer_dists, const std::vector<double>& outer_pillar_widths,
    double scale, const DeltaCalibration& calib) {
  // The calibration object: six spokes at these angles, pillars on a 65 mm circle, ridges
  // 4.5 mm from each pillar's centre.
  const double kAngles[6] = {210., 270., 330., 30., 90., 150.};
  const double kOuterRadius = 65., kRidgeRadius = 5. - .5;
  const auto& cpw = center_pillar_widths;
  const double center_widths[6] = {cpw[0], cpw[2], cpw[1], cpw[0], cpw[2], cpw[1]};
  std::array<std::array<double, 2>, 6> xy;
  for (int i = 0; i < 6; i++) xy[i] = {std::cos(rad(kAngles[i])), std::sin(rad(kAngles[i]))};
  double inner_ridge = kRidgeRadius * scale;
  double outer_ridge = (kOuterRadius + kRidgeRadius) * scale;
  double outer_center = kOuterRadius * scale;
  std::vector<DeltaDistance> out;
  // Centre pillar ridge to the outer pillar ridge along each spoke.
  for (int i = 0; i < 6; i++) {
    Pos3 inner{xy[i][0] * inner_ridge, xy[i][1] * inner_ridge, 0.};
    Pos3 outer{xy[i][0] * outer_ridge, xy[i][1] * outer_ridge, 0.};
    out.push_back({center_dists[i] - center_widths[i], calib.calc_stable_position(inner),
                   calib.calc_stable_position(outer)});
  }
  // Between neighbouring outer pillars: from each outer pillar along the spoke two ahead.
  for (int i = 0; i < 6; i++) {
    const auto& dir = xy[(i + 2) % 6];
    double sx = xy[i][0] * outer_center, sy = xy[i][1] * outer_center;
    Pos3 first{dir[0] * inner_ridge + sx, dir[1] * inner_ridge + sy, 0.};
    Pos3 second{dir[0] * outer_ridge + sx, dir[1] * outer_ridge + sy, 0.};
    out.push_back({outer_dists[i] - outer_pillar_widths[i], calib.calc_stable_position(first),
                   calib.calc_stable_position(second)});
  }
  return out;
}

}  // namespace kpp
