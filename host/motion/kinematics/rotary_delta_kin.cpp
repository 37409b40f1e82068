// Rotary delta printer kinematics (Klipper's kinematics/rotary_delta.py): three steppers turn
// upper arms (positions in radians) about shoulder joints; lower arms join the elbows to the
// effector. All three arms home together; moves are limited to a cylinder tapered at the top.
#include <algorithm>
#include <cmath>

#include "modules/delta_calibration.h"
#include "motion/kinematics/delta_common.h"
#include "motion/kinematics/rotary_delta.h"
#include "motion/rail.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class RotaryDeltaKin : public DeltaKinBase {
 public:
  RotaryDeltaKin(ToolHead& toolhead, const ConfigWrapper& config)
      : DeltaKinBase(config, /*units_in_radians=*/true) {
    std::array<ConfigWrapper, 3> sconfigs = {config.getsection("stepper_a"),
                                              config.getsection("stepper_b"),
                                              config.getsection("stepper_c")};
    auto [max_velocity, max_accel] = toolhead.get_max_velocity();
    (void)max_accel;
    max_z_velocity_ = config.getfloat("max_z_velocity", max_velocity,
                                      FloatLimits{.maxval = max_velocity, .above = 0.});
    double shoulder_radius = config.getfloat("shoulder_radius", FloatLimits{.above = 0.});
    double shoulder_height = config.getfloat("shoulder_height", FloatLimits{.above = 0.});
    double upper_a = sconfigs[0].getfloat("upper_arm_length", FloatLimits{.above = 0.});
    double lower_a = sconfigs[0].getfloat("lower_arm_length", FloatLimits{.above = 0.});
    const double default_angles[3] = {30., 150., 270.};
    std::array<double, 3> angles, upper_arms, lower_arms, endstops, stepdists;
    for (int i = 0; i < 3; i++) {
      upper_arms[i] = sconfigs[i].getfloat("upper_arm_length", upper_a, FloatLimits{.above = 0.});
      lower_arms[i] = sconfigs[i].getfloat("lower_arm_length", lower_a, FloatLimits{.above = 0.});
      angles[i] = sconfigs[i].getfloat("angle", default_angles[i]);
      endstops[i] = rails_[i]->get_homing_info().position_endstop;
      stepdists[i] = rails_[i]->primary_stepper().get_step_dist();
    }
    calibration_ = std::make_shared<RotaryDeltaCalibration>(
        shoulder_radius, shoulder_height, angles, upper_arms, lower_arms, endstops, stepdists);
    const auto& arms = calibration_->arms();
    for (int i = 0; i < 3; i++) {
      motion::RotaryDeltaArm arm = arms[i];
      rails_[i]->setup_itersolve(
          [arm] { return std::make_unique<motion::RotaryDeltaKinematics>(arm); });
    }
    for (MotionStepper* s : get_steppers()) s->set_trapq(toolhead.get_trapq());
    // Boundaries: the arm angles with the effector at the centre, at each endstop height.
    std::array<double, 3> eangles;
    for (int i = 0; i < 3; i++) eangles[i] = rails_[i]->calc_position_from_coord(0., 0., endstops[i]);
    double min_ua = 1e300, min_la = 1e300, limit_z = 1e300;
    for (int i = 0; i < 3; i++) {
      min_ua = std::min(min_ua, shoulder_radius + arms[i].upper_arm);
      min_la = std::min(min_la, arms[i].lower_arm - shoulder_radius);
      double elbow_z = motion::RotaryDeltaKinematics::elbow_coord(arms[i], eangles[i]).z;
      limit_z = std::min(limit_z, elbow_z - arms[i].lower_arm);
    }
    set_bounds(config, actuator_to_cartesian(eangles), limit_z,
               std::pow(std::min(min_ua, min_la), 2.));
    set_position({0., 0., 0.}, "");
  }

  void home(Homing& homing_state) override {
    // Start from just below the bed so that every arm travels to its endstop.
    home_towers(homing_state, -1.);
  }

  void check_move(ToolMove& move) override {
    std::optional<double> range = check_range(move);
    if (!range) return;
    double limit_xy2 = *range;
    if (move.axes_d[2] != 0.) {
      // Unlike linear delta, the Z speed limit applies to the whole move.
      move.limit_speed(max_z_velocity_, move.accel);
      limit_xy2 = -1.;
    }
    limit_xy2_ = limit_xy2;
  }

  std::shared_ptr<const DeltaGeometry> get_calibration() const override { return calibration_; }

 private:
  Pos3 actuator_to_cartesian(const std::array<double, 3>& spos) const override {
    return calibration_->actuator_to_cartesian(spos);
  }

  double max_z_velocity_;
  std::shared_ptr<RotaryDeltaCalibration> calibration_;
};

}  // namespace

KPP_REGISTER_KINEMATICS(rotary_delta, "rotary_delta",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<RotaryDeltaKin>(th, c);
                        })

}  // namespace kpp
