// Stepper kinematics and the iterative solver that turns a stepper's position as a function of
// time into step times (Klipper's itersolve.c): a bracketed secant search for each half-step
// crossing, with direction-change detection, run over the trapq moves inside a flush window.
#pragma once

#include <cstdint>

#include "motion/move.h"

namespace kpp::motion {

class StepCompress;
class TrapQ;

// Which toolhead axes move a stepper (a move with zero ratio on all of them is skipped).
enum ActiveFlags : int { kActiveX = 1 << 0, kActiveY = 1 << 1, kActiveZ = 1 << 2 };

class StepperKinematics {
 public:
  virtual ~StepperKinematics() = default;

  // The stepper position (mm, or radians for rotary steppers) `move_time` seconds into `m`.
  virtual double calc_position(const Move& m, double move_time) = 0;
  // Adjust commanded_pos after a generation range (e.g. wrap an angle); see has_post_fixup.
  virtual void post_fixup() {}
  virtual bool has_post_fixup() const { return false; }

  // Generate the steps of every move up to `flush_time` into `sc` (plus the pre/post windows
  // around activity for kinematics that look around in time). Returns 0, or an error code of
  // `sc` (see StepCompress::error()).
  [[nodiscard]] int32_t generate_steps(StepCompress& sc, double flush_time);
  // Start time of the first move in (last flush time, flush_time] that moves this stepper, or 0.
  double check_active(double flush_time) const;
  // Whether this stepper follows the given toolhead axis ('x', 'y' or 'z').
  bool is_active_axis(char axis) const;

  void set_trapq(TrapQ* tq, double step_dist) {
    tq_ = tq;
    step_dist_ = step_dist;
  }
  TrapQ* trapq() const { return tq_; }
  double step_dist() const { return step_dist_; }
  // Stepper position for a stationary toolhead at (x, y, z).
  double calc_position_from_coord(double x, double y, double z);
  // Set the commanded position from a toolhead position.
  void set_position(double x, double y, double z) {
    commanded_pos_ = calc_position_from_coord(x, y, z);
  }
  double commanded_pos() const { return commanded_pos_; }
  void set_commanded_pos(double pos) { commanded_pos_ = pos; }
  double gen_steps_pre_active() const { return gen_steps_pre_active_; }
  double gen_steps_post_active() const { return gen_steps_post_active_; }
  int active_flags() const { return active_flags_; }
  double last_flush_time() const { return last_flush_time_; }
  double last_move_time() const { return last_move_time_; }

 protected:
  void set_active_flags(int flags) { active_flags_ = flags; }
  void set_gen_steps_window(double pre_active, double post_active) {
    gen_steps_pre_active_ = pre_active;
    gen_steps_post_active_ = post_active;
  }
  // Wrappers (input shaper, dual carriage) take over the solver state of the wrapped stepper.
  void copy_solver_state(const StepperKinematics& o) {
    commanded_pos_ = o.commanded_pos_;
    last_flush_time_ = o.last_flush_time_;
    last_move_time_ = o.last_move_time_;
  }

 private:
  int32_t gen_steps_range(StepCompress& sc, const Move* m, double abs_start, double abs_end);
  bool move_is_active(const Move& m) const {
    int af = active_flags_;
    return ((af & kActiveX) && m.axes_r.x != 0.) || ((af & kActiveY) && m.axes_r.y != 0.) ||
           ((af & kActiveZ) && m.axes_r.z != 0.);
  }

  double step_dist_ = 0., commanded_pos_ = 0.;
  double last_flush_time_ = 0., last_move_time_ = 0.;
  TrapQ* tq_ = nullptr;
  int active_flags_ = 0;
  double gen_steps_pre_active_ = 0., gen_steps_post_active_ = 0.;
};

// A stationary move that evaluates to `pos` at kDummyTime: how wrapping kinematics (input
// shaper, dual carriage) hand a computed toolhead position to the stepper they wrap.
struct DummyMove {
  static constexpr double kDummyTime = 500.0;
  Move m;
  DummyMove() { m.move_t = 2. * kDummyTime; }
};

}  // namespace kpp::motion
