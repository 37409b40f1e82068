// Scheduling margin of the live MCU link under load: the host streams stepper moves to a
// klipper-sim process in real time while CPU hogs load every core (and, optionally, the reactor
// itself is kept busy as heavy step generation would), and reports how close each message came
// to its MCU deadline. Not a Google Benchmark: a whole-program timing with its own main().
//
//   build/bin/link_margin_bench [--seconds 20] [--hogs 2] [--rate 20000] [--reactor-load 0.3]
//                               [--mode thread|reactor]
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/logging.h"
#include "core/reactor.h"
#include "mcu/clocksync.h"
#include "mcu/serial_reader.h"

using namespace kpp;

namespace {

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  std::string p = buf;
  return p.substr(0, p.rfind('/'));
}

pid_t spawn_sim(std::string& pty) {
  int out[2];
  if (pipe(out) < 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    ::close(out[0]);
    std::string bin = self_dir() + "/klipper-sim";
    execl(bin.c_str(), bin.c_str(), nullptr);
    _exit(127);
  }
  ::close(out[1]);
  char line[256] = {};
  size_t n = 0;
  while (n < sizeof(line) - 1) {
    ssize_t r = ::read(out[0], line + n, 1);
    if (r <= 0 || line[n] == '\n') break;
    n++;
  }
  line[n] = 0;
  pty = line;
  return pid;
}

double cpu_burn(double seconds) {
  timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  volatile double x = 1.;
  for (;;) {
    for (int i = 0; i < 10000; i++) x = x * 1.0000001 + 1e-9;
    clock_gettime(CLOCK_MONOTONIC, &b);
    if ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9 >= seconds) return x;
  }
}

struct Options {
  double seconds = 20.;
  int hogs = 2;
  double rate = 20000.;
  double reactor_load = 0.;  // fraction of each 100 ms the reactor spends busy
  const char* mode = "thread";
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") o.seconds = std::atof(argv[i + 1]);
    else if (a == "--hogs") o.hogs = std::atoi(argv[i + 1]);
    else if (a == "--rate") o.rate = std::atof(argv[i + 1]);
    else if (a == "--reactor-load") o.reactor_load = std::atof(argv[i + 1]);
    else if (a == "--mode") o.mode = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  setenv("KPP_LINK_MODE", o.mode, 1);
  signal(SIGPIPE, SIG_IGN);
  log::set_level(log::Level::kWarning);
  std::string pty;
  pid_t sim = spawn_sim(pty);
  if (sim < 0 || pty.empty()) {
    std::fprintf(stderr, "cannot start klipper-sim\n");
    return 1;
  }
  std::vector<pid_t> hogs;
  for (int i = 0; i < o.hogs; i++) {
    pid_t p = fork();
    if (p == 0) {
      for (;;) cpu_burn(1.);
    }
    hogs.push_back(p);
  }

  Reactor reactor;
  int exit_code = 0;
  reactor.register_callback([&](double) {
    SerialReader serial(reactor, "mcu 'bench': ", "bench");
    ClockSync cs;
    try {
      serial.connect_pipe(pty);
      cs.connect(serial);
      for (const char* c :
           {"allocate_oids count=1",
            "config_stepper oid=0 step_pin=PA0 dir_pin=PA1 invert_step=0 step_pulse_ticks=0",
            "finalize_config crc=0"})
        serial.send(c);
      McuResponse cfg = serial.send_with_response("get_config", "config");
      if (!cfg.get_int("is_config")) throw McuError("not configured");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "connect failed: %s\n", e.what());
      exit_code = 1;
      reactor.end();
      return;
    }
    bool shutdown = false;
    std::string shutdown_msg;
    serial.register_response(
        [&](const McuResponse& r) {
          shutdown = true;
          shutdown_msg = serial.dictionary().enumeration_key("static_string_id",
                                                             r.get_int("static_string_id"));
        },
        "shutdown");
    const auto& dict = serial.dictionary();
    const auto& qstep = dict.lookup_command("queue_step oid=%c interval=%u count=%hu add=%hi");
    const auto& reset = dict.lookup_command("reset_step_clock oid=%c clock=%u");
    int cq = serial.alloc_command_queue();
    double freq = cs.mcu_freq();
    auto interval = static_cast<int64_t>(freq / o.rate);
    const int64_t count = 100;
    double lead = 0.5;
    double start = reactor.monotonic();
    uint64_t next_clock = static_cast<uint64_t>(cs.get_clock(start + lead));
    uint64_t last_clock = 0;
    uint8_t buf[64];
    {
      int64_t args[] = {0, static_cast<int64_t>(next_clock)};
      size_t n = reset.encode_ints(buf, args);
      serial.queue().send(cq, std::span<const uint8_t>(buf, n), 0, next_clock);
    }
    uint64_t messages = 0;
    double max_lateness = 0.;
    bool streaming = true;
    // Feed moves `lead` seconds ahead, as the toolhead does.
    reactor.register_timer(
        [&](double eventtime) -> double {
          if (!streaming) return Reactor::kNever;
          uint64_t horizon = static_cast<uint64_t>(cs.get_clock(eventtime + lead));
          while (next_clock < horizon) {
            int64_t args[] = {0, interval, count, 0};
            size_t n = qstep.encode_ints(buf, args);
            serial.queue().send(cq, std::span<const uint8_t>(buf, n), last_clock, next_clock);
            last_clock = next_clock;
            next_clock += static_cast<uint64_t>(interval * count);
            messages++;
          }
          return eventtime + 0.020;
        },
        Reactor::kNow);
    // How late the reactor runs its own timers.
    reactor.register_timer(
        [&](double eventtime) -> double {
          static double expected = 0.;
          if (expected > 0.) max_lateness = std::max(max_lateness, eventtime - expected);
          expected = eventtime + 0.010;
          return expected;
        },
        Reactor::kNow);
    if (o.reactor_load > 0.)
      reactor.register_timer(
          [&](double eventtime) -> double {
            cpu_burn(0.1 * o.reactor_load);
            return eventtime + 0.1;
          },
          Reactor::kNow);
    reactor.pause(start + o.seconds);
    streaming = false;
    reactor.pause(reactor.monotonic() + lead + 0.5);
    LinkStats s = serial.live_queue()->link_stats();
    std::printf(
        "mode=%s hogs=%d rate=%.0f steps/s reactor_load=%.2f seconds=%.0f\n"
        "  messages with a deadline: %llu (queue_step %llu)\n"
        "  worst margin (deadline - send time): %.1f ms\n"
        "  reactor timer lateness, worst: %.1f ms\n"
        "  bytes_write=%llu bytes_retransmit=%llu srtt=%.3f rto=%.3f\n"
        "  mcu: %s\n",
        o.mode, o.hogs, o.rate, o.reactor_load, o.seconds,
        static_cast<unsigned long long>(s.deadline_messages),
        static_cast<unsigned long long>(messages), s.min_margin * 1000., max_lateness * 1000.,
        static_cast<unsigned long long>(s.bytes_write),
        static_cast<unsigned long long>(s.bytes_retransmit), s.srtt, s.rto,
        shutdown ? ("SHUTDOWN: " + shutdown_msg).c_str() : "ok");
    exit_code = shutdown ? 1 : 0;
    cs.disconnect();
    serial.disconnect();
    reactor.end();
  });
  reactor.run();
  for (pid_t p : hogs) kill(p, SIGKILL);
  kill(sim, SIGTERM);
  for (pid_t p : hogs) waitpid(p, nullptr, 0);
  waitpid(sim, nullptr, 0);
  return exit_code;
}
