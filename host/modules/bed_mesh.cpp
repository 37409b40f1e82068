// [bed_mesh]: the mesh move transform and its commands (see bed_mesh.h).
#include "modules/bed_mesh.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/gcode.h"
#include "core/logging.h"
#include "core/pyfmt.h"
#include "modules/bed_mesh_calibrate.h"

namespace kpp::bed_mesh {

BedMesh::BedMesh(const ConfigWrapper& config)
    : printer_(config.get_printer()),
      splitter_(config.getfloat("split_delta_z", .025, {.minval = .01}),
                config.getfloat("move_check_distance", 5., {.minval = 3.})) {
  bmc_ = std::make_unique<BedMeshCalibrate>(config, *this);
  horizontal_move_z_ = config.getfloat("horizontal_move_z", 5.);
  fade_start_ = config.getfloat("fade_start", 1.);
  fade_end_ = config.getfloat("fade_end", 0.);
  fade_dist_ = fade_end_ - fade_start_;
  if (fade_dist_ <= 0.) fade_start_ = fade_end_ = kFadeDisable;
  base_fade_target_ = config.getfloat_opt("fade_target");
  pmgr_ = std::make_unique<ProfileManager>(config, *this);

  auto& gcode = printer_.lookup<GCodeDispatch>("gcode");
  auto reg = [&](const char* name, void (BedMesh::*fn)(GCodeCommand&), const char* desc) {
    gcode.register_command(
        name, [this, fn](GCodeCommand& g) { (this->*fn)(g); }, false, desc);
  };
  reg("BED_MESH_OUTPUT", &BedMesh::cmd_BED_MESH_OUTPUT,
      "Retrieve interpolated grid of probed z-points");
  reg("BED_MESH_MAP", &BedMesh::cmd_BED_MESH_MAP, "Serialize mesh and output to terminal");
  reg("BED_MESH_CLEAR", &BedMesh::cmd_BED_MESH_CLEAR,
      "Clear the Mesh so no z-adjustment is made");
  reg("BED_MESH_OFFSET", &BedMesh::cmd_BED_MESH_OFFSET, "Add X/Y offsets to the mesh lookup");
  gcode.register_command(
      "BED_MESH_PROFILE", [this](GCodeCommand& g) { pmgr_->cmd_BED_MESH_PROFILE(g); }, false,
      "Bed Mesh Persistent Storage management");

  next_ = printer_.load<GCodeMove>(config, "gcode_move").set_move_transform(this);
  printer_.register_event_handler<>("klippy:connect", [this] {
    bmc_->print_generated_points([](const std::string& m) { log::info("{}", m); }, true);
    pmgr_->check_incompatible_profiles();
  });
}

BedMesh::~BedMesh() = default;

void BedMesh::reset_gcode_position() {
  if (auto* gm = printer_.try_lookup<GCodeMove>("gcode_move")) gm->reset_last_position();
}

void BedMesh::set_mesh(std::shared_ptr<ZMesh> mesh) {
  if (mesh && fade_end_ != kFadeDisable) {
    log_fade_complete_ = true;
    if (!base_fade_target_) {
      fade_target_ = mesh->get_z_average();
    } else {
      fade_target_ = *base_fade_target_;
      auto [min_z, max_z] = mesh->get_z_range();
      if (!(min_z <= fade_target_ && fade_target_ <= max_z) && fade_target_ != 0.) {
        double err_target = fade_target_;
        z_mesh_.reset();
        fade_target_ = 0.;
        throw CommandError(fmt::format(
            "bed_mesh: ERROR, fade_target lies outside of mesh z range\nmin: {:.4f}, max: "
            "{:.4f}, fade_target: {:.4f}",
            min_z, max_z, err_target));
      }
    }
    auto [min_z, max_z] = mesh->get_z_range();
    if (fade_dist_ <= std::max(std::fabs(min_z), std::fabs(max_z))) {
      z_mesh_.reset();
      fade_target_ = 0.;
      throw CommandError(fmt::format(
          "bed_mesh:  Mesh extends outside of the fade range, please see the fade_start and "
          "fade_end options inexample-extras.cfg. fade distance: {:.2f} mesh min: {:.4f}mesh "
          "max: {:.4f}",
          fade_dist_, min_z, max_z));
    }
  } else {
    fade_target_ = 0.;
  }
  tool_offset_ = 0.;
  z_mesh_ = std::move(mesh);
  splitter_.initialize(z_mesh_.get(), fade_target_);
  // gcode_move re-reads the (now differently adjusted) toolhead position.
  reset_gcode_position();
}

double BedMesh::get_z_factor(double z) const {
  z += tool_offset_;
  if (z >= fade_end_) return 0.;
  if (z >= fade_start_) return (fade_end_ - z) / fade_dist_;
  return 1.;
}

Coord BedMesh::get_position() {
  Coord cur = next_->get_position();
  if (!z_mesh_) {
    last_position_ = cur;
    last_position_[2] -= fade_target_;
  } else {
    // Undo the adjustment the toolhead position carries. The G-code Z (and so the fade
    // factor) is not known yet; solve for it from the toolhead Z.
    double x = cur[0], y = cur[1], z = cur[2];
    double max_adj = z_mesh_->calc_z(x, y);
    double factor = 1.;
    double z_adj = max_adj - fade_target_;
    double fade_z = z + tool_offset_;
    if (std::min(fade_z, fade_z - max_adj) >= fade_end_) {
      factor = 0.;
    } else if (std::max(fade_z, fade_z - max_adj) >= fade_start_) {
      factor = (fade_end_ + fade_target_ - fade_z) / (fade_dist_ - z_adj);
      factor = std::clamp(factor, 0., 1.);
    }
    double final_z_adj = factor * z_adj + fade_target_;
    last_position_ = cur;
    last_position_[2] = z - final_z_adj;
  }
  return last_position_;
}

void BedMesh::move(const Coord& newpos, double speed) {
  double factor = get_z_factor(newpos[2]);
  if (!z_mesh_ || !factor) {
    // No mesh, or the adjustment has faded out completely.
    if (log_fade_complete_) {
      log_fade_complete_ = false;
      log::info("bed_mesh fade complete: Current Z: {:.4f} fade_target: {:.4f} ", newpos[2],
                fade_target_);
    }
    Coord p = newpos;
    p[2] += fade_target_;
    next_->move(p, speed);
  } else {
    splitter_.build_move(last_position_, newpos, factor);
    Coord piece;
    while (splitter_.split(piece)) next_->move(piece, speed);
  }
  last_position_ = newpos;
}

Json BedMesh::get_status(double) {
  Json st = {{"profile_name", ""},
             {"mesh_min", {0., 0.}},
             {"mesh_max", {0., 0.}},
             {"probed_matrix", Json::array({Json::array()})},
             {"mesh_matrix", Json::array({Json::array()})},
             {"profiles", pmgr_->profiles_status()}};
  if (z_mesh_) {
    const MeshParams& p = z_mesh_->get_mesh_params();
    st["profile_name"] = z_mesh_->get_profile_name();
    st["mesh_min"] = {p.min_x, p.min_y};
    st["mesh_max"] = {p.max_x, p.max_y};
    st["probed_matrix"] = z_mesh_->get_probed_matrix();
    st["mesh_matrix"] = z_mesh_->get_mesh_matrix();
  }
  return st;
}

void BedMesh::cmd_BED_MESH_OUTPUT(GCodeCommand& gcmd) {
  if (gcmd.get_int("PGP", 0)) {
    bmc_->print_generated_points([&](const std::string& m) { gcmd.respond_info(m); });
  } else if (!z_mesh_) {
    gcmd.respond_info("Bed has not been probed");
  } else {
    gcmd.respond_info(z_mesh_->probed_matrix_text());
    gcmd.respond_raw(z_mesh_->mesh_text(horizontal_move_z_));
  }
}

void BedMesh::cmd_BED_MESH_MAP(GCodeCommand& gcmd) {
  if (!z_mesh_) {
    gcmd.respond_info("Bed has not been probed");
    return;
  }
  // Python's json.dumps layout and key order, which front-end plugins parse.
  const MeshParams& p = z_mesh_->get_mesh_params();
  auto f = [](double v) { return py::float_repr(v); };
  std::string z = "[";
  auto m = z_mesh_->get_probed_matrix();
  for (size_t r = 0; r < m.size(); r++) {
    z += r ? ", [" : "[";
    for (size_t c = 0; c < m[r].size(); c++) z += (c ? ", " : "") + f(m[r][c]);
    z += "]";
  }
  z += "]";
  gcmd.respond_raw(fmt::format(
      "mesh_map_output {{\"mesh_min\": [{}, {}], \"mesh_max\": [{}, {}], \"z_positions\": {}}}",
      f(p.min_x), f(p.min_y), f(p.max_x), f(p.max_y), z));
}

void BedMesh::cmd_BED_MESH_CLEAR(GCodeCommand&) { set_mesh(nullptr); }

void BedMesh::cmd_BED_MESH_OFFSET(GCodeCommand& gcmd) {
  if (!z_mesh_) {
    gcmd.respond_info("No mesh loaded to offset");
    return;
  }
  z_mesh_->set_mesh_offsets(gcmd.get_float_opt("X"), gcmd.get_float_opt("Y"));
  if (auto zfade = gcmd.get_float_opt("ZFADE")) tool_offset_ = *zfade;
  reset_gcode_position();
}

namespace {
std::shared_ptr<PrinterObject> load_bed_mesh(ConfigWrapper& config) {
  return std::make_shared<BedMesh>(config);
}
}  // namespace

}  // namespace kpp::bed_mesh

KPP_REGISTER_MODULE(bed_mesh, kpp::bed_mesh::load_bed_mesh, nullptr)
