// klipper-sim: the simulated printer as a program. The sim MCU firmware runs in real time behind
// a pty (fw::sim::main_process); given a printer.cfg, the printer model of sim/ sits behind its
// pins, so the host drives a machine whose nozzle moves, endstops trigger and heaters heat.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "boards/sim/sim_mcu.h"
#include "sim/printer_model.h"

namespace {

// Writes every pin event to a file (the format of the bare klipper-sim's --trace), then passes
// it on to the printer model.
class TraceTee : public fw::sim::PinListener {
 public:
  TraceTee(FILE* f, fw::sim::PinListener& next) : f_(f), next_(next) {}
  void on_pin_mode(uint16_t pin, fw::sim::PinMode mode, uint64_t clock) override {
    char n[8];
    std::fprintf(f_, "%llu %s mode %d\n", static_cast<unsigned long long>(clock),
                 fw::sim::pin_name(pin, n), static_cast<int>(mode));
    next_.on_pin_mode(pin, mode, clock);
  }
  void on_output(uint16_t pin, uint8_t level, uint64_t clock) override {
    char n[8];
    std::fprintf(f_, "%llu %s %d\n", static_cast<unsigned long long>(clock),
                 fw::sim::pin_name(pin, n), level);
    next_.on_output(pin, level, clock);
  }
  void on_pwm(uint16_t pin, uint16_t value, uint32_t cycle, uint64_t clock) override {
    char n[8];
    std::fprintf(f_, "%llu %s pwm %u/%u cycle %u\n", static_cast<unsigned long long>(clock),
                 fw::sim::pin_name(pin, n), value, fw::sim::kPwmMax, cycle);
    next_.on_pwm(pin, value, cycle, clock);
  }
  uint8_t read_input(uint16_t pin, uint64_t clock) override {
    return next_.read_input(pin, clock);
  }
  uint16_t read_adc(uint16_t pin, uint64_t clock) override { return next_.read_adc(pin, clock); }

 private:
  FILE* f_;
  fw::sim::PinListener& next_;
};

void usage() {
  std::printf(
      "usage: klipper-sim [printer.cfg] [-p LINK] [-r] [--stdio] [--trace FILE] [options]\n"
      "  Runs the simulated printer MCU in real time behind a pseudo-terminal and prints the\n"
      "  pty's path; point [mcu] serial at it. With printer.cfg (the host's config) a printer\n"
      "  model is attached to the pins: steppers move the nozzle through the kinematics,\n"
      "  endstops trigger at position_endstop, a probe touches the bed, heaters heat their\n"
      "  thermistors, fans spin. Without it the pins are bare (see --adc, --input).\n"
      "  -p LINK              also make LINK a symlink to the pty (e.g. /tmp/klipper_sim)\n"
      "  -r                   real-time scheduling (SCHED_FIFO) and locked memory\n"
      "  --stdio              speak the protocol on stdin/stdout instead of a pty\n"
      "  --trace FILE         log every pin change as 'clock pin level'\n"
      "  --adc VALUE          bare pins: what every ADC reads (0..4095)\n"
      "  --input PIN=0|1      bare pins: level of an input pin\n"
      "printer model options (with printer.cfg):\n%s",
      kpp::sim::SimOptions::help());
}

}  // namespace

int main(int argc, char** argv) {
  std::string config, trace;
  kpp::sim::SimOptions options;
  std::vector<char*> fw_args{argv[0]};
  try {
    for (int i = 1; i < argc; i++) {
      std::string a = argv[i];
      if (a == "-h" || a == "--help") {
        usage();
        return 0;
      }
      if (a[0] != '-') {
        if (!config.empty()) {
          usage();
          return 2;
        }
        config = a;
        continue;
      }
      std::string name, value;
      bool has_value = false;
      if (a.rfind("--", 0) == 0) {
        auto eq = a.find('=');
        name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
        if (eq != std::string::npos) {
          value = a.substr(eq + 1);
          has_value = true;
        }
      }
      auto take_value = [&]() {
        if (has_value) return true;
        if (i + 1 >= argc) return false;
        value = argv[++i];
        return true;
      };
      if (name == "trace") {
        if (!take_value()) throw std::invalid_argument("--trace needs a file");
        trace = value;
        continue;
      }
      if (name == "bed" || name == "start" || name == "ambient" || name == "fault" ||
          name == "thermal") {
        if (!take_value()) throw std::invalid_argument("--" + name + " needs a value");
        options.parse(name, value);
        continue;
      }
      // The bare firmware's own options; those with a value take the next argument along.
      fw_args.push_back(argv[i]);
      if ((a == "-p" || a == "--adc" || a == "--input") && i + 1 < argc) fw_args.push_back(argv[++i]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "klipper-sim: %s\n", e.what());
    return 2;
  }

  if (config.empty()) {
    if (!trace.empty()) {
      static std::string trace_opt = "--trace";
      fw_args.push_back(trace_opt.data());
      fw_args.push_back(trace.data());
    }
    return fw::sim::main_process(static_cast<int>(fw_args.size()), fw_args.data());
  }

  static std::unique_ptr<kpp::sim::PrinterModel> model;
  static std::unique_ptr<TraceTee> tee;
  try {
    model = std::make_unique<kpp::sim::PrinterModel>(kpp::sim::MachineSpec::from_file(config),
                                                     options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "klipper-sim: %s\n", e.what());
    return 1;
  }
  fw::sim::PinListener* listener = model.get();
  if (!trace.empty()) {
    FILE* f = std::fopen(trace.c_str(), "w");
    if (!f) {
      std::perror(trace.c_str());
      return 1;
    }
    std::setvbuf(f, nullptr, _IOFBF, 1 << 16);
    tee = std::make_unique<TraceTee>(f, *model);
    listener = tee.get();
  }
  const auto& spec = model->spec();
  kpp::sim::Vec3 n = model->nozzle();
  std::fprintf(stderr,
               "klipper-sim: %s printer from %s: %zu steppers, %zu heaters/sensors, %zu fans, "
               "%s; nozzle at %.3f,%.3f,%.3f; bed %s\n",
               spec.kinematics.c_str(), config.c_str(), spec.steppers.size(), spec.heaters.size(),
               spec.fans.size(), spec.probe ? "probe" : "no probe", n.x, n.y, n.z,
               model->bed().describe().c_str());
  fw::sim::set_pin_listener(listener);
  return fw::sim::main_process(static_cast<int>(fw_args.size()), fw_args.data());
}
