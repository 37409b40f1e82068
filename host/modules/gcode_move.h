// G-code moves and coordinates (Klipper's gcode_move.py): G0/G1, absolute/relative modes,
// G92 and SET_GCODE_OFFSET offsets, speed and extrusion factors (M220/M221), saved states,
// position reports (M114, GET_POSITION), and the move transform chain that bed_mesh, skew
// correction and the like plug into.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/coord.h"
#include "core/gcode.h"

namespace kpp {

class ToolHead;

// A stage between G-code moves and the toolhead (bed_mesh, skew correction, ...).
class MoveTransform {
 public:
  virtual ~MoveTransform() = default;
  virtual void move(const Coord& newpos, double speed) = 0;
  virtual Coord get_position() = 0;
};

class GCodeMove : public PrinterObject {
 public:
  explicit GCodeMove(const ConfigWrapper& config);
  ~GCodeMove() override;

  // Put `transform` in front of the current chain; returns the stage it should forward to.
  // ConfigError "G-Code move transform already specified" unless `force`.
  MoveTransform* set_move_transform(MoveTransform* transform, bool force = false);
  void reset_last_position();
  Json get_status(double eventtime) override;
  // The G-code position (what a G1 would have to name to stay put).
  Coord get_gcode_position() const;
  double get_gcode_speed() const { return speed_ / speed_factor_; }
  // G0/G1 (also run directly by modules that split a move into G1s, e.g. gcode_arcs).
  void cmd_G1(GCodeCommand& gcmd);

 private:
  struct SavedState {
    bool absolute_coord, absolute_extrude;
    std::map<std::string, size_t> axis_map;
    Coord base_position, last_position, homing_position;
    double speed, speed_factor;
    std::map<std::string, double> extrude_factors;
  };

  void handle_ready();
  void update_extra_axes();
  void handle_activate_extruder();
  void handle_home_rails_end(const std::vector<int>& axes);
  void do_move(double speed);

  void cmd_G92(GCodeCommand& gcmd);
  void cmd_M114(GCodeCommand& gcmd);
  void cmd_M220(GCodeCommand& gcmd);
  void cmd_M221(GCodeCommand& gcmd);
  void cmd_SET_GCODE_OFFSET(GCodeCommand& gcmd);
  void cmd_SAVE_GCODE_STATE(GCodeCommand& gcmd);
  void cmd_RESTORE_GCODE_STATE(GCodeCommand& gcmd);
  void cmd_GET_POSITION(GCodeCommand& gcmd);

  Printer& printer_;
  bool is_printer_ready_ = false;
  bool absolute_coord_ = true, absolute_extrude_ = true;
  Coord base_position_, last_position_, homing_position_;
  // G-code axis letter -> index into the position (X, Y, Z, E, extra axes).
  std::vector<std::pair<std::string, size_t>> axis_map_;
  double speed_ = 25., speed_factor_ = 1. / 60.;
  std::map<std::string, double> extrude_factors_;
  std::map<std::string, SavedState> saved_states_;
  std::unique_ptr<MoveTransform> toolhead_transform_;
  MoveTransform* move_transform_ = nullptr;  // a registered transform, or null
  MoveTransform* move_with_transform_ = nullptr;
};

}  // namespace kpp
