// From motor positions to the nozzle and back, through the host's kinematics code
// (host/motion/kinematics: the per-stepper inverse and the forward solutions), and which
// coordinate each rail's endstop watches.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "motion/itersolve.h"
#include "sim/machine_spec.h"

namespace kpp::sim {

using motion::Vec3;

class MachineKinematics {
 public:
  // Throws ConfigError for kinematics the simulator does not model.
  explicit MachineKinematics(const MachineSpec& spec);
  ~MachineKinematics();

  // Nozzle position from the positions of every stepper (indexed as spec.steppers).
  Vec3 forward(std::span<const double> pos) const;
  // Positions of the rail steppers that put the nozzle at `p` (other entries are left alone).
  void inverse(const Vec3& p, std::span<double> pos) const;
  // Whether stepper `i` moves the nozzle (a rail of the kinematics).
  bool moves_nozzle(size_t i) const { return i < sk_.size() && sk_[i] != nullptr; }
  // The coordinate the endstop of stepper `i` watches (the carriage position along its rail),
  // and the value of that coordinate at which it triggers.
  double endstop_coord(size_t i, std::span<const double> pos, const Vec3& nozzle) const;
  double endstop_trigger(size_t i) const { return endstop_at_[i]; }
  const char* name() const;

 private:
  enum class Kind { kCartesian, kCoreXY, kCoreXZ, kDelta };
  Kind kind_;
  // Per stepper (null for extruders): the host's stepper kinematics, used for the inverse.
  std::vector<std::unique_ptr<motion::StepperKinematics>> sk_;
  std::vector<int> axis_of_;  // cartesian-like: 0/1/2 for the rail's axis, -1 otherwise
  std::vector<double> endstop_at_;
  // Indices of the steppers that the forward solution reads.
  int ix_ = -1, iy_ = -1, iz_ = -1;
  std::array<int, 3> towers_{-1, -1, -1};
  std::array<Vec3, 3> tower_pos_{};
  std::array<double, 3> arm2_{};
};

}  // namespace kpp::sim
