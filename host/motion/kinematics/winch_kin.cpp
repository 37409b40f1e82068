// Cable winch printer kinematics (Klipper's kinematics/winch.py): each [stepper_a],
// [stepper_b], ... (at least three, up to 26) reels a cable from an anchor to the toolhead.
// As in Klipper, there is no homing (G28 just declares the toolhead at 0,0,0) and no range
// checking; the axis limits reported are the anchors' bounding box.
#include <algorithm>

#include "modules/homing.h"
#include "motion/kinematics/kinematics.h"
#include "motion/kinematics/winch.h"
#include "motion/stepper.h"
#include "motion/toolhead.h"

namespace kpp {

namespace {

class WinchKin : public Kinematics {
 public:
  WinchKin(ToolHead& toolhead, const ConfigWrapper& config) {
    for (int i = 0; i < 26; i++) {
      std::string name = std::string("stepper_") + static_cast<char>('a' + i);
      if (i >= 3 && !config.has_section(name)) break;
      ConfigWrapper sconfig = config.getsection(name);
      auto s = make_printer_stepper(sconfig);
      motion::Vec3 a = {sconfig.getfloat("anchor_x"), sconfig.getfloat("anchor_y"),
                        sconfig.getfloat("anchor_z")};
      s->setup_itersolve(std::make_unique<motion::WinchKinematics>(a));
      s->set_trapq(toolhead.get_trapq());
      anchors_.push_back(a);
      steppers_.push_back(std::move(s));
    }
    axes_min_ = axes_max_ = {anchors_[0].x, anchors_[0].y, anchors_[0].z};
    for (auto& a : anchors_) {
      axes_min_ = {std::min(axes_min_[0], a.x), std::min(axes_min_[1], a.y),
                   std::min(axes_min_[2], a.z)};
      axes_max_ = {std::max(axes_max_[0], a.x), std::max(axes_max_[1], a.y),
                   std::max(axes_max_[2], a.z)};
    }
    set_position({0., 0., 0.}, "");
  }

  std::vector<MotionStepper*> get_steppers() override {
    std::vector<MotionStepper*> out;
    for (auto& s : steppers_) out.push_back(s.get());
    return out;
  }

  Pos3 calc_position(const std::map<std::string, double>& stepper_positions) override {
    // The first three cables determine the position.
    std::array<motion::Vec3, 3> anchors = {anchors_[0], anchors_[1], anchors_[2]};
    std::array<double, 3> lengths;
    for (int i = 0; i < 3; i++) lengths[i] = stepper_positions.at(steppers_[i]->get_name());
    motion::Vec3 p = motion::WinchKinematics::forward(anchors, lengths);
    return {p.x, p.y, p.z};
  }

  void set_position(const std::array<double, 3>& newpos, const std::string&) override {
    for (auto& s : steppers_) s->set_position(newpos[0], newpos[1], newpos[2]);
  }

  void clear_homing_state(const std::string&) override {}

  void home(Homing& homing_state) override {
    // No endstops: homing only declares the toolhead at the origin.
    homing_state.set_axes({0, 1, 2});
    homing_state.set_homed_position({0., 0., 0.});
  }

  void check_move(ToolMove&) override {}  // Klipper has no winch range or speed limits

  Json get_status(double) override {
    return Json{{"homed_axes", "xyz"},
                {"axis_minimum", coord_status(axes_min_)},
                {"axis_maximum", coord_status(axes_max_)}};
  }

 private:
  std::vector<std::shared_ptr<MotionStepper>> steppers_;
  std::vector<motion::Vec3> anchors_;
  std::array<double, 3> axes_min_{}, axes_max_{};
};

}  // namespace

KPP_REGISTER_KINEMATICS(winch, "winch",
                        [](ToolHead& th, const ConfigWrapper& c) -> std::unique_ptr<Kinematics> {
                          return std::make_unique<WinchKin>(th, c);
                        })

}  // namespace kpp
