// Step rate of the simulated MCU (sim board) in-process on virtual time: how many steps per
// wall-clock second it executes, with a printer model that counts every pin edge.
// Usage: build/bin/fw_sim_steprate [steps-per-stepper]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "boards/sim/sim_pins.h"
#include "sim_link.h"

namespace {

class EdgeCounter : public fw::sim::PinListener {
 public:
  void on_output(uint16_t, uint8_t level, uint64_t) override { rises += level; }
  uint8_t read_input(uint16_t, uint64_t) override { return 0; }
  uint16_t read_adc(uint16_t, uint64_t) override { return 2000; }
  uint64_t rises = 0;
};

// Queue `steps` steps on each of `steppers` steppers (moves of 1000 steps, accelerating and
// decelerating as stepcompress output does), run them, and report the rate.
void run(const char* name, int steppers, bool both_edges, long steps) {
  fwtest::SimLink link;
  EdgeCounter counter;
  fw::sim::set_pin_listener(&counter);
  std::vector<std::string> cfg = {"allocate_oids count=" + std::to_string(steppers)};
  for (int i = 0; i < steppers; i++)
    cfg.push_back("config_stepper oid=" + std::to_string(i) + " step_pin=PA" +
                  std::to_string(2 * i) + " dir_pin=PA" + std::to_string(2 * i + 1) +
                  (both_edges ? " invert_step=-1 step_pulse_ticks=0"
                              : " invert_step=0 step_pulse_ticks=40"));
  cfg.push_back("finalize_config crc=0");
  link.send(cfg);
  link.run_for(1000);
  uint64_t start = link.now() + 20000;
  for (int i = 0; i < steppers; i++)
    link.send(std::vector<std::string>{"reset_step_clock oid=" + std::to_string(i) + " clock=" +
                                      std::to_string(start)});
  auto t0 = std::chrono::steady_clock::now();
  const long kMove = 1000;
  long queued = 0;
  uint64_t horizon = start;
  while (queued < steps) {
    // Keep well within the 1024-entry move queue: 100 moves per stepper, then run them.
    std::vector<std::string> lines;
    for (int m = 0; m < 100 && queued < steps; m++, queued += kMove) {
      for (int i = 0; i < steppers; i++)
        lines.push_back("queue_step oid=" + std::to_string(i) + " interval=" +
                        std::to_string(m % 2 ? 400 : 300) + " count=" + std::to_string(kMove) +
                        " add=0");
      horizon += (m % 2 ? 400 : 300) * kMove;
    }
    link.send(lines);
    link.run_until(horizon);
  }
  link.run_until(horizon + 100000);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  long total = steps * steppers;
  uint64_t steps_seen = both_edges ? 0 : counter.rises;
  std::printf("%-34s %2d steppers %9ld steps  %6.3f s  %6.2f M steps/s%s\n", name, steppers,
              total, secs, total / secs / 1e6,
              (!both_edges && steps_seen != static_cast<uint64_t>(total)) ? "  (COUNT MISMATCH)"
                                                                           : "");
  fw::sim::set_pin_listener(nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  long steps = argc > 1 ? std::atol(argv[1]) : 2000000;
  run("sim: step+unstep events (pulse 40)", 1, false, steps);
  run("sim: step+unstep events (pulse 40)", 3, false, steps);
  run("sim: both edges (invert_step=-1)", 1, true, steps);
  run("sim: both edges (invert_step=-1)", 3, true, steps);
  return 0;
}
