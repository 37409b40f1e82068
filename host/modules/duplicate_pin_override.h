// [duplicate_pin_override]: pins that may be used by several config sections.
#pragma once

#include "core/config.h"
#include "core/printer.h"

namespace kpp {

class DuplicatePinOverride : public PrinterObject {
 public:
  explicit DuplicatePinOverride(const ConfigWrapper& config);
};

}  // namespace kpp
