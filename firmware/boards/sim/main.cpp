// klipper-sim: the simulated printer MCU as a program (see sim_mcu.h and docs/firmware.md).
#include "boards/sim/sim_mcu.h"

int main(int argc, char** argv) {
  return fw::sim::main_process(argc, argv);
}
