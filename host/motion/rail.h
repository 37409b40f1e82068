// A printer rail (Klipper's PrinterRail): the steppers that move one axis or carriage together
// (stepper_z, stepper_z1, ...), their endstops and the homing parameters and travel range from
// the config.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "motion/stepper.h"

namespace kpp {

// An endstop that knows where it triggers (a probe used as a virtual Z endstop).
class EndstopWithPosition {
 public:
  virtual ~EndstopWithPosition() = default;
  virtual double get_position_endstop() = 0;
};

struct HomingInfo {
  double speed = 0., position_endstop = 0., retract_speed = 0., retract_dist = 0.;
  bool positive_dir = false;
  double second_homing_speed = 0.;
};

using NamedEndstop = std::pair<std::shared_ptr<McuEndstop>, std::string>;

class PrinterRail {
 public:
  struct Options {
    bool need_position_minmax = true;
    std::optional<double> default_position_endstop;
    bool units_in_radians = false;
    // False: a rail without steppers of its own yet (a generic_cartesian carriage); the
    // section then holds no stepper options.
    bool with_stepper = true;
    // The rail's name instead of the section name (a generic_cartesian carriage is named by
    // the last word of its section, "carriage_x").
    std::string name;
  };
  PrinterRail(const ConfigWrapper& config, Options opts);
  PrinterRail(const ConfigWrapper& config) : PrinterRail(config, Options{}) {}

  // "stepper_x" (or "x" with short_name).
  std::string get_name(bool short_name = false) const;
  const std::vector<std::shared_ptr<MotionStepper>>& get_steppers() const { return steppers_; }
  const std::vector<NamedEndstop>& get_endstops() const { return endstops_; }
  std::pair<double, double> get_range() const { return {position_min_, position_max_}; }
  const HomingInfo& get_homing_info() const { return homing_info_; }
  void set_homing_info(const HomingInfo& hi) { homing_info_ = hi; }

  // Another stepper on this rail (stepper_z1): its own endstop_pin, or the rail's first one.
  void add_extra_stepper(const ConfigWrapper& config);
  // Attach an existing stepper; `endstop_pin` empty: use the first endstop. The endstop is
  // named after the stepper unless `endstop_name` is given.
  void add_stepper(std::shared_ptr<MotionStepper> stepper,
                   const std::optional<std::string>& endstop_pin, const ConfigWrapper& config,
                   const std::string& endstop_name = "");
  // Install kinematics made by `alloc` on every stepper.
  void setup_itersolve(
      const std::function<std::unique_ptr<motion::StepperKinematics>()>& alloc);
  void set_trapq(motion::TrapQ* tq);
  void set_position(double x, double y, double z);
  double get_commanded_position() const { return steppers_.at(0)->get_commanded_position(); }
  double calc_position_from_coord(double x, double y, double z) {
    return steppers_.at(0)->calc_position_from_coord(x, y, z);
  }
  MotionStepper& primary_stepper() { return *steppers_.at(0); }

 private:
  std::shared_ptr<McuEndstop> lookup_endstop(const std::string& endstop_pin,
                                             const std::string& name,
                                             const ConfigWrapper& config);

  std::string name_;
  bool units_in_radians_;
  std::vector<std::shared_ptr<MotionStepper>> steppers_;
  std::vector<NamedEndstop> endstops_;
  struct EndstopEntry {
    std::shared_ptr<McuEndstop> endstop;
    int invert, pullup;
  };
  std::vector<std::pair<std::string, EndstopEntry>> endstop_map_;
  double position_min_ = 0., position_max_ = 0.;
  HomingInfo homing_info_;
};

// A rail plus the steppers of the sections named <name>1, <name>2, ... (stepper_z1).
std::unique_ptr<PrinterRail> lookup_multi_rail(const ConfigWrapper& config,
                                               PrinterRail::Options opts = {});

}  // namespace kpp
