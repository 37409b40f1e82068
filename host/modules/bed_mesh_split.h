// Splitting of moves over a bed mesh (Klipper's MoveSplitter): a move is checked every
// move_check_distance mm along its length, and cut where the mesh's Z adjustment has changed
// by split_delta_z or more since the last cut; every piece carries the adjustment at its end.
#pragma once

#include "core/coord.h"
#include "modules/bed_mesh_zmesh.h"

namespace kpp::bed_mesh {

class MoveSplitter {
 public:
  MoveSplitter(double split_delta_z, double move_check_distance)
      : split_delta_z_(split_delta_z), move_check_distance_(move_check_distance) {}

  // The mesh to follow (null: none) and the fade target the adjustment converges to.
  void initialize(const ZMesh* mesh, double fade_offset) {
    mesh_ = mesh;
    fade_offset_ = fade_offset;
  }
  // Start splitting the move prev_pos -> next_pos with the fade factor of its end height.
  void build_move(const Coord& prev_pos, const Coord& next_pos, double factor);
  bool traverse_complete() const { return traverse_complete_; }
  // The next piece's end (Z adjusted), or false when the move is done.
  bool split(Coord& out);

 private:
  double calc_z_offset(const Coord& pos) const;
  void set_next_move(double distance_from_prev);

  double split_delta_z_, move_check_distance_;
  const ZMesh* mesh_ = nullptr;
  double fade_offset_ = 0.;
  Coord prev_pos_, next_pos_, current_pos_;
  double z_factor_ = 1., z_offset_ = 0., distance_checked_ = 0., total_move_length_ = 0.;
  bool axis_move_[Coord::kMaxAxes] = {};
  bool traverse_complete_ = true;
};

}  // namespace kpp::bed_mesh
