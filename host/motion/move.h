// A move as a function of time: one constant-acceleration phase of a toolhead trapezoid, the
// unit that the trapq stores and that stepper kinematics evaluate (Klipper's `struct move`).
#pragma once

namespace kpp::motion {

// A cartesian position or direction (toolhead x, y, z; or e in x for the extruder trapq).
struct Vec3 {
  double x = 0., y = 0., z = 0.;
  double operator[](int axis) const { return axis == 0 ? x : axis == 1 ? y : z; }
  double& operator[](int axis) { return axis == 0 ? x : axis == 1 ? y : z; }
};

struct Move {
  double print_time = 0.;  // start of this phase (print time, seconds)
  double move_t = 0.;      // duration of this phase (seconds)
  double start_v = 0.;     // velocity along the move at the start (mm/s)
  double half_accel = 0.;  // half the acceleration along the move (mm/s^2)
  Vec3 start_pos;          // toolhead position at the start
  Vec3 axes_r;             // per-axis ratio of the distance travelled along the move
  // Neighbours in the trapq (prev of the head sentinel and next of the tail sentinel are null),
  // or in the history list.
  Move* prev = nullptr;
  Move* next = nullptr;

  // Distance travelled along the move `move_time` seconds after its start.
  double distance(double move_time) const { return (start_v + half_accel * move_time) * move_time; }
  // Velocity along the move `move_time` seconds after its start.
  double velocity(double move_time) const { return start_v + 2. * half_accel * move_time; }
  // Toolhead position `move_time` seconds after the start (the same operation order as
  // Klipper, so that step times agree to the last bit).
  Vec3 coord(double move_time) const {
    double d = distance(move_time);
    return {start_pos.x + axes_r.x * d, start_pos.y + axes_r.y * d, start_pos.z + axes_r.z * d};
  }
  double end_time() const { return print_time + move_t; }
  bool is_null() const { return start_v == 0. && half_accel == 0.; }
};

// A history record returned by TrapQ::extract_old (Klipper's `struct pull_move`).
struct PullMove {
  double print_time, move_t;
  double start_v, accel;
  Vec3 start_pos, axes_r;
};

}  // namespace kpp::motion
