// BED_MESH_CALIBRATE of [bed_mesh] (see bed_mesh_calibrate.h).
#include "modules/bed_mesh_calibrate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/config.h"
#include "core/config_text.h"
#include "core/gcode.h"
#include "core/logging.h"
#include "core/printer.h"
#include "core/pyfmt.h"
#include "modules/bed_mesh.h"
#include "modules/exclude_object.h"
#include "modules/probe.h"

namespace kpp::bed_mesh {

namespace {

bool isclose(double a, double b, double abs_tol) {
  return std::fabs(a - b) <= std::max(1e-9 * std::max(std::fabs(a), std::fabs(b)), abs_tol);
}

// A "count" or "x, y" pair of integers from the config (probe_count, mesh_pps).
std::pair<int, int> config_pair(const ConfigWrapper& config, const char* option, int def,
                                int minval) {
  auto list = config.getintlist_opt(option);
  std::vector<int64_t> pair = list ? *list : std::vector<int64_t>{def, def};
  if (pair.size() == 1) pair.push_back(pair[0]);
  if (pair.size() != 2)
    throw config.error(fmt::format("bed_mesh: malformed '{}' value: {}", option,
                                   config.get(option)));
  if (pair[0] < minval || pair[1] < minval)
    throw config.error(fmt::format(
        "Option '{}' in section bed_mesh must have a minimum of {}", option, minval));
  return {(int)pair[0], (int)pair[1]};
}

// "X,Y" integers of a command parameter (PROBE_COUNT, MESH_PPS).
std::pair<int, int> gcmd_pair(GCodeCommand& gcmd, const char* name, int minval) {
  std::vector<int> pair;
  const std::string text = gcmd.get(name);
  for (auto part : cfgtext::split(text, ',')) {
    auto v = py::parse_int(part);
    if (!v) throw gcmd.error(fmt::format("Unable to parse parameter '{}'", name));
    pair.push_back((int)*v);
  }
  if (pair.size() == 1) pair.push_back(pair[0]);
  if (pair.size() != 2) throw gcmd.error(fmt::format("Unable to parse parameter '{}'", name));
  if (pair[0] < minval || pair[1] < minval)
    throw gcmd.error(fmt::format("Parameter '{}' must have a minimum of {}", name, minval));
  return {pair[0], pair[1]};
}

// "X,Y" coordinate of a command parameter (MESH_MIN, MESH_MAX, MESH_ORIGIN).
Point gcmd_coord(GCodeCommand& gcmd, const char* name) {
  std::vector<double> v;
  const std::string text = gcmd.get(name);
  for (auto part : cfgtext::split(text, ',')) {
    auto f = py::parse_float(part);
    if (!f) throw gcmd.error(fmt::format("Unable to parse parameter '{}'", name));
    v.push_back(*f);
  }
  if (v.size() != 2) throw gcmd.error(fmt::format("Unable to parse parameter '{}'", name));
  return {v[0], v[1]};
}

std::string lower_strip(const std::string& s) { return cfgtext::lower(cfgtext::strip(s)); }

std::string tuple_repr(Point p) {
  return fmt::format("({}, {})", py::float_repr(p.x), py::float_repr(p.y));
}
std::string list_repr(Point p) {
  return fmt::format("[{}, {}]", py::float_repr(p.x), py::float_repr(p.y));
}

}  // namespace

BedMeshCalibrate::BedMeshCalibrate(const ConfigWrapper& config, BedMesh& bedmesh)
    : printer_(config.get_printer()), bedmesh_(bedmesh), points_({}, std::nullopt) {
  MeshArea& a = orig_;
  a.radius = config.getfloat_opt("mesh_radius", {.above = 0.});
  if (a.radius) {
    auto origin = config.getfloatlist_opt("mesh_origin", ',', 2);
    if (origin) a.origin = {(*origin)[0], (*origin)[1]};
    int cnt = (int)config.getint("round_probe_count", 5, {.minval = 3});
    if (!(cnt & 1)) throw config.error("bed_mesh: probe_count must be odd for round beds");
    // The radius is kept to 0.1 mm.
    a.radius = std::floor(*a.radius * 10) / 10;
    a.cfg.x_count = a.cfg.y_count = cnt;
    a.mesh_min = {-*a.radius, -*a.radius};
    a.mesh_max = {*a.radius, *a.radius};
  } else {
    std::tie(a.cfg.x_count, a.cfg.y_count) = config_pair(config, "probe_count", 3, 3);
    auto mn = config.getfloatlist("mesh_min", ',', 2);
    auto mx = config.getfloatlist("mesh_max", ',', 2);
    a.mesh_min = {mn[0], mn[1]};
    a.mesh_max = {mx[0], mx[1]};
    if (mx[0] <= mn[0] || mx[1] <= mn[1]) throw config.error("bed_mesh: invalid min/max points");
  }
  std::tie(a.cfg.mesh_x_pps, a.cfg.mesh_y_pps) = config_pair(config, "mesh_pps", 2, 0);
  a.cfg.algo = lower_strip(config.get("algorithm", "lagrange"));
  a.cfg.tension = config.getfloat("bicubic_tension", .2, {.minval = 0., .maxval = 2.});
  std::optional<Point> zero_ref;
  if (auto z = config.getfloatlist_opt("zero_reference_position", ',', 2))
    zero_ref = Point{(*z)[0], (*z)[1]};
  auto rri = config.getint_opt("relative_reference_index", {.minval = 0});
  config.deprecate("relative_reference_index");
  if (zero_ref && rri) {
    log::info(
        "bed_mesh: both 'zero_reference_postion' and 'relative_reference_index' options are "
        "specified, the 'zero_reference_position' value will be used.");
    rri.reset();
  }
  adaptive_margin_ = config.getfloat("adaptive_margin", 0.);
  points_ = ProbePoints(read_faulty_regions(config), zero_ref);
  try {
    verify_algorithm(a.cfg);
    area_ = orig_;
    points_.generate(area_.cfg, area_.mesh_min, area_.mesh_max, area_.radius, area_.origin);
    if (rri) {
      // The deprecated index names a generated point; it becomes the zero reference.
      auto& base = points_.base_points();
      if (*rri >= (int64_t)base.size())
        throw config.error(
            fmt::format("bed_mesh: relative reference index {} is out of bounds", *rri));
      points_.set_zero_ref_pos(base[*rri]);
      points_.generate(area_.cfg, area_.mesh_min, area_.mesh_max, area_.radius, area_.origin);
    }
  } catch (const BedMeshError& e) {
    throw config.error(e.what());
  }
  // The helper reads speed and horizontal_move_z; it probes where the probe (not the nozzle)
  // is over each point.
  probe_helper_ = std::make_unique<ProbePointsHelper>(
      config,
      [this](const Pos3& offsets, const std::vector<Pos3>& positions) {
        probe_finalize(offsets, positions);
        return ProbePointsHelper::Outcome::kDone;
      },
      std::vector<Point2>{});
  probe_helper_->use_xy_offsets(true);
  update_helper_points();
  printer_.lookup<GCodeDispatch>("gcode").register_command(
      "BED_MESH_CALIBRATE", [this](GCodeCommand& g) { cmd_BED_MESH_CALIBRATE(g); }, false,
      "Perform Mesh Bed Leveling");
}

void BedMeshCalibrate::update_helper_points() {
  std::vector<Point2> path;
  for (auto& p : points_.std_path()) path.push_back({p.x, p.y});
  probe_helper_->update_probe_points(std::move(path), 3);
}

void BedMeshCalibrate::cmd_BED_MESH_CALIBRATE(GCodeCommand& gcmd) {
  std::string name = gcmd.get("PROFILE", "default");
  if (cfgtext::strip(name).empty())
    throw gcmd.error("Value for parameter 'PROFILE' must be specified");
  profile_name_ = name;
  bedmesh_.set_mesh(nullptr);
  update_config(gcmd);
  probe_helper_->start_probe(gcmd);
}

void BedMeshCalibrate::generate(const std::string& method) {
  points_.generate(area_.cfg, area_.mesh_min, area_.mesh_max, area_.radius, area_.origin, method);
  update_helper_points();
}

void BedMeshCalibrate::update_config(GCodeCommand& gcmd) {
  area_ = orig_;
  if (area_.radius) {
    if (gcmd.has("MESH_RADIUS")) {
      double r = std::floor(gcmd.get_float("MESH_RADIUS") * 10) / 10;
      area_.radius = r;
      area_.mesh_min = {-r, -r};
      area_.mesh_max = {r, r};
    }
    if (gcmd.has("MESH_ORIGIN")) area_.origin = gcmd_coord(gcmd, "MESH_ORIGIN");
    if (gcmd.has("ROUND_PROBE_COUNT"))
      area_.cfg.x_count = area_.cfg.y_count =
          (int)gcmd.get_int("ROUND_PROBE_COUNT", {.minval = 3});
  } else {
    if (gcmd.has("MESH_MIN")) area_.mesh_min = gcmd_coord(gcmd, "MESH_MIN");
    if (gcmd.has("MESH_MAX")) area_.mesh_max = gcmd_coord(gcmd, "MESH_MAX");
    if (gcmd.has("PROBE_COUNT"))
      std::tie(area_.cfg.x_count, area_.cfg.y_count) = gcmd_pair(gcmd, "PROBE_COUNT", 3);
  }
  if (gcmd.has("MESH_PPS"))
    std::tie(area_.cfg.mesh_x_pps, area_.cfg.mesh_y_pps) = gcmd_pair(gcmd, "MESH_PPS", 0);
  if (gcmd.has("ALGORITHM")) area_.cfg.algo = lower_strip(gcmd.get("ALGORITHM"));
  set_adaptive_mesh(gcmd);
  std::string method = lower_strip(gcmd.get("METHOD", "automatic"));
  try {
    verify_algorithm(area_.cfg);
    generate(method);
  } catch (const BedMeshError& e) {
    throw gcmd.error(e.what());
  }
}

bool BedMeshCalibrate::set_adaptive_mesh(GCodeCommand& gcmd) {
  if (!gcmd.get_int("ADAPTIVE", 0)) return false;
  auto* exclude = printer_.try_lookup<ExcludeObject>("exclude_object");
  if (!exclude) {
    gcmd.respond_info("Exclude objects not enabled. Using full mesh...");
    return false;
  }
  Json objects = exclude->get_status(0.).value("objects", Json::array());
  if (objects.empty()) return false;
  double margin = gcmd.get_float("ADAPTIVE_MARGIN", adaptive_margin_);
  gcmd.respond_info(fmt::format("Found {} objects", objects.size()));
  Point lo{INFINITY, INFINITY}, hi{-INFINITY, -INFINITY};
  for (auto& obj : objects) {
    if (!obj.contains("polygon")) continue;
    for (auto& pt : obj["polygon"]) {
      double x = pt[0].get<double>(), y = pt[1].get<double>();
      lo = {std::min(lo.x, x), std::min(lo.y, y)};
      hi = {std::max(hi.x, x), std::max(hi.y, y)};
    }
  }
  if (!std::isfinite(lo.x)) return false;
  // The objects' bounds plus the margin, kept within the configured mesh.
  const Point omin = orig_.mesh_min, omax = orig_.mesh_max;
  Point amin{std::max(lo.x - margin, omin.x), std::max(lo.y - margin, omin.y)};
  Point amax{std::min(hi.x + margin, omax.x), std::min(hi.y + margin, omax.y)};
  double size_x = amax.x - amin.x, size_y = amax.y - amin.y;
  double ratio_x = size_x / (omax.x - omin.x), ratio_y = size_y / (omax.y - omin.y);
  gcmd.respond_info(fmt::format("Original mesh bounds: ({},{})", tuple_repr(omin),
                                tuple_repr(omax)));
  gcmd.respond_info(
      fmt::format("Original probe count: ({},{})", area_.cfg.x_count, area_.cfg.y_count));
  gcmd.respond_info(fmt::format("Adapted mesh bounds: ({},{})", list_repr(amin), list_repr(amax)));
  gcmd.respond_info(
      fmt::format("Ratio: ({}, {})", py::float_repr(ratio_x), py::float_repr(ratio_y)));
  int new_x = (int)std::ceil(area_.cfg.x_count * ratio_x);
  int new_y = (int)std::ceil(area_.cfg.y_count * ratio_y);
  // Fewer than 4 points on one axis with more than 6 on the other is no valid bicubic grid.
  int min_points = (std::max(new_x, new_y) > 6 && std::min(new_x, new_y) < 4) ? 4 : 3;
  new_x = std::max(min_points, new_x);
  new_y = std::max(min_points, new_y);
  gcmd.respond_info(fmt::format("Adapted probe count: ({},{})", new_x, new_y));
  // A tiny area still gets at least 1 mm per point.
  size_x = std::max(size_x, (double)new_x);
  size_y = std::max(size_y, (double)new_y);
  if (area_.radius) {
    double r = std::sqrt(size_x * size_x + size_y * size_y) / 2;
    Point origin{amin.x + size_x / 2, amin.y + size_y / 2};
    double to_origin = std::sqrt(origin.x * origin.x + origin.y * origin.y);
    // Only a smaller circle than the configured one is worth it.
    if (r + to_origin < *area_.radius) {
      area_.radius = r;
      area_.origin = origin;
      area_.mesh_min = {-r, -r};
      area_.mesh_max = {r, r};
      int cnt = std::max(new_x, new_y);
      cnt += 1 - (cnt % 2);  // round meshes need an odd count
      area_.cfg.x_count = area_.cfg.y_count = cnt;
    }
  } else {
    area_.mesh_min = amin;
    area_.mesh_max = amax;
    area_.cfg.x_count = new_x;
    area_.cfg.y_count = new_y;
  }
  profile_name_.reset();
  return true;
}

void BedMeshCalibrate::probe_finalize(Pos3 offsets, const std::vector<Pos3>& probed) {
  double z_offset = offsets[2];
  std::vector<Pos3> positions;
  for (auto& p : probed) positions.push_back({py_round(p[0], 2), py_round(p[1], 2), p[2]});
  if (points_.zref_mode() == ZrefMode::kProbe && !positions.empty()) {
    // The last point probed is the zero reference: its height replaces the probe's z_offset.
    Pos3 ref = positions.back();
    positions.pop_back();
    log::info("bed_mesh: z-offset replaced with probed z value at position ({:.2f}, {:.2f}, {:.6f})",
              ref[0], ref[1], ref[2]);
    z_offset = ref[2];
  }
  const auto& base = points_.base_points();
  MeshParams params = area_.cfg;
  params.min_x = params.max_x = base[0].x;
  params.min_y = params.max_y = base[0].y;
  for (auto& p : base) {
    params.min_x = std::min(params.min_x, p.x), params.max_x = std::max(params.max_x, p.x);
    params.min_y = std::min(params.min_y, p.y), params.max_y = std::max(params.max_y, p.y);
  }
  // A grid point replaced by points around a faulty region gets their average height.
  if (!points_.substitutes().empty()) {
    std::vector<Pos3> corrected;
    size_t idx_offset = 0, start = 0;
    for (auto& [i, pts] : points_.substitutes()) {
      size_t idx = i + idx_offset;
      if (idx + pts.size() > positions.size()) break;
      corrected.insert(corrected.end(), positions.begin() + start, positions.begin() + idx);
      double sum = 0.;
      for (size_t k = idx; k < idx + pts.size(); k++) sum += positions[k][2];
      double avg_z = sum / pts.size();
      idx_offset += pts.size() - 1;
      start = idx + pts.size();
      Pos3 fpt{base[i].x - offsets[0], base[i].y - offsets[1], avg_z};
      log::info(
          "bed_mesh: Replacing value at faulty index {} ({:.4f}, {:.4f}): avg value = {:.6f}, "
          "avg w/ z_offset = {:.6f}",
          i, fpt[0], fpt[1], avg_z, avg_z - z_offset);
      corrected.push_back(fpt);
    }
    if (start < positions.size())
      corrected.insert(corrected.end(), positions.begin() + start, positions.end());
    positions = std::move(corrected);
  }
  if (base.size() != positions.size())
    throw CommandError(fmt::format(
        "bed_mesh: invalid position list size, generated count: {}, probed count: {}",
        base.size(), positions.size()));
  // Rows by Y; a row probed towards -X is stored reversed, so every row runs towards +X.
  Matrix matrix;
  std::vector<double> row;
  Point prev = base[0];
  for (size_t k = 0; k < base.size(); k++) {
    Point pos = base[k];
    const Pos3& result = positions[k];
    double ox = pos.x - offsets[0], oy = pos.y - offsets[1];
    if (!isclose(ox, result[0], .5) || !isclose(oy, result[1], .5))
      log::info(
          "bed_mesh: point deviation > .5mm: orig pt = ({:.2f}, {:.2f}), probed pt = ({:.2f}, "
          "{:.2f})",
          ox, oy, result[0], result[1]);
    double z = result[2] - z_offset;
    if (!isclose(pos.y, prev.y, .1)) {
      matrix.push_back(std::move(row));
      row.clear();
    }
    if (pos.x > prev.x)
      row.push_back(z);
    else
      row.insert(row.begin(), z);
    prev = pos;
  }
  matrix.push_back(std::move(row));
  auto matrix_repr = [&] {
    std::string s = "[";
    for (size_t r = 0; r < matrix.size(); r++) {
      s += r ? ", [" : "[";
      for (size_t c = 0; c < matrix[r].size(); c++)
        s += (c ? ", " : "") + py::float_repr(matrix[r][c]);
      s += "]";
    }
    return s + "]";
  };
  if ((int)matrix.size() != params.y_count)
    throw CommandError(fmt::format(
        "bed_mesh: Invalid y-axis table length\nProbed table length: {} Probed Table:\n{}",
        matrix.size(), matrix_repr()));
  if (area_.radius) {
    // Round bed: pad each row with its end values to a square.
    for (auto& r : matrix) {
      if (!(r.size() & 1))
        throw CommandError("bed_mesh: incorrect number of points sampled on X\nProbed Table:\n" +
                           matrix_repr());
      size_t buf = (params.x_count - r.size()) / 2;
      double left = r.front(), right = r.back();
      r.insert(r.begin(), buf, left);
      r.insert(r.end(), buf, right);
    }
  }
  for (auto& r : matrix)
    if ((int)r.size() != params.x_count)
      throw CommandError(fmt::format(
          "bed_mesh: invalid x-axis table length\nProbed table length: {} Probed Table:\n{}",
          matrix.size(), matrix_repr()));
  std::string name = profile_name_.value_or("");
  auto mesh = std::make_shared<ZMesh>(params, name);
  if (!profile_name_)
    mesh = std::make_shared<ZMesh>(
        params, fmt::format("adaptive-{:X}", reinterpret_cast<uintptr_t>(mesh.get())));
  try {
    mesh->build_mesh(matrix);
  } catch (const BedMeshError& e) {
    throw CommandError(e.what());
  }
  if (points_.zref_mode() == ZrefMode::kInMesh)
    mesh->set_zero_reference(points_.zero_ref_pos()->x, points_.zero_ref_pos()->y);
  bedmesh_.set_mesh(mesh);
  printer_.lookup<GCodeDispatch>("gcode").respond_info("Mesh Bed Leveling Complete");
  if (profile_name_) bedmesh_.save_profile(*profile_name_);
}

void BedMeshCalibrate::print_generated_points(
    const std::function<void(const std::string&)>& out, bool truncate) const {
  double x_off = 0., y_off = 0.;
  if (auto* probe = printer_.try_lookup<PrinterProbe>("probe")) {
    auto o = probe->get_offsets();
    x_off = o[0], y_off = o[1];
  }
  out("bed_mesh: generated points\nIndex |  Tool Adjusted  |   Probe");
  const auto& pts = points_.base_points();
  for (size_t i = 0; i < pts.size(); i++) {
    if (i >= 50 && truncate) {
      out(fmt::format("...points {} through {} truncated", i, pts.size() - 1));
      break;
    }
    std::string adj = fmt::format("({:.1f}, {:.1f})", pts[i].x - x_off, pts[i].y - y_off);
    std::string mesh = fmt::format("({:.1f}, {:.1f})", pts[i].x, pts[i].y);
    out(fmt::format("  {:<4}| {:<16}| {}", i, adj, mesh));
  }
  if (auto& z = points_.zero_ref_pos())
    out(fmt::format("bed_mesh: zero_reference_position is ({:.2f}, {:.2f})", z->x, z->y));
  if (!points_.substitutes().empty()) {
    out("bed_mesh: faulty region points");
    for (auto& [i, v] : points_.substitutes()) {
      std::string list = "[";
      for (size_t k = 0; k < v.size(); k++) list += (k ? ", " : "") + tuple_repr(v[k]);
      list += "]";
      out(fmt::format("{} ({:.2f}, {:.2f}), substituted points: {}", i, pts[i].x, pts[i].y,
                      list));
    }
  }
}

}  // namespace kpp::bed_mesh
