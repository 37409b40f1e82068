// Register maps of the supported Trinamic drivers (addresses and field bit positions from the
// Trinamic datasheets, named as Klipper names them).
#pragma once

#include "modules/tmc_fields.h"

namespace kpp {

const TmcChip& tmc2130_chip();
const TmcChip& tmc2208_chip();
const TmcChip& tmc2209_chip();
const TmcChip& tmc2660_chip();
const TmcChip& tmc2240_chip();
const TmcChip& tmc5160_chip();

}  // namespace kpp
