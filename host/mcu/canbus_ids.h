// Node ids of the MCUs on CAN bus (Klipper's canbus_ids object): each [mcu] with a canbus_uuid
// gets the next free id from 4 on, in config order, and the host assigns it at connect.
#pragma once

#include <map>
#include <string>

#include "core/config.h"
#include "core/printer.h"

namespace kpp {

class CanbusIds : public PrinterObject {
 public:
  static constexpr int kNodeidFirst = 4;

  // The object of `printer`, created on first use.
  static CanbusIds& get(Printer& printer);
  // ConfigError "Duplicate canbus_uuid" for a uuid already listed.
  int add_uuid(const ConfigWrapper& config, const std::string& canbus_uuid,
               const std::string& canbus_iface);
  // ConfigError "Unknown canbus_uuid <uuid>".
  int get_nodeid(const std::string& canbus_uuid) const;

 private:
  std::map<std::string, int> ids_;
};

}  // namespace kpp
