// What linear and rotary delta kinematics share (Klipper's delta.py and rotary_delta.py are
// near copies in these parts): three rails stepper_a/b/c homed together, a build cylinder
// whose radius tapers near the top, the "homing move may leave the cylinder" exception, and
// the homed state / status. Subclasses supply the geometry (actuator_to_cartesian, boundaries)
// and their own speed limits.
#pragma once

#include <array>
#include <memory>
#include <optional>

#include "motion/kinematics/kinematics.h"
#include "motion/rail.h"

namespace kpp {

class DeltaKinBase : public Kinematics {
 public:
  std::vector<MotionStepper*> get_steppers() override;
  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override;
  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override;
  void clear_homing_state(const std::string& axes) override;
  Json get_status(double eventtime) override;

 protected:
  // Creates the three rails; towers b and c default to tower a's position_endstop.
  DeltaKinBase(const ConfigWrapper& config, bool units_in_radians);

  // Effector position from the three rail positions.
  virtual Pos3 actuator_to_cartesian(const std::array<double, 3>& spos) const = 0;

  // Sets the boundaries: the homed position, max_z (lowest endstop), min_z
  // (minimum_z_position), the height above which the radius tapers and the radius squared.
  void set_bounds(const ConfigWrapper& config, const Pos3& home_position, double limit_z,
                  double max_xy2);

  // All three rails home at once towards `home_position`, starting from `force_z`.
  void home_towers(Homing& homing_state, double force_z);

  // The range checks of check_move. Returns nothing for a plain XY move inside the radius
  // already verified (no further limits apply); otherwise the radius squared within which the
  // following XY moves need no check (-1 after a homing move out of range). Throws for moves
  // out of range or before homing.
  std::optional<double> check_range(ToolMove& move) const;

  std::array<std::unique_ptr<PrinterRail>, 3> rails_;
  bool need_home_ = true;
  double limit_xy2_ = -1.;
  Pos3 home_position_{};
  double max_z_ = 0., min_z_ = 0., limit_z_ = 0., max_xy2_ = 0.;
  std::array<double, 3> axes_min_{}, axes_max_{};
};

}  // namespace kpp
