// Hand calibration results to the configfile object.
#include "modules/save_config.h"

#include "core/logging.h"

namespace kpp {

bool save_config_option(Printer& printer, const std::string& section, const std::string& option,
                        const std::string& value) {
  if (!printer.lookup_object("configfile")) {
    log::warning("No configfile object: {}: {} = {} is not kept for SAVE_CONFIG", section,
                 option, value);
    return false;
  }
  log::warning("configfile object without SAVE_CONFIG support: {}: {} = {} not kept", section,
               option, value);
  return false;
}

}  // namespace kpp
