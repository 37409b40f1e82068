// The simulated MCU's clock and its two ways of running: in-process on virtual time
// (start/run_until, for tests) and as the klipper-sim program on real time.
#include "boards/sim/sim_mcu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boards/host/host_board.h"
#include "core/basecmd.h"
#include "core/board.h"
#include "core/command.h"
#include "core/sched.h"

namespace fw {

FW_CONSTANT("CLOCK_FREQ", 20000000);
FW_CONSTANT("SERIAL_BAUD", 250000);
FW_CONSTANT("STEPPER_STEP_BOTH_EDGE", 1);

namespace sim {
void reset_pins();
}

namespace host {

namespace {
bool g_virtual;
uint64_t g_virtual_now;
uint64_t g_real_start_ns;

uint64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}
}  // namespace

uint64_t clock_now() {
  if (g_virtual) return g_virtual_now;
  return (monotonic_ns() - g_real_start_ns) / (1000000000u / sim::kClockFreq);
}

uint32_t clock_freq() {
  return sim::kClockFreq;
}

bool clock_is_virtual() {
  return g_virtual;
}

// An ideal MCU in virtual time (a late timer means the host scheduled into the past), a
// Linux process in real time.
uint32_t clock_max_lateness() {
  return g_virtual ? sim::kClockFreq / 1000 : sim::kClockFreq / 10;
}

}  // namespace host

namespace sim {

namespace {
void power_on(int fd) {
  reset_pins();
  host::console_attach(fd, fd);
  basecmd_power_on();  // a new process has zeroed globals; an in-process restart must too
  firmware_reset(false);
  sched_startup();
}
}  // namespace

void start(int fd, uint64_t start_clock) {
  host::g_virtual = true;
  host::g_virtual_now = start_clock;
  if (setjmp(g_shutdown_jmp)) {
    sched_run_shutdown();
    return;
  }
  power_on(fd);
}

uint64_t now() {
  return host::clock_now();
}

uint64_t next_wake() {
  uint32_t now32 = static_cast<uint32_t>(host::g_virtual_now);
  int32_t diff = static_cast<int32_t>(sched_next_waketime() - now32);
  return diff <= 0 ? host::g_virtual_now : host::g_virtual_now + static_cast<uint32_t>(diff);
}

bool is_shutdown() {
  return sched_is_shutdown();
}

void run_until(uint64_t clock) {
  if (setjmp(g_shutdown_jmp)) sched_run_shutdown();
  // What the host sent arrived at the current clock (the host runs in the same thread, so
  // nothing more arrives until this returns).
  for (;;) {
    bool input = host::console_read_input();
    bool ran = sched_run_tasks_pass();
    if (ran) stats_update(timer_read_time(), timer_read_time());
    if (!input && !ran) break;
  }
  for (;;) {
    uint64_t wake = next_wake();
    if (wake > clock) break;
    // Everything due at `wake`; the tasks it wakes run at the same instant.
    host::g_virtual_now = wake;
    host::dispatch_timers();
    // A task may wake itself to carry on (draining a sensor's fifo): let it, within reason,
    // since virtual time stands still meanwhile.
    for (int pass = 0; pass < 1000 && sched_run_tasks_pass(); pass++)
      stats_update(timer_read_time(), timer_read_time());
  }
  if (host::g_virtual_now < clock) host::g_virtual_now = clock;
  host::console_flush();
}

namespace {

const Api kApi = {start, run_until, next_wake, now, is_shutdown, set_pin_listener, pin_state};

class TraceListener : public PinListener {
 public:
  explicit TraceListener(FILE* f) : f_(f) {}
  void on_pin_mode(uint16_t pin, PinMode mode, uint64_t clock) override {
    char name[8];
    fprintf(f_, "%llu %s mode %d\n", static_cast<unsigned long long>(clock), pin_name(pin, name),
            static_cast<int>(mode));
  }
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    char name[8];
    fprintf(f_, "%llu %s %d\n", static_cast<unsigned long long>(clock), pin_name(pin, name), level);
  }
  void on_pwm(uint16_t pin, uint16_t value, uint32_t cycle, uint64_t clock) override {
    char name[8];
    fprintf(f_, "%llu %s pwm %u/%u cycle %u\n", static_cast<unsigned long long>(clock),
            pin_name(pin, name), value, kPwmMax, cycle);
  }
  uint8_t read_input(uint16_t pin, uint64_t) override {
    return pin_state(pin).mode == PinMode::kInputPullUp ? 1 : 0;
  }
  uint16_t read_adc(uint16_t, uint64_t) override { return adc_; }
  void set_adc(uint16_t v) { adc_ = v; }

 private:
  FILE* f_;
  uint16_t adc_ = 3911;
};

// End on SIGINT/SIGTERM through exit() so the trace file gets flushed.
void on_signal(int) {
  exit(0);
}

void usage() {
  fprintf(stderr,
          "usage: klipper-sim [-p LINK] [-r] [--stdio] [--trace FILE] [--adc VALUE] "
          "[--input PIN=LEVEL]...\n"
          "  Runs the simulated printer MCU in real time. It opens a pseudo-terminal, prints\n"
          "  its path and serves Klipper's protocol on it (CLOCK_FREQ %u, pins PA0..PK15).\n"
          "  -p LINK          also make LINK a symlink to the pty (e.g. /tmp/klipper_sim)\n"
          "  -r               real-time scheduling (SCHED_FIFO) and locked memory\n"
          "  --stdio          speak the protocol on stdin/stdout instead of a pty\n"
          "  --trace FILE     log every pin change as 'clock pin level'\n"
          "  --adc VALUE      what every ADC reads (0..%u, default 3911 = 25C on a 100k NTC)\n"
          "  --input PIN=0|1  level of an input pin (default: its pull-up)\n",
          kClockFreq, kAdcMax);
}

}  // namespace

int main_process(int argc, char** argv) {
  const char* link = nullptr;
  const char* trace = nullptr;
  bool use_stdio = false;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (!strcmp(a, "-p") && next) {
      link = next;
      i++;
    } else if (!strcmp(a, "-r")) {
      host::set_realtime();
    } else if (!strcmp(a, "--stdio")) {
      use_stdio = true;
    } else if (!strcmp(a, "--trace") && next) {
      trace = next;
      i++;
    } else if (!strcmp(a, "--adc") && next) {
      set_default_adc(static_cast<uint16_t>(atoi(next)));
      i++;
    } else if (!strcmp(a, "--input") && next && strchr(next, '=')) {
      char name[16];
      snprintf(name, sizeof(name), "%.*s", static_cast<int>(strchr(next, '=') - next), next);
      int pin = pin_by_name(name);
      if (pin < 0) {
        fprintf(stderr, "klipper-sim: unknown pin %s\n", name);
        return 2;
      }
      set_default_input(static_cast<uint16_t>(pin),
                        static_cast<uint8_t>(atoi(strchr(next, '=') + 1)));
      i++;
    } else {
      usage();
      return !strcmp(a, "-h") || !strcmp(a, "--help") ? 0 : 2;
    }
  }
  static TraceListener* tracer;
  if (trace) {
    FILE* f = fopen(trace, "w");
    if (!f) {
      perror(trace);
      return 1;
    }
    setvbuf(f, nullptr, _IOFBF, 1 << 16);
    tracer = new TraceListener(f);
    set_pin_listener(tracer);
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  host::g_virtual = false;
  host::g_real_start_ns = host::monotonic_ns();
  int in_fd = 0, out_fd = 1;
  if (!use_stdio) {
    char path[256];
    int fd = host::pty_create(link, path, sizeof(path));
    if (fd < 0) {
      perror("klipper-sim: pty");
      return 1;
    }
    printf("%s\n", path);
    fflush(stdout);
    in_fd = out_fd = fd;
  }
  reset_pins();
  host::console_attach(in_fd, out_fd);
  host::console_exit_on_eof(use_stdio);
  firmware_reset(false);
  host::main_loop();
}

}  // namespace sim
}  // namespace fw

const fw::sim::Api* kpp_fw_sim_api() {
  return &fw::sim::kApi;
}
