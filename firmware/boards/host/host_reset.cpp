// config_reset: a process MCU cannot reset itself like a chip, so it forgets its configuration
// instead (used by FIRMWARE_RESTART once the MCU is shut down).
#include "core/sched.h"

namespace fw {

FW_COMMAND_IN_SHUTDOWN(command_config_reset, "config_reset");
void command_config_reset(uint32_t*) {
  if (!sched_is_shutdown()) fw_shutdown("config_reset only available when shutdown");
  firmware_reset(true);
}

}  // namespace fw
