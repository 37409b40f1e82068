// klipper-mcu: the Linux process MCU (a Raspberry Pi's own GPIO as a Klipper MCU). Serves the
// protocol on a pty, /tmp/klipper_host_mcu unless -I names another; the clock is CLOCK_MONOTONIC
// at 50 MHz.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "boards/host/host_board.h"
#include "core/board.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("CLOCK_FREQ", 50000000);
FW_CONSTANT_STR("MCU", "linux");
FW_CONSTANT("STEPPER_STEP_BOTH_EDGE", 1);

namespace host {

namespace {
constexpr uint32_t kFreq = 50000000;
uint64_t g_start_ns;

uint64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}
}  // namespace

uint64_t clock_now() {
  return (monotonic_ns() - g_start_ns) / (1000000000u / kFreq);
}
uint32_t clock_freq() {
  return kFreq;
}
bool clock_is_virtual() {
  return false;
}
// A process can be held up by the OS for a while without endangering the machine.
uint32_t clock_max_lateness() {
  return kFreq / 10;
}

}  // namespace host
}  // namespace fw

int main(int argc, char** argv) {
  const char* link = "/tmp/klipper_host_mcu";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-I") && i + 1 < argc) {
      link = argv[++i];
    } else if (!strcmp(argv[i], "-r")) {
      fw::host::set_realtime();
    } else {
      fprintf(stderr,
              "usage: klipper-mcu [-I PTY_LINK] [-r]\n"
              "  The Linux process MCU: GPIO through /dev/gpiochipN, PWM through sysfs, ADC\n"
              "  through IIO, SPI through spidev, I2C through i2c-dev.\n"
              "  -I PTY_LINK  symlink to the serial pty (default /tmp/klipper_host_mcu)\n"
              "  -r           real-time scheduling (SCHED_FIFO) and locked memory\n");
      return strcmp(argv[i], "-h") && strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  fw::host::g_start_ns = fw::host::monotonic_ns();
  char path[256];
  int fd = fw::host::pty_create(link, path, sizeof(path));
  if (fd < 0) {
    perror("klipper-mcu: pty");
    return 1;
  }
  fw::host::console_attach(fd, fd);
  fw::firmware_reset(false);
  fw::host::main_loop();
}
