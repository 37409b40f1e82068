// The default simulated printer (config/simulated-printer.cfg) for end-to-end tests: the printer
// model behind the sim MCU's pins and the real host in one process on virtual time (HostSim).
#pragma once

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "core/config.h"
#include "sim/host_sim.h"
#include "sim/printer_model.h"

namespace kpp::e2e {

// config/simulated-printer.cfg with [mcu] serial pointed at the in-process MCU and
// `restart_method: command`; `extra` is appended (more sections, or options for the last one).
inline std::string default_sim_config(const std::string& extra = "") {
  std::ifstream f(std::string(KPP_SOURCE_DIR) + "/config/simulated-printer.cfg");
  std::string out, section;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty() && line[0] == '[') section = line;
    if (section == "[mcu]" && line.rfind("serial:", 0) == 0) line = "serial: sim\nrestart_method: command";
    out += line + "\n";
  }
  return out + extra;
}

// A HostSim with a PrinterModel built from the same config.
struct SimPrinter {
  // `adjust` may change the HostSim options before the start (clock errors, link faults).
  explicit SimPrinter(const std::string& config, sim::SimOptions options = {},
                      const std::string& log_file = "",
                      const std::function<void(sim::HostSimOptions&)>& adjust = {})
      : model(sim::MachineSpec::from_config(*ConfigFile::parse(config, "printer.cfg")),
              std::move(options)) {
    sim::HostSimOptions o;
    o.config = config;
    o.pin_listener = &model;
    // Pins on other MCUs ([mcu NAME] with serial: sim) reach the model through its ports.
    for (const std::string& chip : model.chips())
      if (chip != "mcu") o.mcus[chip].pin_listener = &model.port(chip);
    o.log_file = log_file;
    if (adjust) adjust(o);
    host = std::make_unique<sim::HostSim>(o);
  }
  // The simulated temperature of a heater now.
  double temperature(const std::string& heater) {
    return model.temperature(heater, host->mcu_clock());
  }

  sim::PrinterModel model;
  std::unique_ptr<sim::HostSim> host;
};

}  // namespace kpp::e2e
