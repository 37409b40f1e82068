// The whole host on sliced-style G-code: a cartesian printer in batch mode (no real time, no
// MCU) runs layers of perimeters and zig-zag infill, through G-code parsing, gcode_move, the
// toolhead's look-ahead, step generation and compression, into the output file. Measures what
// a print costs the host: G-code moves per second of CPU time.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "core/printer.h"

namespace kpp {
namespace {

namespace fs = std::filesystem;

const char* kConfig = R"([stepper_x]
step_pin: PF0
dir_pin: PF1
enable_pin: !PD7
microsteps: 16
rotation_distance: 40
endstop_pin: ^PE5
position_endstop: 0
position_max: 200
homing_speed: 50
[stepper_y]
step_pin: PF6
dir_pin: !PF7
enable_pin: !PF2
microsteps: 16
rotation_distance: 40
endstop_pin: ^PJ1
position_endstop: 0
position_max: 200
homing_speed: 50
[stepper_z]
step_pin: PL3
dir_pin: PL1
enable_pin: !PK0
microsteps: 16
rotation_distance: 8
endstop_pin: ^PD3
position_endstop: 0.5
position_max: 200
[mcu]
serial: /dev/ttyACM0
[printer]
kinematics: cartesian
max_velocity: 300
max_accel: 3000
max_z_velocity: 5
max_z_accel: 100
)";

// `layers` layers of a 60x60 mm part: 3 perimeters, then 0.45 mm zig-zag infill (the short
// moves and direction changes of real slicer output). Returns the G-code and its move count.
std::pair<std::string, int> sliced_gcode(int layers) {
  std::ostringstream g;
  int moves = 0;
  g << "G28\nG90\n";
  for (int layer = 0; layer < layers; layer++) {
    g << fmt::format("G1 Z{:.2f} F600\n", 0.3 + 0.2 * layer);
    moves++;
    for (int p = 0; p < 3; p++) {
      double lo = 70. + 0.45 * p, hi = 130. - 0.45 * p;
      g << fmt::format("G1 X{:.3f} Y{:.3f} F9000\n", lo, lo);
      g << fmt::format("G1 X{:.3f} Y{:.3f} F2400\nG1 X{:.3f} Y{:.3f}\n", hi, lo, hi, hi);
      g << fmt::format("G1 X{:.3f} Y{:.3f}\nG1 X{:.3f} Y{:.3f}\n", lo, hi, lo, lo);
      moves += 5;
    }
    double lo = 71.5, hi = 128.5;
    for (double y = lo; y <= hi; y += 0.45) {
      bool even = static_cast<int>((y - lo) / 0.45) % 2 == 0;
      g << fmt::format("G1 X{:.3f} Y{:.3f} F6000\n", even ? lo : hi, y);
      g << fmt::format("G1 X{:.3f} Y{:.3f}\n", even ? hi : lo, y);
      moves += 2;
    }
  }
  return {g.str(), moves};
}

void BM_SlicedCartesian(benchmark::State& state) {
  fs::path dir = fs::temp_directory_path() / ("kpp_toolhead_bench_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "printer.cfg") << kConfig;
  auto [gcode, moves] = sliced_gcode(static_cast<int>(state.range(0)));
  std::ofstream(dir / "in.gcode") << gcode;
  std::string dict = std::string(KPP_SHARED_DIR) + "/golden/klipper/dict/atmega2560.dict";
  int64_t total_moves = 0;
  for (auto _ : state) {
    StartArgs args;
    args.config_file = (dir / "printer.cfg").string();
    args.debug_input = (dir / "in.gcode").string();
    args.debug_output = (dir / "out.bin").string();
    args.dictionaries["mcu"] = dict;
    args.gcode_fd = open(args.debug_input.c_str(), O_RDONLY);
    {
      Reactor reactor(make_virtual_time_source());
      Printer printer(reactor, args);
      if (printer.run() != "exit") state.SkipWithError("klippy did not exit cleanly");
    }
    close(args.gcode_fd);
    total_moves += moves;
  }
  state.counters["out_bytes"] = static_cast<double>(fs::file_size(dir / "out.bin"));
  state.counters["moves/s"] =
      benchmark::Counter(static_cast<double>(total_moves), benchmark::Counter::kIsRate);
  fs::remove_all(dir);
}
BENCHMARK(BM_SlicedCartesian)->Arg(20)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kpp

BENCHMARK_MAIN();
