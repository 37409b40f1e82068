// The simulated MCU as a library: run the firmware in-process on virtual time.
//
// The firmware is a set of globals, so the functions below drive the one simulated MCU linked
// into the program. More MCUs in one process are copies of the firmware built as a loadable
// module (kpp_fw_sim.so, target kpp_fw_sim_module): each copy loaded has its own globals, and
// kpp_fw_sim_api() of each copy gives its functions (sim/sim_mcu_instance.h loads them). A test attaches
// one end of a socket pair (the other end is the host's serial link), then alternates between
// the host and the MCU:
//
//   fw::sim::start(mcu_fd, 0);               // boot at clock 0, sends "starting"
//   ... host writes commands on its fd ...
//   fw::sim::run_until(t);                   // MCU takes the commands in at its current clock,
//                                            // then runs every timer due up to t
//   uint64_t w = fw::sim::next_wake();       // when the MCU next has something to do
//
// Clocks are 64-bit ticks at kClockFreq (sim_pins.h); the firmware sees the low 32 bits.
#pragma once

#include <stdint.h>

#include "boards/sim/sim_pins.h"

namespace fw {
namespace sim {

// Reset the firmware to its power-on state at clock `start_clock`, attach the link and boot.
void start(int fd, uint64_t start_clock);
// Advance virtual time to `clock` (never backwards): first take in what the host has sent (at the
// current clock), then run the timers due on the way, each at its own time, and the tasks they
// wake. Responses are on the link when it returns.
void run_until(uint64_t clock);
// Clock of the next timer.
uint64_t next_wake();
uint64_t now();
bool is_shutdown();

// The functions above as a table: kpp_fw_sim_api() of the linked-in firmware or of a loaded copy
// of the module (C linkage, so a loader finds it by name with dlsym).
struct Api {
  void (*start)(int fd, uint64_t start_clock);
  void (*run_until)(uint64_t clock);
  uint64_t (*next_wake)();
  uint64_t (*now)();
  bool (*is_shutdown)();
  void (*set_pin_listener)(PinListener* listener);
  const PinState& (*pin_state)(uint16_t pin);
};

// The standalone program (klipper-sim): real time, a pty, options as in its --help.
int main_process(int argc, char** argv);

}  // namespace sim
}  // namespace fw

extern "C" const fw::sim::Api* kpp_fw_sim_api();
