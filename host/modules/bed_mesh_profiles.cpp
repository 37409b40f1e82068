// Stored meshes of [bed_mesh] (see bed_mesh_profiles.h).
#include "modules/bed_mesh_profiles.h"

#include <fmt/format.h>

#include "core/config.h"
#include "core/configfile.h"
#include "core/gcode.h"
#include "core/logging.h"
#include "core/printer.h"
#include "core/pyfmt.h"
#include "modules/bed_mesh.h"

namespace kpp::bed_mesh {

std::vector<std::pair<std::string, std::string>> profile_options(const Profile& p) {
  // "points" holds one indented line per row; the values as "%.6f" joined by ", ".
  std::string z_values;
  for (auto& line : p.points) {
    z_values += "\n  ";
    for (size_t i = 0; i < line.size(); i++)
      z_values += (i ? ", " : "") + fmt::format("{:.6f}", line[i]);
  }
  const MeshParams& m = p.params;
  return {{"version", std::to_string(kProfileVersion)},
          {"points", z_values},
          {"x_count", std::to_string(m.x_count)},
          {"y_count", std::to_string(m.y_count)},
          {"mesh_x_pps", std::to_string(m.mesh_x_pps)},
          {"mesh_y_pps", std::to_string(m.mesh_y_pps)},
          {"algo", m.algo},
          {"tension", py::float_repr(m.tension)},
          {"min_x", py::float_repr(m.min_x)},
          {"max_x", py::float_repr(m.max_x)},
          {"min_y", py::float_repr(m.min_y)},
          {"max_y", py::float_repr(m.max_y)}};
}

Profile read_profile(const ConfigWrapper& section) {
  Profile p;
  for (auto& line : section.getlists("points", "\n,")) {
    std::vector<double> row;
    for (auto& v : line) {
      auto f = parse_config_float(v);
      if (!f)
        throw section.error(fmt::format("Unable to parse option 'points' in section '{}'",
                                        section.get_name()));
      row.push_back(*f);
    }
    p.points.push_back(std::move(row));
  }
  MeshParams& m = p.params;
  m.min_x = section.getfloat("min_x");
  m.max_x = section.getfloat("max_x");
  m.min_y = section.getfloat("min_y");
  m.max_y = section.getfloat("max_y");
  m.x_count = (int)section.getint("x_count");
  m.y_count = (int)section.getint("y_count");
  m.mesh_x_pps = (int)section.getint("mesh_x_pps");
  m.mesh_y_pps = (int)section.getint("mesh_y_pps");
  m.algo = section.get("algo");
  m.tension = section.getfloat("tension");
  return p;
}

ProfileManager::ProfileManager(const ConfigWrapper& config, BedMesh& bedmesh)
    : printer_(config.get_printer()), name_(config.get_name()), bedmesh_(bedmesh) {
  for (auto& section : config.get_prefix_sections(name_ + " ")) {
    std::string name = section.get_name().substr(name_.size() + 1);
    int64_t version = section.getint("version", 0);
    if (version != kProfileVersion) {
      log::info(
          "bed_mesh: Profile [{}] not compatible with this version\nof bed_mesh.  Profile "
          "Version: {} Current Version: {} ",
          name, version, kProfileVersion);
      incompatible_profiles_.push_back(name);
      continue;
    }
    profiles_[name] = read_profile(section);
  }
}

void ProfileManager::respond(const std::string& msg) {
  printer_.lookup<GCodeDispatch>("gcode").respond_info(msg);
}

Json ProfileManager::profiles_status() const {
  Json out = Json::object();
  for (auto& [name, p] : profiles_)
    out[name] = Json{{"points", p.points}, {"mesh_params", p.params.to_json()}};
  return out;
}

void ProfileManager::check_incompatible_profiles() {
  if (incompatible_profiles_.empty()) return;
  std::string names;
  if (auto* configfile = printer_.try_lookup<PrinterConfig>("configfile"))
    for (auto& n : incompatible_profiles_) configfile->remove_section(name_ + " " + n);
  for (size_t i = 0; i < incompatible_profiles_.size(); i++)
    names += (i ? "\n" : "") + incompatible_profiles_[i];
  respond(fmt::format(
      "The following incompatible profiles have been detected\nand are scheduled for "
      "removal:\n{}\nThe SAVE_CONFIG command will update the printer config\nfile and restart "
      "the printer",
      names));
}

void ProfileManager::save_profile(const std::string& name) {
  auto mesh = bedmesh_.get_mesh();
  if (!mesh) {
    respond(fmt::format("Unable to save to profile [{}], the bed has not been probed", name));
    return;
  }
  Profile p{mesh->get_probed_matrix(), mesh->get_mesh_params()};
  std::string section = name_ + " " + name;
  if (auto* configfile = printer_.try_lookup<PrinterConfig>("configfile"))
    for (auto& [opt, value] : profile_options(p)) configfile->set(section, opt, value);
  profiles_[name] = std::move(p);
  respond(fmt::format(
      "Bed Mesh state has been saved to profile [{}]\nfor the current session.  The SAVE_CONFIG "
      "command will\nupdate the printer config file and restart the printer.",
      name));
}

void ProfileManager::load_profile(const std::string& name) {
  auto it = profiles_.find(name);
  if (it == profiles_.end()) throw CommandError(fmt::format("bed_mesh: Unknown profile [{}]", name));
  auto mesh = std::make_shared<ZMesh>(it->second.params, name);
  try {
    mesh->build_mesh(it->second.points);
  } catch (const BedMeshError& e) {
    throw CommandError(e.what());
  }
  bedmesh_.set_mesh(mesh);
}

void ProfileManager::remove_profile(const std::string& name) {
  if (!profiles_.count(name)) {
    respond(fmt::format("No profile named [{}] to remove", name));
    return;
  }
  if (auto* configfile = printer_.try_lookup<PrinterConfig>("configfile"))
    configfile->remove_section(name_ + " " + name);
  profiles_.erase(name);
  respond(fmt::format(
      "Profile [{}] removed from storage for this session.\nThe SAVE_CONFIG command will update "
      "the printer\nconfiguration and restart the printer",
      name));
}

void ProfileManager::cmd_BED_MESH_PROFILE(GCodeCommand& gcmd) {
  // The first of LOAD, SAVE, REMOVE given is run.
  for (const char* key : {"LOAD", "SAVE", "REMOVE"}) {
    auto name = gcmd.get_opt(key);
    if (!name) continue;
    if (name->find_first_not_of(" \t\r\n") == std::string::npos)
      throw gcmd.error(fmt::format("Value for parameter '{}' must be specified", key));
    std::string k = key;
    if (k == "LOAD")
      load_profile(*name);
    else if (k == "SAVE")
      save_profile(*name);
    else
      remove_profile(*name);
    return;
  }
  gcmd.respond_info(fmt::format("Invalid syntax '{}'", gcmd.get_commandline()));
}

}  // namespace kpp::bed_mesh
