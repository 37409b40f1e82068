// [bed_mesh] (Klipper's bed_mesh.py): the move transform that adds a mesh's Z adjustment to
// every move (splitting long moves, fading the adjustment out between fade_start and
// fade_end), BED_MESH_OUTPUT/MAP/CLEAR/OFFSET, profiles (bed_mesh_profiles.h) and calibration
// (bed_mesh_calibrate.h). The maths lives in bed_mesh_zmesh/points/split.
#pragma once

#include <memory>
#include <optional>

#include "core/coord.h"
#include "core/printer.h"
#include "modules/bed_mesh_profiles.h"
#include "modules/bed_mesh_split.h"
#include "modules/bed_mesh_zmesh.h"
#include "modules/gcode_move.h"

namespace kpp {
class GCodeCommand;
}

namespace kpp::bed_mesh {

class BedMeshCalibrate;

class BedMesh : public PrinterObject, public MoveTransform {
 public:
  explicit BedMesh(const ConfigWrapper& config);
  ~BedMesh() override;

  // Activate `mesh` (null clears it). Throws CommandError when the mesh does not suit the
  // fade settings (the mesh is then cleared).
  void set_mesh(std::shared_ptr<ZMesh> mesh);
  std::shared_ptr<ZMesh> get_mesh() const { return z_mesh_; }
  void save_profile(const std::string& name) { pmgr_->save_profile(name); }
  ProfileManager& profiles() { return *pmgr_; }
  double horizontal_move_z() const { return horizontal_move_z_; }

  // MoveTransform: positions in, adjusted positions to the next stage (the toolhead).
  void move(const Coord& newpos, double speed) override;
  Coord get_position() override;

  Json get_status(double eventtime) override;

  // The fade factor at G-code height z: 1 below fade_start, 0 above fade_end.
  double get_z_factor(double z) const;

 private:
  void cmd_BED_MESH_OUTPUT(GCodeCommand& gcmd);
  void cmd_BED_MESH_MAP(GCodeCommand& gcmd);
  void cmd_BED_MESH_CLEAR(GCodeCommand& gcmd);
  void cmd_BED_MESH_OFFSET(GCodeCommand& gcmd);
  void reset_gcode_position();

  static constexpr double kFadeDisable = 0x7FFFFFFF;

  Printer& printer_;
  MoveTransform* next_ = nullptr;  // the toolhead stage
  Coord last_position_{0., 0., 0., 0.};
  std::shared_ptr<ZMesh> z_mesh_;
  double horizontal_move_z_;
  double fade_start_, fade_end_, fade_dist_;
  std::optional<double> base_fade_target_;
  double fade_target_ = 0.;
  double tool_offset_ = 0.;  // BED_MESH_OFFSET ZFADE
  bool log_fade_complete_ = false;
  MoveSplitter splitter_;
  std::unique_ptr<ProfileManager> pmgr_;
  std::unique_ptr<BedMeshCalibrate> bmc_;
};

}  // namespace kpp::bed_mesh
