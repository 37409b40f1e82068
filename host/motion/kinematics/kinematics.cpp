// Kinematics registry (see kinematics.h).
#include "motion/kinematics/kinematics.h"

namespace kpp {

namespace {
std::map<std::string, KinematicsFactory, std::less<>>& registry() {
  static std::map<std::string, KinematicsFactory, std::less<>> r;
  return r;
}
}  // namespace

void register_kinematics(const std::string& name, KinematicsFactory factory) {
  registry()[name] = std::move(factory);
}

const KinematicsFactory* find_kinematics(std::string_view name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

Json coord_status(const std::array<double, 3>& xyz) {
  return Json::array({xyz[0], xyz[1], xyz[2], 0.});
}

}  // namespace kpp
