// Calibration results for SAVE_CONFIG: the options a calibration command wants written into the
// SAVE_CONFIG block of printer.cfg, handed to the "configfile" object.
#pragma once

#include <string>

#include "core/printer.h"

namespace kpp {

// Set `option` of `section` for the next SAVE_CONFIG. Returns false (and logs why) when the
// printer has no configfile object to keep it.
bool save_config_option(Printer& printer, const std::string& section, const std::string& option,
                        const std::string& value);

}  // namespace kpp
