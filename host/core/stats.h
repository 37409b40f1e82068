// The once-a-second "Stats <time>: ..." line of klippy.log (Klipper's statistics module): every
// object that has something to report contributes a piece of text, in the order the objects
// were created, e.g.
//
//   Stats 87.3: gcodein=0 mcu: mcu_awake=0.002 ... freq=20000012 sysload=0.31 cputime=1.234
//   memavail=812345 print_time=12.870 buffer_time=1.200 print_stall=0 extruder: target=200 ...
//
// A printer object contributes by implementing StatsProvider (the MCUs, the toolhead, the
// G-code input, heaters that are printer objects). Anything else registers a callback with
// PrinterStats::register_stats(). A piece marks itself "active" when the printer is doing
// something it reports on; the line is written only while some piece is active (as Klipper
// does: an idle printer does not fill the log) or while the printer has no toolhead at all.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/printer.h"

namespace kpp {

struct StatsEntry {
  bool active = false;
  std::string text;
};

class StatsProvider {
 public:
  virtual ~StatsProvider() = default;
  // Called once a second on the reactor thread; an empty text contributes nothing.
  virtual StatsEntry stats(double eventtime) = 0;
};

class PrinterStats : public PrinterObject {
 public:
  using Callback = std::function<StatsEntry(double eventtime)>;

  explicit PrinterStats(Printer& printer);
  ~PrinterStats() override;
  // A contribution that is not a printer object (or an extra one): appended after the
  // printer objects' pieces, in registration order.
  void register_stats(Callback cb);
  // The line's text without the "Stats <time>: " prefix, and whether it is logged.
  StatsEntry generate(double eventtime);

 private:
  void handle_ready();
  double stats_event(double eventtime);

  Printer& printer_;
  std::vector<StatsProvider*> providers_;
  std::vector<Callback> callbacks_;
  bool has_toolhead_ = false;
  Reactor::Timer* timer_ = nullptr;
};

// sysload, cputime and memavail (Klipper's system_stats object).
class SystemStats : public PrinterObject, public StatsProvider {
 public:
  StatsEntry stats(double eventtime) override;
  Json get_status(double eventtime) override;

 private:
  double last_process_time_ = 0., total_process_time_ = 0., last_load_avg_ = 0.;
  int64_t last_mem_avail_ = 0;
};

}  // namespace kpp
