// Splitting of moves over a bed mesh (see bed_mesh_split.h).
#include "modules/bed_mesh_split.h"

#include <cmath>

#include "core/errors.h"

namespace kpp::bed_mesh {

void MoveSplitter::build_move(const Coord& prev_pos, const Coord& next_pos, double factor) {
  prev_pos_ = prev_pos;
  next_pos_ = next_pos;
  current_pos_ = prev_pos;
  z_factor_ = factor;
  z_offset_ = calc_z_offset(prev_pos);
  traverse_complete_ = false;
  distance_checked_ = 0.;
  double sum = 0.;
  for (size_t i = 0; i < next_pos.size(); i++) {
    double d = i < prev_pos.size() ? next_pos[i] - prev_pos[i] : next_pos[i];
    if (i < 3) sum += d * d;
    axis_move_[i] = std::fabs(d) > 1e-10;
  }
  total_move_length_ = std::sqrt(sum);
}

double MoveSplitter::calc_z_offset(const Coord& pos) const {
  double z = mesh_->calc_z(pos[0], pos[1]);
  return z_factor_ * (z - fade_offset_) + fade_offset_;
}

void MoveSplitter::set_next_move(double distance_from_prev) {
  double t = distance_from_prev / total_move_length_;
  if (t > 1. || t < 0.)
    throw CommandError("bed_mesh: Slice distance is negative or greater than entire move length");
  // Axes that do not move keep their exact start value (no interpolation noise).
  for (size_t i = 0; i < next_pos_.size(); i++)
    if (axis_move_[i]) current_pos_[i] = (1. - t) * prev_pos_[i] + t * next_pos_[i];
}

bool MoveSplitter::split(Coord& out) {
  if (traverse_complete_) return false;
  if (axis_move_[0] || axis_move_[1]) {
    while (distance_checked_ + move_check_distance_ < total_move_length_) {
      distance_checked_ += move_check_distance_;
      set_next_move(distance_checked_);
      double next_z = calc_z_offset(current_pos_);
      if (std::fabs(next_z - z_offset_) >= split_delta_z_) {
        z_offset_ = next_z;
        out = current_pos_;
        out[2] += z_offset_;
        return true;
      }
    }
  }
  // The end of the move, with the adjustment at its end.
  current_pos_ = next_pos_;
  z_offset_ = calc_z_offset(current_pos_);
  out = current_pos_;
  out[2] += z_offset_;
  traverse_complete_ = true;
  return true;
}

}  // namespace kpp::bed_mesh
