// One simulated stepper motor: integrates the edges of its step, dir and enable pins into a
// step count and a position.
#pragma once

#include <cstdint>

#include "sim/machine_spec.h"

namespace kpp::sim {

class StepperMotor {
 public:
  explicit StepperMotor(const StepperSpec& spec) : spec_(spec) {}

  const StepperSpec& spec() const { return spec_; }

  // The step pin was (re)configured at `clock`; the level it is set to next is its idle level.
  void on_step_pin_configured(uint64_t clock);
  // An edge of the step pin. Returns true when the edge was a step.
  bool on_step_edge(uint8_t level, uint64_t clock);
  void on_dir_level(uint8_t level) { positive_ = (level != 0) != spec_.dir.invert; }
  void on_enable_level(uint8_t level) { enabled_ = (level != 0) != spec_.enable.invert; }

  // Net steps since power-on (positive direction counts up).
  int64_t steps() const { return steps_; }
  // Steps in either direction.
  uint64_t total_steps() const { return total_steps_; }
  uint64_t steps_while_disabled() const { return steps_disabled_; }
  uint64_t direction_reversals() const { return reversals_; }
  // Position (mm): origin + steps * step_dist.
  double position() const { return origin_ + static_cast<double>(steps_) * spec_.step_dist; }
  double origin() const { return origin_; }
  // Place the motor (before any step): its position at step count 0.
  void set_origin(double pos) { origin_ = pos; }
  bool enabled() const { return spec_.enable.valid() ? enabled_ : true; }
  bool direction_positive() const { return positive_; }
  uint64_t last_step_clock() const { return last_step_clock_; }

 private:
  StepperSpec spec_;
  int64_t steps_ = 0;
  uint64_t total_steps_ = 0, steps_disabled_ = 0, reversals_ = 0;
  double origin_ = 0.;
  bool positive_ = false;
  bool enabled_ = false;
  int last_dir_ = 0;  // direction of the previous step: -1, 0 (none yet), 1
  uint64_t configured_clock_ = UINT64_MAX;
  uint64_t last_step_clock_ = 0;
};

}  // namespace kpp::sim
