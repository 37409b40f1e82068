// Cartesian, CoreXY, CoreXZ and hybrid CoreXY/CoreXZ printer kinematics (Klipper's
// kinematics/cartesian.py, corexy.py, corexz.py, hybrid_corexy.py, hybrid_corexz.py): one rail
// per axis (a belt pair for the core axes), a slower Z, and for cartesian and the hybrid
// variants an optional [dual_carriage] (idex_modes.h).
#pragma once

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "motion/kinematics/idex_modes.h"
#include "motion/kinematics/kinematics.h"
#include "motion/rail.h"

namespace kpp {

// Travel limits per axis; (1, -1) marks an axis that is not homed.
struct AxisLimits {
  std::array<std::pair<double, double>, 3> limits{{{1., -1.}, {1., -1.}, {1., -1.}}};
  bool homed(int axis) const { return limits[axis].first <= limits[axis].second; }
  void clear(const std::string& axes);
  std::string homed_axes() const;
  // Throw "Must home axis first" / "Move out of range" for an axis the move leaves.
  void check_endstops(const ToolMove& move) const;
};

class CartKinematics : public Kinematics, public DualCarriageHost {
 public:
  enum class Variant { kCartesian, kCoreXY, kCoreXZ, kHybridCoreXY, kHybridCoreXZ };
  CartKinematics(ToolHead& toolhead, const ConfigWrapper& config, Variant variant);
  ~CartKinematics() override;
  std::vector<MotionStepper*> get_steppers() override;
  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override;
  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override;
  void clear_homing_state(const std::string& axes) override;
  void home(Homing& homing_state) override;
  void check_move(ToolMove& move) override;
  Json get_status(double eventtime) override;
  std::pair<double, double> get_axis_limits(int axis) const { return limits_.limits[axis]; }

  // ---- DualCarriageHost ----
  void update_limits(int axis, std::pair<double, double> range) override;
  void home_axis(Homing& homing_state, int axis, PrinterRail& rail) override;
  std::string homed_axes() const override { return limits_.homed_axes(); }

 private:
  void setup_dual_carriage(const ConfigWrapper& config);

  Printer& printer_;
  Variant variant_;
  // x, y, z, then the dual carriage's rail if any.
  std::vector<std::unique_ptr<PrinterRail>> rails_;
  std::shared_ptr<DualCarriages> dc_module_;
  int dc_axis_ = -1;
  double max_z_velocity_, max_z_accel_;
  AxisLimits limits_;
  std::array<double, 3> axes_min_{}, axes_max_{};
};

// The homing move of one rail: force the position away from the endstop, then home.
void home_rail_axis(Homing& homing_state, int axis, PrinterRail& rail);

}  // namespace kpp
