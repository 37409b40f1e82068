// sim-print: the main job. Prints a G-code file on the simulated printer in virtual time: the
// host (klippy's code), the sim MCU firmware and the printer model of sim/ run in one process,
// the host talking to the MCU over a socket as it would over a serial line. Shows a progress bar
// and ends with a summary: print time, filament, steps per stepper, temperatures and how far the
// simulated nozzle strayed from the path the host commanded. See docs/simulator.md.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/config.h"
#include "core/gcode.h"
#include "sim/host_sim.h"
#include "motion/toolhead.h"
#include "sim/printer_model.h"
#include "sim/path_tracker.h"
#include "sim/trajectory.h"

namespace kpp::sim {
extern const char kDefaultPrinterConfig[];  // config/simulated-printer.cfg, built in
}

namespace {

namespace fs = std::filesystem;
using kpp::sim::MachineSpec;
using kpp::sim::PrinterModel;
using kpp::sim::SimOptions;

void usage(FILE* f) {
  std::fprintf(f,
               "usage: sim-print [printer.cfg] FILE.gcode [options]\n"
               "  Prints FILE.gcode on the simulated printer in virtual time (host, MCU firmware\n"
               "  and printer model in one process) and summarises the print. Without\n"
               "  printer.cfg the built-in config/simulated-printer.cfg is used.\n"
               "  --ppm N          the MCU crystal runs N parts per million fast (clock sync)\n"
               "  --link-faults S  inject faults on the host side of the link (docs/link.md)\n"
               "  --log FILE       the host's klippy.log (default: klippy.log in a new\n"
               "                   /tmp/kpp-sim-print-* folder, named in the summary)\n"
               "  --csv FILE       write the simulated nozzle path (time,x,y,z,e per step)\n"
               "  --timeout S      give up after S seconds of virtual time (default 86400)\n"
               "  -q               no progress bar\n"
               "printer model options:\n%s",
               SimOptions::help());
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(fmt::format("cannot read {}", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The host's view of the config: [mcu] serial pointed at the in-process MCU, and a virtual SD
// card folder to print from.
std::string host_config(const std::string& text, const std::string& sd_dir) {
  std::string out, section;
  std::istringstream in(text);
  bool has_sd = false;
  for (std::string line; std::getline(in, line);) {
    std::string t = line.substr(0, line.find_first_of("#;"));
    t.erase(0, t.find_first_not_of(" \t"));
    if (!t.empty() && t[0] == '[') {
      section = t.substr(1, t.find(']') - 1);
      if (section == "virtual_sdcard") has_sd = true;
    } else if (section == "mcu" && (t.rfind("serial:", 0) == 0 || t.rfind("serial=", 0) == 0 ||
                                    t.rfind("serial ", 0) == 0)) {
      line = "serial: sim";
    }
    out += line + "\n";
  }
  if (has_sd) throw std::runtime_error("sim-print sets up [virtual_sdcard] itself; remove it");
  return out + "\n[virtual_sdcard]\npath: " + sd_dir + "\n";
}

// The work folder goes, unless it holds the log the summary pointed to.
void clean_up(const std::string& work, const std::string& log_file) {
  std::error_code ec;
  if (log_file.rfind(work + "/", 0) == 0)
    fs::remove(work + "/print.gcode", ec);
  else
    fs::remove_all(work, ec);
}

int count_moves(const std::string& gcode_path) {
  std::ifstream f(gcode_path);
  int n = 0;
  for (std::string line; std::getline(f, line);) {
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    std::string w = line.substr(b, line.find_first_of(" \t;", b) - b);
    for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (w == "G0" || w == "G1" || w == "G2" || w == "G3") n++;
  }
  return n;
}

// On a terminal one line redrawn in place; otherwise (a log, a pipe) a line every 10%.
class Progress {
 public:
  explicit Progress(bool tty) : tty_(tty) {}
  void show(double fraction, double print_time, const std::string& what) {
    int width = 40, full = static_cast<int>(fraction * width + 0.5);
    if (tty_) {
      std::fprintf(stderr, "\r  [%s%s] %5.1f%%  print time %7.1f s  %-28s",
                   std::string(static_cast<size_t>(full), '#').c_str(),
                   std::string(static_cast<size_t>(width - full), '.').c_str(), fraction * 100.,
                   print_time, what.c_str());
    } else {
      int tenth = static_cast<int>(fraction * 10.);
      if (tenth <= last_tenth_) return;
      last_tenth_ = tenth;
      std::fprintf(stderr, "  %3d%%  print time %7.1f s  %s\n", tenth * 10, print_time,
                   what.c_str());
    }
    std::fflush(stderr);
  }
  void done() {
    if (tty_) std::fprintf(stderr, "\n");
  }

 private:
  bool tty_;
  int last_tenth_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  SimOptions options;
  double ppm = 0., timeout = 86400.;
  std::string faults, log_file, csv;
  bool quiet = false;
  try {
    for (int i = 1; i < argc; i++) {
      std::string a = argv[i];
      if (a == "-h" || a == "--help") {
        usage(stdout);
        return 0;
      }
      if (a == "-q") {
        quiet = true;
        continue;
      }
      if (a.rfind("--", 0) != 0) {
        files.push_back(a);
        continue;
      }
      std::string name = a.substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        throw std::invalid_argument("--" + name + " needs a value");
      }
      if (name == "ppm")
        ppm = std::stod(value);
      else if (name == "link-faults")
        faults = value;
      else if (name == "log")
        log_file = value;
      else if (name == "csv")
        csv = value;
      else if (name == "timeout")
        timeout = std::stod(value);
      else if (!options.parse(name, value))
        throw std::invalid_argument("unknown option --" + name);
    }
    if (files.empty() || files.size() > 2) {
      usage(stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim-print: %s\n", e.what());
    return 2;
  }
  std::string gcode_path = files.back();
  std::string config_name = files.size() == 2 ? files[0] : "config/simulated-printer.cfg (built in)";

  std::string work;
  try {
    if (!fs::is_regular_file(gcode_path)) throw std::runtime_error("no file " + gcode_path);
    std::string cfg_text = files.size() == 2 ? read_file(files[0]) : kpp::sim::kDefaultPrinterConfig;
    auto cfg = kpp::ConfigFile::parse(cfg_text, files.size() == 2 ? files[0] : "printer.cfg");
    PrinterModel model(MachineSpec::from_config(*cfg), options);

    // The file is printed from a virtual SD card folder holding a link to it.
    char tmpl[] = "/tmp/kpp-sim-print-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    work = tmpl;
    fs::create_symlink(fs::absolute(gcode_path), work + "/print.gcode");

    kpp::sim::HostSimOptions hopt;
    hopt.config = host_config(cfg_text, work);
    hopt.mcu_clock_ppm = ppm;
    hopt.link_faults = faults;
    hopt.pin_listener = &model;
    if (log_file.empty()) log_file = work + "/klippy.log";
    hopt.log_file = log_file;
    auto wall_start = std::chrono::steady_clock::now();
    kpp::sim::HostSim sim(hopt);
    if (!sim.wait_ready()) {
      auto [msg, cat] = sim.state();
      throw std::runtime_error("the printer did not become ready (" + cat + "): " + msg);
    }

    auto& toolhead = sim.printer().lookup<kpp::ToolHead>("toolhead");
    kpp::sim::HostPathTracker tracker(sim.printer(), model);
    kpp::sim::TrajectoryRecorder recorder;
    if (!csv.empty()) model.add_observer(&recorder);

    std::printf("== Printing %s on the simulated printer (%s: %s)\n", gcode_path.c_str(),
                model.spec().kinematics.c_str(), config_name.c_str());
    std::fflush(stdout);
    auto out = sim.gcode("SDCARD_PRINT_FILE FILENAME=print.gcode");
    for (auto& l : out)
      if (l.rfind("!!", 0) == 0) throw std::runtime_error(l);

    std::map<std::string, double> max_temp;
    std::string state = "printing";
    Progress progress(isatty(2));
    double start = sim.now();
    while (sim.now() - start < timeout) {
      sim.run_for(1.0);
      tracker.poll();
      for (const auto& h : model.spec().heaters)
        max_temp[h.name] = std::max(max_temp[h.name], model.temperature(h.name, model.last_clock()));
      double now = sim.now();
      auto* ps = sim.printer().lookup_object("print_stats");
      auto* sd = sim.printer().lookup_object("virtual_sdcard");
      state = ps ? ps->get_status(now).value("state", "") : "";
      if (!quiet) {
        // The first heater's temperature says what a long wait at the start is.
        std::string what = state;
        if (!model.spec().heaters.empty()) {
          const std::string& h = model.spec().heaters.front().name;
          what += fmt::format("  {} {:.0f} C", h, model.temperature(h, model.last_clock()));
        }
        progress.show(sd ? sd->get_status(now).value("progress", 0.) : 0., toolhead.print_time(),
                      what);
      }
      if (sim.printer().is_shutdown() || (state != "printing" && state != "paused")) break;
    }
    if (!quiet) progress.done();
    // Let the last moves finish on the MCU.
    if (!sim.printer().is_shutdown()) sim.gcode("M400");
    sim.run_for(1.0);
    tracker.poll();
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

    // ---- summary ----
    double now = sim.now();
    kpp::Json ps = sim.printer().lookup_object("print_stats")->get_status(now);
    double print_time = PrinterModel::clock_to_time(model.last_clock());
    std::printf("== Summary\n");
    if (sim.printer().is_shutdown()) {
      // The first line says why; Klipper's advice lines follow, indented under it.
      std::string msg = sim.state().first;
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      for (size_t pos = 0; (pos = msg.find('\n', pos)) != std::string::npos; pos += 17)
        msg.replace(pos, 1, "\n                ");
      std::printf("  result        SHUTDOWN: %s\n", msg.c_str());
    } else {
      std::string message = ps.value("message", "");
      std::printf("  result        %s%s\n", ps.value("state", "").c_str(),
                  message.empty() ? "" : (": " + message).c_str());
    }
    std::printf("  moves         %d G-code moves\n", count_moves(gcode_path));
    std::printf("  print time    %.1f s of printer time, simulated in %.1f s (%.0fx real time)\n",
                print_time, wall, wall > 0 ? print_time / wall : 0.);
    std::printf("  filament      %.1f mm (host), %.1f mm through the simulated extruder\n",
                ps.value("filament_used", 0.),
                model.spec().find_stepper("extruder") ? model.extruder_position("extruder") : 0.);
    for (size_t i = 0; i < model.stepper_count(); i++) {
      const auto& m = model.stepper(i);
      std::printf("  %-13s %9llu steps, at %.4f mm\n", m.spec().name.c_str(),
                  static_cast<unsigned long long>(m.total_steps()), m.position());
    }
    auto n = model.nozzle();
    std::printf("  nozzle        ends at %.3f, %.3f, %.3f\n", n.x, n.y, n.z);
    const auto& checker = tracker.checker();
    std::printf("  path error    max %.4f mm between the simulated nozzle and the commanded path\n"
                "                (x %.4f, y %.4f, z %.4f; %llu steps compared, %llu of homing "
                "moves left out)\n",
                checker.max_error(), checker.max_error_axes().x, checker.max_error_axes().y,
                checker.max_error_axes().z, static_cast<unsigned long long>(checker.checked()),
                static_cast<unsigned long long>(checker.excluded()));
    for (const auto& h : model.spec().heaters)
      std::printf("  %-13s max %.1f C, now %.1f C\n", h.name.c_str(), max_temp[h.name],
                  model.temperature(h.name, model.last_clock()));
    if (model.out_of_range_events())
      std::printf("  WARNING       a carriage left its travel %llu times\n",
                  static_cast<unsigned long long>(model.out_of_range_events()));
    if (!csv.empty() && !recorder.write_csv(csv))
      throw std::runtime_error("cannot write " + csv);
    std::printf("  log           %s\n", log_file.c_str());
    clean_up(work, log_file);
    bool ok = !sim.printer().is_shutdown() && ps.value("state", "") == "complete";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    if (!work.empty()) clean_up(work, log_file);
    std::fprintf(stderr, "sim-print: %s\n", e.what());
    if (!log_file.empty()) std::fprintf(stderr, "sim-print: log in %s\n", log_file.c_str());
    return 1;
  }
}
