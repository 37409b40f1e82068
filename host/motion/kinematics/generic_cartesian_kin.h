// generic_cartesian kinematics (Klipper's kinematics/generic_cartesian.py and
// kinematic_stepper.py): [carriage <name>] sections give the axes (each with its endstop and
// range), [extra_carriage <name>] more endstops on a carriage, [dual_carriage <name>] carriages
// that share an axis (idex_modes.h), and [stepper <name>] sections say with `carriages:` which
// linear combination of carriage positions each motor drives ("carriage_x+carriage_y",
// "1*carriage_y-0.5*carriage_z").
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "motion/kinematics/cartesian_kin.h"
#include "motion/kinematics/generic_cartesian.h"
#include "motion/kinematics/idex_modes.h"
#include "motion/kinematics/kinematics.h"
#include "motion/rail.h"

namespace kpp {

class GenericCartKinematics : public Kinematics, public DualCarriageHost {
 public:
  GenericCartKinematics(ToolHead& toolhead, const ConfigWrapper& config);
  ~GenericCartKinematics() override;

  std::vector<MotionStepper*> get_steppers() override;
  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override;
  void set_position(const std::array<double, 3>& newpos, const std::string& homing_axes) override;
  void clear_homing_state(const std::string& axes) override { limits_.clear(axes); }
  void home(Homing& homing_state) override;
  void check_move(ToolMove& move) override;
  Json get_status(double eventtime) override;

  // ---- DualCarriageHost ----
  void update_limits(int axis, std::pair<double, double> range) override;
  void home_axis(Homing& homing_state, int axis, PrinterRail& rail) override;
  std::string homed_axes() const override { return limits_.homed_axes(); }

 private:
  // A [carriage], [dual_carriage] or [extra_carriage] section.
  struct Carriage {
    enum class Kind { kPrimary, kDual, kExtra } kind;
    std::string name;
    int axis = 0;
    std::unique_ptr<PrinterRail> rail;  // null for an extra carriage (uses its primary's rail)
    Carriage* primary = nullptr;        // dual/extra: the carriage it belongs to (or null)
    Carriage* dual = nullptr;           // primary or dual: the dual carriage paired with it
    std::optional<double> safe_dist;
    std::string endstop_pin;  // extra carriage
    PrinterRail& get_rail() { return rail ? *rail : primary->get_rail(); }
  };
  // A [stepper] section: the motor and its coefficients per axis.
  struct KinStepper {
    std::shared_ptr<MotionStepper> stepper;
    motion::Vec3 coeffs;
    std::vector<Carriage*> carriages;
    motion::GenericCartesianKinematics* sk;
  };

  void load_carriages(const ConfigWrapper& config);
  void load_steppers(const ConfigWrapper& config);
  void setup_dual_carriages(const ConfigWrapper& config);
  // (coefficients, carriages) of a `carriages` expression; throws `make_error(text)`.
  template <class MakeError>
  std::pair<motion::Vec3, std::vector<Carriage*>> parse_carriages(const std::string& text,
                                                                 MakeError make_error);
  // The stepper rows with the dual carriage scales applied, and each row's offset.
  // `active`: carriage -> scale override (for checking hypothetical modes); empty: current.
  std::vector<motion::Vec3> kinematic_rows(std::vector<double>* offsets,
                                           const std::map<const PrinterRail*, double>* scales);
  // Throw `msg` through `make_error` if the steppers cannot move every axis independently in
  // every combination of active dual carriages.
  template <class MakeError>
  void check_kinematics(MakeError make_error);
  std::array<Carriage*, 3> primary_carriages();
  bool is_active(Carriage& c);
  void cmd_set_stepper_carriages(GCodeCommand& gcmd);

  Printer& printer_;
  std::vector<std::unique_ptr<Carriage>> carriages_;  // primary, dual, then extra ones
  std::vector<KinStepper> steppers_;
  std::shared_ptr<DualCarriages> dc_module_;
  double max_z_velocity_, max_z_accel_;
  AxisLimits limits_;
};

}  // namespace kpp
