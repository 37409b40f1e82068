// In-process host + simulated MCU in virtual time: what end-to-end tests, the simulator's
// physical tests and sim-print (the main job) start a printer with. Library kpp_host_sim.
//
//   kpp::sim::HostSim sim({.config = R"(
//   [mcu]
//   serial: sim
//   restart_method: command
//   [printer]
//   kinematics: none
//   ...)"});
//   ASSERT_TRUE(sim.wait_ready());
//   auto out = sim.gcode("G28\nG1 X10 F6000");   // replies, "!! ..." for errors
//   sim.run_for(2.0);                              // two seconds of virtual time
//
// The host is the real klippy code (Printer, reactor, MCU link in reactor-pumped mode) and the MCU
// is our firmware's sim board (fw::sim), connected over a Unix socket whose path replaces the
// value `sim` of the [mcu] section's `serial` option. Time is virtual: it jumps ahead whenever
// host and MCU are both idle, so runs are deterministic and much faster than real time. RESTART
// and FIRMWARE_RESTART work as in klippy (the printer object is re-created; printer() returns
// the current one). One HostSim per process at a time (the [mcu] firmware is the program's).
//
// More MCUs: every `[mcu NAME]` section with `serial: sim` gets a simulated MCU of its own (a
// copy of the firmware module, sim/fw_instance.h) with its own clock; HostSimOptions::mcus sets
// its crystal error and the listener behind its pins (e.g. PrinterModel::port(NAME)), which
// sees that MCU's clocks converted to the main MCU's.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "boards/sim/sim_pins.h"
#include "core/printer.h"
#include "core/reactor.h"

namespace kpp::sim {

// An extra simulated MCU ([mcu NAME] with serial: sim).
struct HostSimMcu {
  // Its crystal's error in parts per million.
  double clock_ppm = 0.;
  // Gets its pin changes, with clocks converted to the main MCU's; null for none.
  fw::sim::PinListener* pin_listener = nullptr;
};

struct HostSimOptions {
  // printer.cfg text.
  std::string config;
  // The simulated MCU crystal's error in parts per million (clock sync must follow it).
  double mcu_clock_ppm = 0.;
  // Faults injected on the host side of the link (FaultSpec text, docs/link.md); "" for none.
  std::string link_faults;
  // Gets every pin change and answers input and ADC reads (the printer model).
  fw::sim::PinListener* pin_listener = nullptr;
  // klippy.log of the run; "" logs to stderr as the test binary does.
  std::string log_file;
  // Virtual host time at the start.
  double start_time = 1.0;
  // Settings of the other simulated MCUs by name; each must be an [mcu NAME] with serial: sim
  // in the config (ones not listed get the defaults).
  std::map<std::string, HostSimMcu> mcus;
};

class HostSim {
 public:
  explicit HostSim(HostSimOptions options);
  ~HostSim();
  HostSim(const HostSim&) = delete;
  HostSim& operator=(const HostSim&) = delete;

  // ---- running ----
  // Run until `pred` holds (checked every 5 ms of virtual time) or `timeout` virtual seconds
  // passed; returns pred(). Restarts requested meanwhile are carried out. After kill_host() the
  // MCU alone runs, in steps of 5 ms.
  bool run_until(const std::function<bool()>& pred, double timeout = 60.);
  void run_for(double seconds);
  // Until the printer is ready; false if it ended in another state (see state()).
  bool wait_ready(double timeout = 60.);
  // Run a G-code script (lines separated by \n) as a front-end would, and wait for it to finish;
  // returns what the printer answered meanwhile ("// ..." info lines, "!! ..." errors). A
  // RESTART / FIRMWARE_RESTART returns once the new printer object exists.
  std::vector<std::string> gcode(const std::string& script, double timeout = 120.);

  // ---- the host ----
  Printer& printer() { return *printer_; }
  Reactor& reactor() { return *reactor_; }
  double now();
  // (message, category) as Printer::get_state_message(): "ready", "startup", "shutdown", "error".
  std::pair<std::string, std::string> state() const { return printer_->get_state_message(); }
  // How many printer objects were created so far (1 + restarts).
  int generation() const { return generation_; }
  // Every reply line since the start (all printer generations).
  const std::vector<std::string>& output() const { return output_; }
  const std::string& config_path() const { return config_path_; }

  // ---- the simulated MCUs ("mcu" unless named) ----
  // Names of the simulated MCUs, "mcu" first.
  std::vector<std::string> mcu_names() const;
  // Cut (false) or restore (true) the link, as if the cable were pulled: the MCU keeps running
  // but no byte passes in either direction.
  void set_mcu_connected(bool connected) { set_mcu_connected("mcu", connected); }
  void set_mcu_connected(const std::string& mcu, bool connected);
  // Power the MCU off and on: it restarts from clock 0 with no configuration.
  void power_cycle_mcu() { power_cycle_mcu("mcu"); }
  void power_cycle_mcu(const std::string& mcu);
  // Stop the host as a killed process would: nothing more is sent, no shutdown, the connection
  // closes. The MCU keeps running on its own; run_for() then only advances it and the printer
  // model, and printer() must not be used any more.
  void kill_host();
  bool host_alive() const { return printer_ != nullptr; }
  uint64_t mcu_clock() { return mcu_clock("mcu"); }
  uint64_t mcu_clock(const std::string& mcu);
  bool mcu_is_shutdown() const { return mcu_is_shutdown("mcu"); }
  bool mcu_is_shutdown(const std::string& mcu) const;

 private:
  class McuDriver;
  class ClockAdapter;
  class SharedTime;

  McuDriver& mcu(const std::string& name) const;

  void new_printer();
  void end_printer();

  HostSimOptions options_;
  std::string dir_, config_path_;
  std::unique_ptr<TimeSource> time_;
  // Adapters first: they must outlive the drivers whose firmware calls them.
  std::vector<std::unique_ptr<ClockAdapter>> adapters_;
  std::vector<std::pair<std::string, std::unique_ptr<McuDriver>>> mcus_;
  std::unique_ptr<Reactor> reactor_;
  std::unique_ptr<Printer> printer_;
  StartArgs args_;
  int gcode_peer_fd_ = -1;
  int generation_ = 0;
  std::vector<std::string> output_;
};

}  // namespace kpp::sim
