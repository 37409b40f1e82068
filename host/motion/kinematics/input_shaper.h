// Input shaping as a wrapper kinematics (kin_shaper.c): the wrapped stepper sees, on each shaped
// axis, the convolution of the toolhead position with the shaper's impulses,
//   shaped(t) = sum_i a_i * position(t + t_i),   sum_i a_i = 1,
// with the impulses centred so that constant-velocity motion passes unchanged.
#pragma once

#include <array>
#include <span>

#include "motion/itersolve.h"

namespace kpp::motion {

struct ShaperPulses {
  static constexpr int kMaxPulses = 16;
  int num_pulses = 0;
  struct Pulse {
    double t, a;
  };
  std::array<Pulse, kMaxPulses> pulses{};

  // Build from a shaper definition (amplitudes `a` and times `t` as shaper_defs gives them):
  // normalise the amplitudes, reverse the time axis and centre the pulses. Returns false (and
  // leaves no pulses) when there are too many.
  bool init(std::span<const double> a, std::span<const double> t);
};

class InputShaperKinematics : public StepperKinematics {
 public:
  InputShaperKinematics();
  // Wrap `inner` (not owned), taking over its solver state. Also a stepper that follows no
  // axis at the moment (a parked dual carriage); returns true.
  bool set_inner(StepperKinematics* inner);
  StepperKinematics* inner() const { return inner_; }
  // Re-read the wrapped stepper's active axes (after they changed, e.g. a dual carriage park).
  void update_from_inner();
  // Set the shaper of `axis` ('x', 'y' or 'z'); an axis the wrapped stepper does not follow is
  // left unshaped. n = 0 disables shaping on the axis. Returns false on a bad axis or too many
  // pulses.
  bool set_shaper_params(char axis, std::span<const double> a, std::span<const double> t);
  const ShaperPulses& pulses(char axis) const { return sp_[axis - 'x']; }
  // The largest pre/post activity window needed (seconds).
  double step_generation_window() const;

  double calc_position(const Move& m, double move_time) override;
  void post_fixup() override;
  bool has_post_fixup() const override { return inner_ && inner_->has_post_fixup(); }

 private:
  void note_generation_time();
  static double shaped_axis_position(const Move& m, int axis, double move_time,
                                     const ShaperPulses& sp);

  StepperKinematics* inner_ = nullptr;
  DummyMove dm_;
  std::array<ShaperPulses, 3> sp_{};
};

}  // namespace kpp::motion
