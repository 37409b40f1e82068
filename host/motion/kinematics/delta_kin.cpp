// Linear delta printer kinematics (Klipper's kinematics/delta.py): three towers with carriages
// joined to the effector by arms; all towers home together; moves far from the centre (where a
// small XY motion means a large carriage motion) are slowed down.
#include <algorithm>
#include <cmath>

#include "core/logging.h"
#include "modules/delta_calibration.h"
#include "motion/kinematics/delta.h"
#include "motion/kinematics/delta_common.h"
#include "motion/kinematics/trilateration.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

// Moves get slower once the tower/XY movement ratio passes this.
constexpr double kSlowRatio = 3.;

class DeltaKin : public DeltaKinBase {
 public:
  DeltaKin(ToolHead& toolhead, const ConfigWrapper& config)
      : DeltaKinBase(config, /*units_in_radians=*/false) {
    std::array<ConfigWrapper, 3> sconfigs = {config.getsection("stepper_a"),
                                              config.getsection("stepper_b"),
                                              config.getsection("stepper_c")};
    auto [max_velocity, max_accel] = toolhead.get_max_velocity();
    max_velocity_ = max_velocity;
    max_accel_ = max_accel;
    max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                      FloatLimits{.maxval = max_velocity, .above = 0.});
    double radius = config.getfloat("delta_radius", FloatLimits{.above = 0.});
    double print_radius = config.getfloat("print_radius", radius, FloatLimits{.above = 0.});
    double arm_length_a = sconfigs[0].getfloat("arm_length", FloatLimits{.above = radius});
    const double default_angles[3] = {210., 330., 90.};
    std::array<double, 3> angles, endstops, stepdists;
    for (int i = 0; i < 3; i++) {
      arm_lengths_[i] = sconfigs[i].getfloat("arm_length", arm_length_a, FloatLimits{.above = radius});
      arm2_[i] = arm_lengths_[i] * arm_lengths_[i];
      endstops[i] = rails_[i]->get_homing_info().position_endstop;
      abs_endstops_[i] = endstops[i] + std::sqrt(arm2_[i] - radius * radius);
      angles[i] = sconfigs[i].getfloat("angle", default_angles[i]);
      towers_[i] = {std::cos(angles[i] * M_PI / 180.) * radius,
                    std::sin(angles[i] * M_PI / 180.) * radius, 0.};
      stepdists[i] = rails_[i]->primary_stepper().get_step_dist();
    }
    calibration_ =
        std::make_shared<DeltaCalibration>(radius, angles, arm_lengths_, endstops, stepdists);
    for (int i = 0; i < 3; i++) {
      double a2 = arm2_[i], tx = towers_[i].x, ty = towers_[i].y;
      rails_[i]->setup_itersolve(
          [a2, tx, ty] { return std::make_unique<motion::DeltaKinematics>(a2, tx, ty); });
    }
    for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
    // Boundaries.
    double limit_z = abs_endstops_[0] - arm_lengths_[0];
    for (int i = 1; i < 3; i++) limit_z = std::min(limit_z, abs_endstops_[i] - arm_lengths_[i]);
    // Where an XY move could cause excessive tower movement.
    double half_min_step_dist = std::min({stepdists[0], stepdists[1], stepdists[2]}) * .5;
    double min_arm_length = std::min({arm_lengths_[0], arm_lengths_[1], arm_lengths_[2]});
    auto ratio_to_xy = [&](double ratio) {
      return ratio * std::sqrt(min_arm_length * min_arm_length / (ratio * ratio + 1.) -
                               half_min_step_dist * half_min_step_dist) +
             half_min_step_dist - radius;
    };
    slow_xy2_ = std::pow(ratio_to_xy(kSlowRatio), 2.);
    very_slow_xy2_ = std::pow(ratio_to_xy(2. * kSlowRatio), 2.);
    double max_xy2 = std::pow(
        std::min({print_radius, min_arm_length - radius, ratio_to_xy(4. * kSlowRatio)}), 2.);
    set_bounds(config, actuator_to_cartesian(abs_endstops_), limit_z, max_xy2);
    log::info("Delta max build radius {:.2f}mm (moves slowed past {:.2f}mm and {:.2f}mm)",
              std::sqrt(max_xy2_), std::sqrt(slow_xy2_), std::sqrt(very_slow_xy2_));
    set_position({0., 0., 0.}, "");
  }

  void home(Homing& homing_state) override {
    // Start far enough below the endstops that every carriage reaches its endstop.
    double max_arm2 = std::max({arm2_[0], arm2_[1], arm2_[2]});
    home_towers(homing_state, -1.5 * std::sqrt(max_arm2 - max_xy2_));
  }

  void check_move(ToolMove& move) override {
    std::optional<double> range = check_range(move);
    if (!range) return;
    double limit_xy2 = *range;
    if (move.axes_d[2] != 0.) {
      double z_ratio = move.move_d / std::fabs(move.axes_d[2]);
      move.limit_speed(max_z_velocity_ * z_ratio, move.accel);
      limit_xy2 = -1.;
    }
    // Slower at the edge of the build envelope.
    const Coord& end_pos = move.end_pos;
    double end_xy2 = end_pos[0] * end_pos[0] + end_pos[1] * end_pos[1];
    double start_xy2 =
        move.start_pos[0] * move.start_pos[0] + move.start_pos[1] * move.start_pos[1];
    double extreme_xy2 = std::max(end_xy2, start_xy2);
    if (extreme_xy2 > slow_xy2_) {
      double r = extreme_xy2 > very_slow_xy2_ ? 0.25 : 0.5;
      move.limit_speed(max_velocity_ * r, max_accel_ * r);
      limit_xy2 = -1.;
    }
    limit_xy2_ = std::min(limit_xy2, slow_xy2_);
  }

  std::shared_ptr<const DeltaGeometry> get_calibration() const override { return calibration_; }

 private:
  Pos3 actuator_to_cartesian(const std::array<double, 3>& spos) const override {
    std::array<motion::Vec3, 3> centers;
    for (int i = 0; i < 3; i++) centers[i] = {towers_[i].x, towers_[i].y, spos[i]};
    motion::Vec3 p = motion::trilateration(centers, arm2_);
    return {p.x, p.y, p.z};
  }

  double max_velocity_, max_accel_, max_z_velocity_;
  std::array<double, 3> arm_lengths_{}, arm2_{}, abs_endstops_{};
  std::array<motion::Vec3, 3> towers_{};
  double slow_xy2_ = 0., very_slow_xy2_ = 0.;
  std::shared_ptr<DeltaCalibration> calibration_;
};

}  // namespace

KPP_REGISTER_KINEMATICS(delta, "delta",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<DeltaKin>(th, c);
                        })

}  // namespace kpp
