// [board_pins]: pin aliases (e.g. Arduino names "ar4=PG5") and reserved pins ("<...>") for one
// or more MCUs.
#pragma once

#include "core/config.h"
#include "core/printer.h"

namespace kpp {

class BoardPins : public PrinterObject {
 public:
  explicit BoardPins(const ConfigWrapper& config);
};

}  // namespace kpp
