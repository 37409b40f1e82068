// [input_shaper]: resonance compensation (Klipper's extras/input_shaper.py). Every stepper of the
// kinematics gets an InputShaperKinematics wrapper; each axis (x, y, z) has a shaper type,
// frequency and damping ratio, changed at run time with SET_INPUT_SHAPER. A frequency of 0
// turns shaping of that axis off.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/gcode.h"
#include "core/printer.h"
#include "motion/kinematics/input_shaper.h"
#include "motion/kinematics/shaper_defs.h"

namespace kpp {

class ToolHead;
class MotionStepper;

// The shaper of one axis: its parameters and the pulses they give.
class AxisInputShaper {
 public:
  AxisInputShaper(char axis, const ConfigWrapper& config);
  char axis() const { return axis_; }
  // "shaper_x"
  std::string get_name() const { return std::string("shaper_") + axis_; }
  const std::string& shaper_type() const { return shaper_type_; }
  double shaper_freq() const { return shaper_freq_; }
  double damping_ratio() const { return damping_ratio_; }
  // The pulses in use (empty when shaping is off for this axis).
  const motion::ShaperDef& pulses() const { return def_; }
  bool is_enabled() const { return !def_.a.empty(); }
  // Apply the SET_INPUT_SHAPER parameters of this axis; throws CommandError (nothing changed)
  // on bad ones.
  void update(const GCodeCommand& gcmd);
  // Turn shaping off, keeping the pulses for enable_shaping() (resonance testing).
  void disable_shaping();
  void enable_shaping();
  // "shaper_type_x:mzv shaper_freq_x:33.200 damping_ratio_x:0.100000"
  std::string report() const;

 private:
  char axis_;
  std::string shaper_type_;
  double shaper_freq_ = 0., damping_ratio_ = motion::kDefaultDampingRatio;
  motion::ShaperDef def_;
  std::optional<motion::ShaperDef> saved_;
};

class InputShaper : public PrinterObject {
 public:
  explicit InputShaper(const ConfigWrapper& config);
  ~InputShaper() override;

  std::vector<AxisInputShaper*> get_shapers();
  void disable_shaping();
  void enable_shaping();

 private:
  // Wrap the kinematics' steppers (once each) and load the current pulses into every wrapper.
  // `config_error`: report failures as a ConfigError (at start-up) instead of a CommandError.
  void update_input_shaping(bool config_error = false);
  // The wrapper of stepper `s`, made on first use; null when the stepper cannot be shaped.
  motion::InputShaperKinematics* shaper_kinematics(MotionStepper& s);
  // A dual carriage changed which axes its steppers follow.
  void update_kinematics();
  void cmd_set_input_shaper(GCodeCommand& gcmd);

  Printer& printer_;
  ToolHead* toolhead_ = nullptr;
  std::array<std::unique_ptr<AxisInputShaper>, 3> shapers_;
  struct Wrapped {
    motion::StepperKinematics* orig;
    std::unique_ptr<motion::InputShaperKinematics> is;  // null: could not be shaped
  };
  std::vector<Wrapped> wrapped_;
};

}  // namespace kpp
