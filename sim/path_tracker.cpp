// Following the host's commanded path and checking the simulated nozzle against it (see
// path_tracker.h).
#include "sim/path_tracker.h"

#include "core/printer.h"
#include "modules/homing.h"
#include "motion/toolhead.h"
#include "motion/trapq.h"

namespace kpp::sim {

HostPathTracker::HostPathTracker(Printer& printer, PrinterModel& model)
    : toolhead_(printer.lookup<ToolHead>("toolhead")),
      model_(model),
      state_(std::make_shared<State>()) {
  // Nothing is compared until the first homing ends, or from now on if the printer is homed.
  Json kin = toolhead_.get_kinematics().get_status(printer.get_reactor().monotonic());
  if (kin.value("homed_axes", std::string()) == "xyz")
    state_->checker.set_start_time(toolhead_.get_last_move_time());
  else
    state_->checker.begin_exclusion(0.);
  auto begin = [st = state_, th = &toolhead_] {
    if (!st->alive) return;
    if (st->homing_depth++ == 0) st->checker.begin_exclusion(th->get_last_move_time());
  };
  auto end = [st = state_, th = &toolhead_] {
    if (!st->alive || st->homing_depth == 0) return;
    if (--st->homing_depth == 0) st->checker.end_exclusion(th->get_last_move_time());
  };
  // A home_rails run sets the forced position before its first homing move; each homing (or
  // probing) move ends with a set_position to where the endstop stopped it.
  printer.register_event_handler<Homing*, std::vector<PrinterRail*>>(
      "homing:home_rails_begin", [begin](Homing*, std::vector<PrinterRail*>) { begin(); });
  printer.register_event_handler<Homing*, std::vector<PrinterRail*>>(
      "homing:home_rails_end", [end](Homing*, std::vector<PrinterRail*>) { end(); });
  printer.register_event_handler<HomingMove*>("homing:homing_move_begin",
                                              [begin](HomingMove*) { begin(); });
  printer.register_event_handler<HomingMove*>("homing:homing_move_end",
                                              [end](HomingMove*) { end(); });
  model_.add_observer(&state_->checker);
}

HostPathTracker::~HostPathTracker() {
  state_->alive = false;
  model_.remove_observer(&state_->checker);
}

void HostPathTracker::poll() {
  motion::TrapQ* tq = toolhead_.get_trapq();
  if (buf_.empty()) buf_.resize(4096);
  size_t n;
  while ((n = tq->extract_old(buf_, covered_, motion::TrapQ::kNeverTime)) == buf_.size())
    buf_.resize(buf_.size() * 2);
  // Newest first: walk backwards to add in time order.
  for (size_t i = n; i-- > 0;) {
    const motion::PullMove& m = buf_[i];
    double end = m.print_time + m.move_t;
    if (end <= covered_) continue;
    state_->path.add(m);
    covered_ = end;
  }
  state_->checker.check_until(covered_);
}

}  // namespace kpp::sim
