// CAN bus node id assignment.
#include "mcu/canbus_ids.h"

#include <fmt/format.h>

namespace kpp {

CanbusIds& CanbusIds::get(Printer& printer) {
  if (auto* ids = printer.try_lookup<CanbusIds>("canbus_ids")) return *ids;
  auto ids = std::make_shared<CanbusIds>();
  CanbusIds& ref = *ids;
  printer.add_object("canbus_ids", std::move(ids));
  return ref;
}

int CanbusIds::add_uuid(const ConfigWrapper& config, const std::string& canbus_uuid,
                        const std::string&) {
  if (ids_.count(canbus_uuid))
    throw ConfigError(fmt::format("Duplicate canbus_uuid in section '{}'", config.get_name()));
  int id = static_cast<int>(ids_.size()) + kNodeidFirst;
  ids_[canbus_uuid] = id;
  return id;
}

int CanbusIds::get_nodeid(const std::string& canbus_uuid) const {
  auto it = ids_.find(canbus_uuid);
  if (it == ids_.end()) throw ConfigError(fmt::format("Unknown canbus_uuid {}", canbus_uuid));
  return it->second;
}

}  // namespace kpp
