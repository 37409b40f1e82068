// Machine kinematics of the simulator (see machine_kinematics.h).
#include "sim/machine_kinematics.h"

#include <cmath>

#include <fmt/format.h>

#include "motion/kinematics/cartesian.h"
#include "motion/kinematics/corexy.h"
#include "motion/kinematics/corexz.h"
#include "motion/kinematics/delta.h"

namespace kpp::sim {

namespace {
constexpr double kDegToRad = M_PI / 180.;
}

MachineKinematics::MachineKinematics(const MachineSpec& spec) {
  const std::string& k = spec.kinematics;
  if (k == "cartesian")
    kind_ = Kind::kCartesian;
  else if (k == "corexy")
    kind_ = Kind::kCoreXY;
  else if (k == "corexz")
    kind_ = Kind::kCoreXZ;
  else if (k == "delta")
    kind_ = Kind::kDelta;
  else
    throw ConfigError(fmt::format(
        "The simulator does not model kinematics '{}' (cartesian, corexy, corexz, delta)", k));
  size_t n = spec.steppers.size();
  sk_.resize(n);
  axis_of_.assign(n, -1);
  endstop_at_.assign(n, 0.);
  int tower = 0;
  for (size_t i = 0; i < n; i++) {
    const StepperSpec& s = spec.steppers[i];
    endstop_at_[i] = s.position_endstop;
    if (!s.has_rail) continue;
    if (kind_ == Kind::kDelta) {
      if (tower > 2) continue;
      double a = s.angle * kDegToRad;
      tower_pos_[tower] = {std::cos(a) * s.radius, std::sin(a) * s.radius, 0.};
      arm2_[tower] = s.arm_length * s.arm_length;
      sk_[i] = std::make_unique<motion::DeltaKinematics>(arm2_[tower], tower_pos_[tower].x,
                                                         tower_pos_[tower].y);
      // The carriage height at the endstop: the nozzle height there plus the arm's rise.
      endstop_at_[i] = s.position_endstop + std::sqrt(arm2_[tower] - s.radius * s.radius);
      towers_[tower++] = static_cast<int>(i);
      continue;
    }
    char axis = s.name.size() > 8 ? s.name[8] : 'x';
    int ai = axis - 'x';
    axis_of_[i] = ai;
    bool first = s.name.size() == 9;  // stepper_x, not stepper_x1
    if (kind_ == Kind::kCoreXY && ai < 2) {
      sk_[i] = std::make_unique<motion::CoreXYKinematics>(ai == 0 ? '+' : '-');
    } else if (kind_ == Kind::kCoreXZ && ai != 1) {
      sk_[i] = std::make_unique<motion::CoreXZKinematics>(ai == 0 ? '+' : '-');
    } else {
      sk_[i] = std::make_unique<motion::CartesianKinematics>(axis);
    }
    if (first) (ai == 0 ? ix_ : ai == 1 ? iy_ : iz_) = static_cast<int>(i);
  }
  if (kind_ == Kind::kDelta ? tower < 3 : (ix_ < 0 || iy_ < 0 || iz_ < 0))
    throw ConfigError("The simulator needs every axis of the kinematics to have a stepper");
}

MachineKinematics::~MachineKinematics() = default;

const char* MachineKinematics::name() const {
  switch (kind_) {
    case Kind::kCartesian: return "cartesian";
    case Kind::kCoreXY: return "corexy";
    case Kind::kCoreXZ: return "corexz";
    case Kind::kDelta: return "delta";
  }
  return "?";
}

Vec3 MachineKinematics::forward(std::span<const double> pos) const {
  switch (kind_) {
    case Kind::kCartesian:
      return {motion::CartesianKinematics::forward(pos[ix_]),
              motion::CartesianKinematics::forward(pos[iy_]),
              motion::CartesianKinematics::forward(pos[iz_])};
    case Kind::kCoreXY:
      return motion::CoreXYKinematics::forward(pos[ix_], pos[iy_], pos[iz_]);
    case Kind::kCoreXZ:
      return motion::CoreXZKinematics::forward(pos[ix_], pos[iz_], pos[iy_]);
    case Kind::kDelta:
      return motion::DeltaKinematics::forward(
          tower_pos_, arm2_, {pos[towers_[0]], pos[towers_[1]], pos[towers_[2]]});
  }
  return {};
}

void MachineKinematics::inverse(const Vec3& p, std::span<double> pos) const {
  for (size_t i = 0; i < sk_.size(); i++)
    if (sk_[i]) pos[i] = sk_[i]->calc_position_from_coord(p.x, p.y, p.z);
}

double MachineKinematics::endstop_coord(size_t i, std::span<const double> pos,
                                        const Vec3& nozzle) const {
  // Cartesian rails and delta carriages: the stepper's own position. CoreXY/XZ: the endstop
  // sits on the axis and sees the carriage's coordinate along it.
  if (kind_ == Kind::kCartesian || kind_ == Kind::kDelta || axis_of_[i] < 0) return pos[i];
  if (kind_ == Kind::kCoreXY && axis_of_[i] == 2) return pos[i];
  if (kind_ == Kind::kCoreXZ && axis_of_[i] == 1) return pos[i];
  return nozzle[axis_of_[i]];
}

}  // namespace kpp::sim
