// Hand calibration results to the configfile object.
#include "modules/save_config.h"

#include "core/logging.h"

namespace kpp {

bool save_config_option(Printer& printer, const std::string& section, const std::string& option,
                        const std::string& value) {
  // The configfile object (SAVE_CONFIG) is not part of this build yet: nothing can keep the
  // value, so say so and let the caller tell the user to copy it by hand.
  log::warning("No SAVE_CONFIG support: [{}] {} = {} is not kept", section, option, value);
  (void)printer;
  return false;
}

}  // namespace kpp
