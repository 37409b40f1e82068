// Stored meshes of [bed_mesh] (Klipper's ProfileManager): [bed_mesh <name>] sections read at
// start-up, BED_MESH_PROFILE LOAD/SAVE/REMOVE, and the SAVE_CONFIG text of a profile.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "modules/bed_mesh_zmesh.h"

namespace kpp {
class ConfigWrapper;
class GCodeCommand;
class Printer;
}  // namespace kpp

namespace kpp::bed_mesh {

inline constexpr int kProfileVersion = 1;

struct Profile {
  Matrix points;  // the probed matrix
  MeshParams params;
};

// The options of a [bed_mesh <name>] section, in the order SAVE_CONFIG writes them, e.g.
// {"version", "1"}, {"points", "\n  0.1, 0.2\n  0.3, 0.4"}, {"x_count", "2"}, ...
std::vector<std::pair<std::string, std::string>> profile_options(const Profile& p);

// The profile of a [bed_mesh <name>] section (its version already checked).
Profile read_profile(const ConfigWrapper& section);

class BedMesh;

class ProfileManager {
 public:
  // Reads every [bed_mesh <name>] section of the config.
  ProfileManager(const ConfigWrapper& config, BedMesh& bedmesh);

  const std::map<std::string, Profile>& get_profiles() const { return profiles_; }
  Json profiles_status() const;
  // Profiles of another version are dropped from the config at the next SAVE_CONFIG.
  void check_incompatible_profiles();
  // The active mesh into the profile `name` (in memory and for SAVE_CONFIG).
  void save_profile(const std::string& name);
  // Throws CommandError for unknown names.
  void load_profile(const std::string& name);
  void remove_profile(const std::string& name);
  void cmd_BED_MESH_PROFILE(GCodeCommand& gcmd);

 private:
  void respond(const std::string& msg);

  Printer& printer_;
  std::string name_;
  BedMesh& bedmesh_;
  std::map<std::string, Profile> profiles_;
  std::vector<std::string> incompatible_profiles_;
};

}  // namespace kpp::bed_mesh
