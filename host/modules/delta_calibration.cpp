// Delta geometries for delta_calibrate (see delta_calibration.h).
#include "modules/delta_calibration.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

#include "motion/kinematics/trilateration.h"

namespace kpp {

namespace {
constexpr const char* kAxes[3] = {"a", "b", "c"};
double rad(double deg) { return deg * M_PI / 180.; }
// Python's math.radians (one rounding of pi/180), as rotary_delta.py converts its angles.
double py_radians(double deg) { return deg * (M_PI / 180.); }
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

std::vector<std::string> DeltaCalibration::adjusted_params(bool extended) const {
  std::vector<std::string> adj = {"radius",    "angle_a",   "angle_b",
                                  "endstop_a", "endstop_b", "endstop_c"};
  if (extended) adj.insert(adj.end(), {"arm_a", "arm_b", "arm_c"});
  return adj;
}

std::unique_ptr<DeltaGeometry> DeltaCalibration::with_params(const FitParams& p) const {
  std::array<double, 3> angles, arms, endstops, stepdists;
  for (int i = 0; i < 3; i++) {
    std::string a = kAxes[i];
    angles[i] = p.at("angle_" + a);
    arms[i] = p.at("arm_" + a);
    endstops[i] = p.at("endstop_" + a);
    stepdists[i] = p.at("stepdist_" + a);
  }
  return std::make_unique<DeltaCalibration>(p.at("radius"), angles, arms, endstops, stepdists);
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

std::vector<DeltaConfigSetting> DeltaCalibration::config_settings() const {
  std::vector<DeltaConfigSetting> out = {{"printer", "delta_radius", fmt::format("{:.6f}", radius_)}};
  for (int i = 0; i < 3; i++) {
    std::string section = std::string("stepper_") + kAxes[i];
    out.push_back({section, "angle", fmt::format("{:.6f}", angles_[i])});
    out.push_back({section, "arm_length", fmt::format("{:.6f}", arms_[i])});
    out.push_back({section, "position_endstop", fmt::format("{:.6f}", endstops_[i])});
  }
  return out;
}

std::string DeltaCalibration::report() const {
  std::string text;
  for (int i = 0; i < 3; i++)
    text += fmt::format("stepper_{}: position_endstop: {:.6f} angle: {:.6f} arm_length: {:.6f}\n",
                        kAxes[i], endstops_[i], angles_[i], arms_[i]);
  return text + fmt::format("delta_radius: {:.6f}", radius_);
}

// ---- Rotary delta ----

RotaryDeltaCalibration::RotaryDeltaCalibration(double shoulder_radius, double shoulder_height,
                                               std::array<double, 3> angles,
                                               std::array<double, 3> upper_arms,
                                               std::array<double, 3> lower_arms,
                                               std::array<double, 3> endstops,
                                               std::array<double, 3> stepdists)
    : shoulder_radius_(shoulder_radius),
      shoulder_height_(shoulder_height),
      angles_(angles),
      endstops_(endstops),
      stepdists_(stepdists) {
  for (int i = 0; i < 3; i++) {
    arms_[i] = {shoulder_radius, shoulder_height, py_radians(angles[i]), upper_arms[i],
                lower_arms[i]};
    // The arm angle at the endstop: the effector centred at the endstop height.
    abs_endstops_[i] = motion::RotaryDeltaKinematics(arms_[i]).calc_position_from_coord(
        0., 0., endstops[i]);
  }
}

FitParams RotaryDeltaCalibration::params() const {
  FitParams p{{"shoulder_radius", shoulder_radius_}, {"shoulder_height", shoulder_height_}};
  for (int i = 0; i < 3; i++) {
    std::string a = kAxes[i];
    p["angle_" + a] = angles_[i];
    p["upper_arm_" + a] = arms_[i].upper_arm;
    p["lower_arm_" + a] = arms_[i].lower_arm;
    p["endstop_" + a] = endstops_[i];
    p["stepdist_" + a] = stepdists_[i];
  }
  return p;
}

std::vector<std::string> RotaryDeltaCalibration::adjusted_params(bool extended) const {
  std::vector<std::string> adj = {"shoulder_height", "endstop_a", "endstop_b", "endstop_c"};
  if (extended) adj.insert(adj.end(), {"shoulder_radius", "angle_a", "angle_b"});
  return adj;
}

std::unique_ptr<DeltaGeometry> RotaryDeltaCalibration::with_params(const FitParams& p) const {
  std::array<double, 3> angles, upper, lower, endstops, stepdists;
  for (int i = 0; i < 3; i++) {
    std::string a = kAxes[i];
    angles[i] = p.at("angle_" + a);
    upper[i] = p.at("upper_arm_" + a);
    lower[i] = p.at("lower_arm_" + a);
    endstops[i] = p.at("endstop_" + a);
    stepdists[i] = p.at("stepdist_" + a);
  }
  return std::make_unique<RotaryDeltaCalibration>(p.at("shoulder_radius"),
                                                  p.at("shoulder_height"), angles, upper, lower,
                                                  endstops, stepdists);
}

Pos3 RotaryDeltaCalibration::actuator_to_cartesian(const std::array<double, 3>& angles) const {
  motion::Vec3 p = motion::RotaryDeltaKinematics::forward(arms_, angles);
  return {p.x, p.y, p.z};
}

Pos3 RotaryDeltaCalibration::get_position_from_stable(const StablePos& spos) const {
  std::array<double, 3> angles;
  for (int i = 0; i < 3; i++) angles[i] = abs_endstops_[i] - spos[i] * stepdists_[i];
  return actuator_to_cartesian(angles);
}

StablePos RotaryDeltaCalibration::calc_stable_position(const Pos3& coord) const {
  StablePos out;
  for (int i = 0; i < 3; i++) {
    double angle = motion::RotaryDeltaKinematics(arms_[i]).calc_position_from_coord(
        coord[0], coord[1], coord[2]);
    out[i] = (abs_endstops_[i] - angle) / stepdists_[i];
  }
  return out;
}

std::vector<DeltaConfigSetting> RotaryDeltaCalibration::config_settings() const {
  std::vector<DeltaConfigSetting> out = {
      {"printer", "shoulder_radius", fmt::format("{:.6f}", shoulder_radius_)},
      {"printer", "shoulder_height", fmt::format("{:.6f}", shoulder_height_)}};
  for (int i = 0; i < 3; i++) {
    std::string section = std::string("stepper_") + kAxes[i];
    out.push_back({section, "angle", fmt::format("{:.6f}", angles_[i])});
    out.push_back({section, "position_endstop", fmt::format("{:.6f}", endstops_[i])});
  }
  return out;
}

std::string RotaryDeltaCalibration::report() const {
  std::string text;
  for (int i = 0; i < 3; i++)
    text += fmt::format("stepper_{}: position_endstop: {:.6f} angle: {:.6f}\n", kAxes[i],
                        endstops_[i], angles_[i]);
  return text + fmt::format("shoulder_radius: {:.6f} shoulder_height: {:.6f}", shoulder_radius_,
                            shoulder_height_);
}

// ---- Fitting ----

std::unique_ptr<DeltaGeometry> fit_delta_geometry(const DeltaGeometry& orig,
                                                  const std::vector<DeltaHeight>& heights,
                                                  size_t probe_count,
                                                  const std::vector<DeltaDistance>& distances) {
  // Distances count MEASURE_WEIGHT (0.5) relative to heights, per measurement.
  double z_weight = 1.;
  if (!distances.empty() && probe_count)
    z_weight = static_cast<double>(distances.size()) / (0.5 * static_cast<double>(probe_count));
  // Parameters under which a measured position cannot be reached score this (Klipper's value).
  constexpr double kUnreachable = 9999999999999.9;
  auto error = [&](const FitParams& p) {
    std::unique_ptr<DeltaGeometry> c = orig.with_params(p);
    double total = 0.;
    for (const DeltaHeight& h : heights) {
      double dz = c->get_position_from_stable(h.pos)[2] - h.z;
      total += dz * dz;
    }
    total *= z_weight;
    for (const DeltaDistance& d : distances) {
      Pos3 a = c->get_position_from_stable(d.pos1), b = c->get_position_from_stable(d.pos2);
      double dist = std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                              (a[2] - b[2]) * (a[2] - b[2]));
      total += (dist - d.dist) * (dist - d.dist);
    }
    return std::isnan(total) ? kUnreachable : total;
  };
  FitParams fit =
      coordinate_descent(orig.adjusted_params(!distances.empty()), orig.params(), error);
  return orig.with_params(fit);
}

std::vector<DeltaDistance> delta_measurements_to_distances(
    const std::vector<double>& center_dists, const std::vector<double>& center_pillar_widths,
    const std::vector<double>& outer_dists, const std::vector<double>& outer_pillar_widths,
    double scale, const DeltaGeometry& calib) {
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
