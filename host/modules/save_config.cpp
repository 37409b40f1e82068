// Hand calibration results to the configfile object.
#include "modules/save_config.h"

#include "core/configfile.h"
#include "core/logging.h"

namespace kpp {

bool save_config_option(Printer& printer, const std::string& section, const std::string& option,
                        const std::string& value) {
  auto* configfile = printer.try_lookup<PrinterConfig>("configfile");
  if (!configfile) {
    // Only test printers built without the start-up hooks lack it.
    log::warning("No configfile object: [{}] {} = {} is not kept", section, option, value);
    return false;
  }
  configfile->set(section, option, value);
  return true;
}

}  // namespace kpp
