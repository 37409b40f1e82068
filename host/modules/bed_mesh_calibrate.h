// BED_MESH_CALIBRATE of [bed_mesh] (Klipper's BedMeshCalibrate): the mesh options of the
// config, per-command overrides (MESH_MIN, PROBE_COUNT, ALGORITHM, ADAPTIVE=1, ...), the probe
// points, and turning the probed positions into a ZMesh.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "modules/bed_mesh_points.h"
#include "modules/bed_mesh_zmesh.h"
#include "modules/probe_points.h"
#include "motion/kinematics/kinematics.h"

namespace kpp {
class ConfigWrapper;
class GCodeCommand;
class Printer;
}  // namespace kpp

namespace kpp::bed_mesh {

class BedMesh;

// The mesh area and grid as configured or as one command changed them.
struct MeshArea {
  std::optional<double> radius;
  Point origin;
  Point mesh_min, mesh_max;
  MeshParams cfg;  // counts, pps, algorithm, tension
};

class BedMeshCalibrate {
 public:
  BedMeshCalibrate(const ConfigWrapper& config, BedMesh& bedmesh);

  // BED_MESH_CALIBRATE: clear the mesh, apply the command's overrides, probe the points;
  // probe_finalize() then builds the new mesh.
  void cmd_BED_MESH_CALIBRATE(GCodeCommand& gcmd);
  // Reset to the configured mesh, apply the command's overrides, regenerate the points.
  // Throws CommandError.
  void update_config(GCodeCommand& gcmd);
  // ADAPTIVE=1: shrink the mesh to the exclude_object polygons (plus margin); returns whether
  // the mesh changed.
  bool set_adaptive_mesh(GCodeCommand& gcmd);
  // The probed positions (nozzle positions; Z as probed) in probe_points() order, with the
  // probe's offsets: build the mesh, activate it and save it to the profile being calibrated.
  void probe_finalize(Pos3 offsets, const std::vector<Pos3>& positions);

  // The points the probe visits, in order.
  std::vector<Point> probe_points() const { return points_.std_path(); }
  const ProbePoints& points() const { return points_; }
  const MeshArea& area() const { return area_; }
  void set_profile_name(std::optional<std::string> name) { profile_name_ = std::move(name); }
  // BED_MESH_OUTPUT PGP=1 (and the log at start-up): the points, nozzle and probe positions.
  void print_generated_points(const std::function<void(const std::string&)>& out,
                              bool truncate = false) const;

 private:
  void generate(const std::string& method);
  // Hand the current probe path to the ProbePointsHelper.
  void update_helper_points();

  Printer& printer_;
  BedMesh& bedmesh_;
  MeshArea orig_, area_;
  double adaptive_margin_;
  ProbePoints points_;
  std::unique_ptr<ProbePointsHelper> probe_helper_;
  std::optional<std::string> profile_name_ = "default";
};

}  // namespace kpp::bed_mesh
