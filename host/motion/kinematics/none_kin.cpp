// The "none" kinematics (Klipper's kinematics/none.py): a printer without motion axes, e.g. a
// board that only drives heaters or an extruder. Every move is accepted and nothing steps.
#include "motion/kinematics/kinematics.h"

namespace kpp {

namespace {

class NoneKinematics : public Kinematics {
 public:
  std::vector<MotionStepper*> get_steppers() override { return {}; }
  Pos3 calc_position(const std::map<std::string, double>&) override { return {0., 0., 0.}; }
  void set_position(const std::array<double, 3>&, const std::string&) override {}
  void clear_homing_state(const std::string&) override {}
  void home(Homing&) override {}
  void check_move(ToolMove&) override {}
  Json get_status(double) override {
    return Json{{"homed_axes", ""},
                {"axis_minimum", coord_status({0., 0., 0.})},
                {"axis_maximum", coord_status({0., 0., 0.})}};
  }
};

}  // namespace

KPP_REGISTER_KINEMATICS(none, "none",
                        [](ToolHead&, const ConfigWrapper&) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<NoneKinematics>();
                        })

}  // namespace kpp
