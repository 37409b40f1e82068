// Ways to reset an MCU from the host side of a serial line (Klipper's restart_method):
// "arduino" toggles DTR (an Arduino's auto-reset capacitor), "cheetah" runs the RTS/DTR
// sequence Fysetc Cheetah v1.2 boards need so their bootloader stays out, "rpi_usb" switches the
// power of the Raspberry Pi's USB ports off and on. "command" (reset / config_reset) lives in the
// Mcu. Waits are reactor pauses, so the printer keeps running meanwhile.
#pragma once

#include <string>

#include "core/reactor.h"

namespace kpp {

// Before talking to an AVR with a stk500v2 bootloader, ask it to leave programming mode.
void stk500v2_leave(int fd, int baud, Reactor& reactor);
// Throw McuError-free: failures are logged (the reconnect that follows reports them).
void arduino_reset(const std::string& port, Reactor& reactor);
void cheetah_reset(const std::string& port, Reactor& reactor);
// Power of the ports of the first USB hub (the Pi's built-in hub): true on, false off. Returns
// false when no hub could be switched (the reason is logged).
bool usb_hub_power(bool on);

}  // namespace kpp
