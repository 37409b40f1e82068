// Stepper motor model (see stepper_motor.h).
#include "sim/stepper_motor.h"

namespace kpp::sim {

void StepperMotor::on_step_pin_configured(uint64_t clock) {
  configured_clock_ = clock;
}

bool StepperMotor::on_step_edge(uint8_t level, uint64_t clock) {
  // The firmware sets the idle level right when it configures the pin: not a step.
  if (clock == configured_clock_) return false;
  if (!spec_.step_both_edges) {
    uint8_t idle = spec_.step.invert ? 1 : 0;
    if (level == idle) return false;  // end of a pulse
  }
  int dir = positive_ ? 1 : -1;
  steps_ += dir;
  total_steps_++;
  if (!enabled()) steps_disabled_++;
  if (last_dir_ && dir != last_dir_) reversals_++;
  last_dir_ = dir;
  last_step_clock_ = clock;
  return true;
}

}  // namespace kpp::sim
