// Stats line assembly and the system statistics piece.
#include "core/stats.h"

#include <stdlib.h>
#include <time.h>

#include <fstream>

#include "core/logging.h"
#include "core/toolhead_base.h"

namespace kpp {

PrinterStats::PrinterStats(Printer& printer) : printer_(printer) {
  printer_.register_event_handler("klippy:ready",
                                  std::function<void()>([this] { handle_ready(); }));
}

PrinterStats::~PrinterStats() {
  if (timer_) printer_.get_reactor().unregister_timer(timer_);
}

void PrinterStats::register_stats(Callback cb) { callbacks_.push_back(std::move(cb)); }

void PrinterStats::handle_ready() {
  providers_.clear();
  for (auto& [name, obj] : printer_.lookup_objects())
    if (auto* p = dynamic_cast<StatsProvider*>(obj)) providers_.push_back(p);
  has_toolhead_ = printer_.try_lookup<ToolHeadBase>("toolhead") != nullptr;
  if (printer_.is_batch_mode()) return;
  Reactor& reactor = printer_.get_reactor();
  if (!timer_)
    timer_ = reactor.register_timer([this](double t) { return stats_event(t); }, Reactor::kNow);
  else
    reactor.update_timer(timer_, Reactor::kNow);
}

StatsEntry PrinterStats::generate(double eventtime) {
  StatsEntry line;
  auto add = [&line](const StatsEntry& e) {
    line.active |= e.active;
    if (e.text.empty()) return;
    if (!line.text.empty()) line.text += ' ';
    line.text += e.text;
  };
  for (auto* p : providers_) add(p->stats(eventtime));
  for (auto& cb : callbacks_) add(cb(eventtime));
  if (!has_toolhead_) line.active = true;
  return line;
}

double PrinterStats::stats_event(double eventtime) {
  StatsEntry line = generate(eventtime);
  if (line.active) log::info("Stats {:.1f}: {}", eventtime, line.text);
  return eventtime + 1.;
}

StatsEntry SystemStats::stats(double) {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  double ptime = ts.tv_sec + ts.tv_nsec * 1e-9;
  double pdiff = ptime - last_process_time_;
  last_process_time_ = ptime;
  if (pdiff > 0.) total_process_time_ += pdiff;
  double load[1] = {0.};
  if (getloadavg(load, 1) == 1) last_load_avg_ = load[0];
  std::string msg = fmt::format("sysload={:.2f} cputime={:.3f}", last_load_avg_, total_process_time_);
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (!line.starts_with("MemAvailable:")) continue;
    last_mem_avail_ = std::strtoll(line.c_str() + 13, nullptr, 10);
    msg += fmt::format(" memavail={}", last_mem_avail_);
    break;
  }
  return {false, msg};
}

Json SystemStats::get_status(double) {
  return Json{{"sysload", last_load_avg_},
              {"cputime", total_process_time_},
              {"memavail", last_mem_avail_}};
}

namespace {
void add_stats_objects(Printer& printer, const ConfigWrapper*) {
  if (!printer.lookup_object("statistics"))
    printer.add_object("statistics", std::make_shared<PrinterStats>(printer));
  if (!printer.lookup_object("system_stats"))
    printer.add_object("system_stats", std::make_shared<SystemStats>());
}
}  // namespace

}  // namespace kpp

// After the config sections, before the toolhead and its extruders (Klipper's order in the line).
KPP_REGISTER_STARTUP_HOOK(statistics, kpp::StartupPhase::kAfterSections, 0,
                          kpp::add_stats_objects)
