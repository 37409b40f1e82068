// First-order thermal model (see thermal_model.h).
#include "sim/thermal_model.h"

#include <algorithm>
#include <cmath>

namespace kpp::sim {

double ThermalModel::steady_state(double duty) const {
  double power = broken_ ? 0. : p_.power * duty;
  return p_.ambient + power * p_.gain;
}

void ThermalModel::advance(double t) {
  double dt = t - time_;
  if (dt <= 0.) return;
  double target = steady_state(duty_);
  if (p_.time_constant > 0.)
    temp_ = target + (temp_ - target) * std::exp(-dt / p_.time_constant);
  else
    temp_ = target;
  if (!broken_) energy_ += p_.power * duty_ * dt;
  time_ = t;
}

void ThermalModel::set_drive(double t, double duty) {
  advance(t);
  duty_ = std::clamp(duty, 0., 1.);
}

}  // namespace kpp::sim
