// The simulated nozzle against the host's commanded path, while a HostSim printer runs: pulls the
// toolhead's finished moves out of its trapq into a CommandedPath, and has a PathChecker compare
// every step the printer model makes with it, leaving out homing and probing moves.
#pragma once

#include <memory>
#include <vector>

#include "motion/move.h"
#include "sim/printer_model.h"
#include "sim/trajectory.h"

namespace kpp {
class Printer;
class ToolHead;
}  // namespace kpp

namespace kpp::sim {

class HostPathTracker {
 public:
  // Attach to the ready printer (its toolhead and homing events) and the model behind its MCU.
  // Steps are compared from now on if all axes are homed, otherwise from the end of the first
  // homing on: before it the host's coordinates are not the machine's.
  HostPathTracker(Printer& printer, PrinterModel& model);
  ~HostPathTracker();
  HostPathTracker(const HostPathTracker&) = delete;
  HostPathTracker& operator=(const HostPathTracker&) = delete;

  // Take in the moves the host finished since the last call and compare the steps the path now
  // covers. Call it at least every few seconds of print time (the trapq keeps 30 s of history).
  void poll();
  const PathChecker& checker() const { return state_->checker; }
  const CommandedPath& path() const { return state_->path; }

 private:
  // Shared with the printer's event handlers, which cannot be unregistered and may outlive us.
  struct State {
    CommandedPath path;
    PathChecker checker{path, /*deferred=*/true};
    int homing_depth = 0;
    bool alive = true;
  };
  ToolHead& toolhead_;
  PrinterModel& model_;
  std::shared_ptr<State> state_;
  std::vector<motion::PullMove> buf_;
  double covered_ = 0.;
};

}  // namespace kpp::sim
