// A heater and the body it warms as one first-order system: the temperature relaxes towards
// ambient + power * duty * gain with time constant tau. The heater's drive (on/off from soft
// PWM edges, or a hardware PWM duty) is constant between the events that change it, so the
// model advances exactly (exponential solution) from event to event.
#pragma once

#include "sim/machine_spec.h"

namespace kpp::sim {

class ThermalModel {
 public:
  explicit ThermalModel(const ThermalParams& p) : p_(p), temp_(p.ambient) {}

  // Bring the temperature to time `t` (seconds, never backwards) under the current drive.
  void advance(double t);
  // From time `t` on, the heater runs at `duty` (0..1) of its power.
  void set_drive(double t, double duty);
  double temperature() const { return temp_; }
  double drive() const { return duty_; }
  // Energy delivered so far (J).
  double energy() const { return energy_; }
  // Fault: the heater delivers no heat (an open heater cartridge).
  void set_heater_broken(bool broken) { broken_ = broken; }
  const ThermalParams& params() const { return p_; }
  void set_params(const ThermalParams& p) { p_ = p; }
  // Temperature the body settles at for a constant duty.
  double steady_state(double duty) const;

 private:
  ThermalParams p_;
  double temp_;
  double time_ = 0.;
  double duty_ = 0.;
  double energy_ = 0.;
  bool broken_ = false;
};

}  // namespace kpp::sim
