// klippy: the Klipper++ host daemon. Same command line as Klipper's klippy.py.
#include <fcntl.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/logging.h"
#include "core/printer.h"
#include "core/pty.h"
#include "core/reactor.h"

namespace {

std::string cpu_info() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, model;
  int cores = 0;
  while (std::getline(f, line)) {
    if (line.rfind("processor", 0) == 0) cores++;
    if (model.empty() && line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(colon + 2);
    }
  }
  return fmt::format("{} core {}", cores, model.empty() ? "?" : model);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Klipper++ host software (klippy)"};
  std::string config_file, input_tty = "/tmp/printer", api_socket, log_file, debug_input,
                           debug_output, link_faults;
  std::vector<std::string> dictionaries;
  bool verbose = false;
  app.add_option("config", config_file, "Printer config file")->required();
  app.add_option("-I,--input-tty", input_tty, "Input tty name (default is /tmp/printer)");
  app.add_option("-a,--api-server", api_socket, "API server unix domain socket filename");
  app.add_option("-l,--logfile", log_file, "Write log to file instead of stderr");
  app.add_flag("-v", verbose, "Enable debug messages");
  app.add_option("-i,--debuginput", debug_input,
                 "Read commands from file instead of from tty port");
  app.add_option("-o,--debugoutput", debug_output,
                 "Write output to file instead of to serial port");
  app.add_option("-d,--dictionary", dictionaries,
                 "File to read for mcu protocol dictionary ([mcu_name=]file)")
      ->take_all()
      ->allow_extra_args(false);
  app.add_option("--link-faults", link_faults,
                 "Inject faults into the MCU links, e.g. drop=0.01,corrupt=0.01,seed=7 "
                 "(see docs/link.md; also the KPP_LINK_FAULTS environment variable)");
  CLI11_PARSE(app, argc, argv);
  // A link or client that goes away must show up as an error, not kill the host.
  signal(SIGPIPE, SIG_IGN);

  kpp::StartArgs args;
  args.config_file = config_file;
  args.api_socket = api_socket;
  args.log_file = log_file;
  args.verbose = verbose;
  args.input_tty = input_tty;
  args.debug_input = debug_input;
  args.debug_output = debug_output;
  for (auto& d : dictionaries) {
    auto eq = d.find('=');
    if (eq == std::string::npos)
      args.dictionaries["mcu"] = d;
    else
      args.dictionaries[d.substr(0, eq)] = d.substr(eq + 1);
  }
  args.cpu_info = cpu_info();
  if (!link_faults.empty()) args.extra["link_faults"] = link_faults;

  kpp::log::set_level(verbose ? kpp::log::Level::kDebug : kpp::log::Level::kInfo);
  if (!log_file.empty()) kpp::log::open_file(log_file);
  kpp::log::info("Starting Klippy...");
  std::string cmdline;
  for (int i = 0; i < argc; i++) cmdline += (i ? " " : "") + std::string(argv[i]);
  std::string versions = fmt::format("Args: {}\nGit version: '{}'\nCPU: {}\nBuild: Klipper++ C++20",
                                     cmdline, args.software_version, args.cpu_info);
  if (!log_file.empty()) {
    kpp::log::info("{}", versions);
  } else if (debug_output.empty()) {
    kpp::log::warning("No log file specified! Severe timing issues may result!");
  }

  try {
    if (!debug_input.empty()) {
      args.gcode_fd = open(debug_input.c_str(), O_RDONLY | O_CLOEXEC);
      if (args.gcode_fd < 0) {
        std::fprintf(stderr, "Unable to open input file %s\n", debug_input.c_str());
        return 1;
      }
    } else {
      args.gcode_fd = kpp::create_pty(input_tty);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }

  std::string result;
  for (;;) {
    kpp::Reactor reactor;
    try {
      kpp::Printer printer(reactor, args);
      printer.set_rollover_info("versions", versions, false);
      result = printer.run();
    } catch (const std::runtime_error& e) {
      // Only start-up can fail this way (e.g. the -a socket cannot be created).
      kpp::log::error("{}", e.what());
      if (!log_file.empty()) std::fprintf(stderr, "%s\n", e.what());
      result = "error_exit";
      break;
    }
    if (result == "exit" || result == "error_exit" || result.empty()) break;
    if (!kpp::is_batch_mode(args)) std::this_thread::sleep_for(std::chrono::seconds(1));
    kpp::log::info("Restarting printer");
    args.extra["start_reason"] = result;
  }
  kpp::log::close();
  return result == "error_exit" ? 255 : 0;
}
